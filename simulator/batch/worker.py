"""What runs inside a worker (a thread of this process, or a worker process): simulate a
bundle, return each task's parquet bytes.

Workers return the encoded part files instead of writing them, so a remote dask cluster needs
no shared output folder (it needs the scenario files at the same paths, or a shared checkout).
Part files are deterministic: rows in (world, year) order, columns in a fixed order (the varied
parameters, then ``world``, ``year``, every indicator, ``score_factor``, ``epidemic``), and no
pandas or timestamp metadata, so identical results give identical bytes whichever executor,
worker count or resumption produced them.

A worker keeps recent scenarios and populations (a design that varies no ``[population]`` key
reuses its population); worker threads share them under a lock, and a thread executor clears
them at the start and end of each batch.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.batch.plan import Run

# a worker's memory of recent scenarios and populations (worker threads share it: locked)
_CACHE: OrderedDict[tuple, tuple[Any, dict[str, Any]]] = OrderedDict()
_CACHE_SIZE = 32
_CACHE_LOCK = threading.Lock()
_POPULATIONS: OrderedDict[tuple, list[Any]] = OrderedDict()
#: populations kept per worker process; a design that varies no ``[population]`` key reuses them
_POPULATION_BYTES = 128 * 2**20
#: arrow type of a varied key's column kind (:func:`simulator.batch.plan.param_columns`)
ARROW_TYPES = {"bool": "bool_", "float64": "float64", "string": "string"}
_LOADED = threading.Event()
_LOAD_LOCK = threading.Lock()


@dataclass(frozen=True)
class Outcome:
    """What became of one task."""

    task: str
    data: bytes | None = None       # the part file, when the task succeeded
    rows: int = 0
    seconds: float = 0.0            # simulation: CPU time of the engine's run (pro rata)
    task_seconds: float = 0.0       # the task's work in the worker: scenario + run + columns (CPU, pro rata)
    episodes: float = 0.0
    error: str | None = None        # why it failed
    input_error: bool = False       # the failure is a bad input value (exit code 2), not a bug
    table: Any = None               # the part as a pyarrow Table (worker threads only: no decode)


def load_kernels() -> None:
    """Load the compiled kernels (numba's cache) with a tiny run, once per process.

    The pool executors call it as their workers' initializer, so no task's time includes it.
    """
    if _LOADED.is_set():
        return
    with _LOAD_LOCK:  # a second caller waits for the first instead of loading again
        if _LOADED.is_set():
            return
        from simulator.api import run
        from simulator.scenario import load_scenario

        s = load_scenario(_builtin_reference(), {"population.size": 200, "scenario.years": 1})
        run(s, replications=1, seed=0, threads=1)
        _LOADED.set()


def init_pool_worker() -> None:
    """Initializer of the process pool's workers: one numba thread, load the kernels, exit fast.

    Once a worker's results are sent, its interpreter's teardown of numba and pandas only
    delays the end of the batch (~0.25 s a worker), so the worker leaves with ``os._exit``.
    """
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # parallelism is across tasks
    load_kernels()
    atexit.register(os._exit, 0)


def run_bundle(bundle: list[Run], keep_tables: bool = False) -> list[Outcome]:
    """Simulate every run of a bundle; a failing run fails its tasks and not the others.

    ``keep_tables``: also hand back each part as a pyarrow Table (for a caller in the same
    process, which then need not decode the parquet bytes to assemble the batch's frame).
    """
    return run_items(bundle, _run, keep_tables)


def run_items(bundle: list[Any], run: Any, keep_tables: bool = False) -> list[Outcome]:
    """``run(item, keep_tables)`` for every item of a bundle (batch runs, region sweep runs); a
    failing item fails its tasks (``item.tasks``: (task, …) tuples) and not the others."""
    load_kernels()
    out: list[Outcome] = []
    for item in bundle:
        try:
            out.extend(run(item, keep_tables))
        except Exception as exc:  # reported per task with its parameters; the batch goes on
            from simulator.errors import InputError

            is_input = isinstance(exc, InputError)
            text = exc.format() if is_input else traceback.format_exc()
            out.extend(Outcome(task, error=text, input_error=is_input) for task, _, _ in item.tasks)
    return out


def _run(item: Run, keep_tables: bool = False) -> list[Outcome]:
    """Simulate a run's joint world range; split the rows into its tasks' part files.

    The worker calls the engine directly and encodes its arrays (no pandas frame): per task,
    the batch machinery costs well under a millisecond on top of the simulation.
    """
    from simulator.engine import run_worlds
    from simulator.results import world_columns

    # CPU time of this thread: with worker threads, waiting for the GIL is not simulation
    begun = time.thread_time()
    model, params = _model(item)
    first, stop = item.tasks[0][1], item.tasks[-1][2]
    simulating = time.thread_time()
    populations = _populations(model)
    output = run_worlds(model, worlds=range(first, stop), seed=item.seed, threads=1,
                        populations=populations)
    simulated = time.thread_time() - simulating
    columns = world_columns(output, params=False)  # one schema for every part of the batch
    work = time.thread_time() - begun
    years = len(output.years)
    outcomes = []
    for task, lo, hi in item.tasks:
        rows = slice((lo - first) * years, (hi - first) * years)  # rows are in (world, year) order
        share = (hi - lo) / (stop - first)
        table = part_table({name: values[rows] for name, values in columns.items()}, item.columns, params)
        outcomes.append(Outcome(task, encode(table), (hi - lo) * years, simulated * share, work * share,
                                output.episodes * share, table=table if keep_tables else None))
    return outcomes


def _model(item: Run) -> tuple[Any, dict[str, Any]]:
    """The (cached) prepared model of a run and the effective values of the sweep's varied keys."""
    from simulator.prepare import prepare
    from simulator.scenario.load import get_path
    from simulator.scenario import load_scenario

    key = (item.scenario, json.dumps(item.overrides, sort_keys=True, default=repr), item.columns)
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    scenario = item.validated if item.validated is not None else load_scenario(item.scenario, dict(item.overrides))
    dump = scenario.model_dump(mode="python")
    params = {}
    for name, _ in item.columns:
        try:
            params[name] = get_path(dump, name)
        except KeyError:
            params[name] = None
    model = prepare(scenario)
    with _CACHE_LOCK:
        _CACHE[key] = (model, params)
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return model, params


def _populations(model: Any) -> list[Any] | None:
    """The scenario's population of every year, shared by the designs that agree on it.

    Keyed by the ``[population]`` table, the years and the population seed (and a population
    file's path, mtime and size); None when it would not fit in the worker's population memory
    or when each world draws its own county.
    Building them is part of the simulation, so a cache hit saves simulation time (and the
    GIL-holding numpy work of sampling people), not overhead.
    """
    from simulator.errors import file_stamp

    scenario = model.scenario
    table = scenario.population
    if table.uncertainty == "per_world":
        return None
    stamp = file_stamp(Path(table.file)) if table.file is not None else None
    key = (json.dumps(table.model_dump(mode="json"), sort_keys=True), scenario.scenario.years,
           model.population_seed, stamp)
    with _CACHE_LOCK:
        if key in _POPULATIONS:
            _POPULATIONS.move_to_end(key)
            return _POPULATIONS[key]
    if _population_bytes(table.size, scenario.scenario.years) > _POPULATION_BYTES:
        return None
    years = list(model.population_years())
    with _CACHE_LOCK:
        _POPULATIONS[key] = years
        while sum(_population_bytes(v[0].size, len(v) - 1) for v in _POPULATIONS.values()) > _POPULATION_BYTES:
            _POPULATIONS.popitem(last=False)
    return years


#: memory of one person-year: the Population arrays (30 bytes, int8 to float64 columns) and the
#: kernels' int64 person columns cached on it (40 bytes)
_BYTES_PER_PERSON = 70


def _population_bytes(people: int, years: int) -> int:
    return int(people) * (int(years) + 1) * _BYTES_PER_PERSON


def reset_caches() -> None:
    """Forget this process's scenarios and populations (a thread executor starting or ending a
    batch: the next batch may vary other keys, or its scenario files may have been edited)."""
    import sys

    with _CACHE_LOCK:
        _CACHE.clear()
        _POPULATIONS.clear()
    regions = sys.modules.get("simulator.region.sweep_worker")
    if regions is not None:  # a sweep over a region ran in this process
        regions.reset()


def part_table(columns: dict[str, Any], params_columns: tuple[tuple[str, str], ...],
               params: dict[str, Any]) -> Any:
    """A task's part as a pyarrow Table: the varied parameters first, then the world rows.

    ``columns`` maps names to equal-length numpy arrays (:func:`simulator.results.world_columns`).
    """
    import pyarrow as pa

    n = len(columns["world"])
    arrays: dict[str, Any] = {}
    for name, kind in params_columns:
        value = params.get(name)
        if kind == "string" and value is not None and not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)
        elif kind == "float64" and value is not None:
            value = float(value)
        arrays[name] = pa.array([value] * n, type=getattr(pa, ARROW_TYPES[kind])())
    for name, values in columns.items():
        arrays[name] = pa.array(values)
    return pa.table(arrays)


def encode(table: Any) -> bytes:
    """A part table as deterministic parquet bytes (no timestamps, no pandas metadata)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, use_dictionary=False)
    return sink.getvalue().to_pybytes()


def _builtin_reference() -> str:
    """The packaged starter scenario (always installed with mcsim)."""
    from importlib import resources

    return str(resources.files("simulator").joinpath("builtin", "starter_scenario.toml"))
