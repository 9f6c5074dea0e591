"""Batch overhead: how much of a batch's wall time is not simulation.

A 200-task batch of tiny scenarios (population.size 500 and 20,000 by default, years=1, one
world per task) runs on the local executor. Reported per case and worker count:

* ``wall_s``: the whole :func:`simulator.batch.execute_sweep` (pool start, warm-up, tasks,
  parquet writes, summary);
* ``sim_s``: Σ of the tasks' ``Results.runtime["seconds"]``;
* ``overhead_share`` = 1 − sim_s / (workers × wall_s): the share of the workers' time spent
  outside simulation (target < 10%);
* ``task_s``: Σ of the tasks' work inside the workers (building the variant's scenario and
  :func:`simulator.run`); ``scheduling_share`` = 1 − task_s / (workers × wall_s): what the
  batch machinery itself costs (dispatch, transfer, parquet encoding and storage, start-up);
* ``startup_s``: wall time of a 1-task batch (spawning and warming the workers, fixed per
  batch), and ``steady_*_share``: the same shares with that fixed cost taken out.

Cases: ``one-design`` (1 variant × 200 chunks, so chunks are bundled into joint runs) and
``many-designs`` (200 variants × 1 chunk: no two tasks share a scenario, the worst case).

    python benchmarks/bench_batch.py [--workers 2] [--tasks 200]

JSON goes to ``benchmarks/results/batch.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "scenarios" / "reference.toml"
RESULTS = REPO / "benchmarks" / "results"


def sweep_text(case: str, tasks: int, people: int = 500) -> str:
    head = f'''[sweep]
name = "bench-{case}"
base = "{REFERENCE.as_posix()}"
replications = {tasks if case == "one-design" else 1}
chunk_worlds = 1
seed = 7
overrides = {{ "population.size" = {people}, "scenario.years" = 1 }}
'''
    if case == "one-design":
        return head
    values = ", ".join(f"{0.02 + 0.06 * i / max(tasks - 1, 1):.6f}" for i in range(tasks))
    return head + f'\n[[vary]]\nkind = "grid"\nkey = "budget.risk_reserve"\nvalues = [{values}]\n'


def measure(case: str, tasks: int, workers: int, folder: Path, people: int = 500) -> dict:
    from simulator.batch import execute_sweep

    path = folder / f"{case}-{tasks}-{people}.toml"
    path.write_text(sweep_text(case, tasks, people), encoding="utf-8")
    out = folder / f"out-{case}-{tasks}-{workers}"
    started = time.perf_counter()
    outcome = execute_sweep(path, executor="local", workers=workers, out=out)
    wall = time.perf_counter() - started
    shutil.rmtree(out)
    if outcome.failures:
        raise RuntimeError(f"benchmark batch failed: {outcome.failures[0]}")
    return {"tasks": outcome.total, "wall_s": wall, "sim_s": outcome.sim_seconds,
            "task_s": outcome.task_seconds,
            "overhead_share": 1.0 - outcome.sim_seconds / (workers * wall),
            "scheduling_share": 1.0 - outcome.task_seconds / (workers * wall)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 4))
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--people", type=int, nargs="+", default=[500, 20_000],
                        help="population sizes of the tiny scenarios (one case each)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="mcsim-bench-batch."))
    report = {"machine": {"platform": platform.platform(), "processor": platform.processor(),
                          "cpus": os.cpu_count(), "python": platform.python_version()},
              "date": time.strftime("%Y-%m-%d"), "workers": args.workers, "cases": {}}
    try:
        measure("one-design", 1, args.workers, folder)  # numba cache and imports warm on disk
        startup = measure("one-design", 1, args.workers, folder)
        report["startup_s"] = startup["wall_s"]
        for people in args.people:
            for case in ("one-design", "many-designs"):
                row = measure(case, args.tasks, args.workers, folder, people)
                steady = max(row["wall_s"] - startup["wall_s"], 1e-9)
                row["steady_overhead_share"] = 1.0 - row["sim_s"] / (args.workers * steady)
                row["steady_scheduling_share"] = 1.0 - row["task_s"] / (args.workers * steady)
                row["people"] = people
                report["cases"][f"{case}-{people}"] = row
                print(f"{case:13s} {people:>6} people, {row['tasks']} tasks, {args.workers} workers: "
                      f"wall {row['wall_s']:.2f} s, simulation {row['sim_s']:.2f} s, "
                      f"outside simulation {row['overhead_share']:.1%} "
                      f"(without the {startup['wall_s']:.2f} s start-up: {row['steady_overhead_share']:.1%}); "
                      f"outside the tasks (scheduling, storage) {row['scheduling_share']:.1%} "
                      f"(without start-up {row['steady_scheduling_share']:.1%})")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "batch.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS / 'batch.json'}")


if __name__ == "__main__":
    main()
