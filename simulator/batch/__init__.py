"""Scenario batches: sweep files, task plans, local and dask executors, a partitioned dataset.

    from simulator.batch import load_sweep, run_sweep
    frame = run_sweep("my-sweep.toml", workers=8)

See :mod:`simulator.batch.spec` for the sweep file format and :mod:`simulator.batch.store` for
the output folder.
"""

from simulator.batch.run import BatchOutcome, Failure, SweepFailed, execute_sweep, run_sweep, summarize
from simulator.batch.spec import County, Sweep, Variant, load_sweep

__all__ = ["load_sweep", "run_sweep", "execute_sweep", "summarize", "Sweep", "Variant", "County",
           "BatchOutcome", "Failure", "SweepFailed"]
