"""What runs inside a worker process: simulate a bundle, return each task's parquet bytes.

Workers return the encoded part files instead of writing them, so a remote dask cluster needs
no shared output folder (it needs the scenario files at the same paths, or a shared checkout).
Part files are deterministic: rows in (world, year) order, columns in a fixed order (the varied
parameters, then ``world``, ``year``, every indicator, ``score_factor``, ``epidemic``), and no
pandas or timestamp metadata, so identical results give identical bytes whichever executor,
worker count or resumption produced them.
"""

from __future__ import annotations

import atexit
import json
import os
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from simulator.batch.plan import Run

_CACHE: OrderedDict[tuple, tuple[Any, dict[str, Any]]] = OrderedDict()
_CACHE_SIZE = 32
_WARM = False


@dataclass(frozen=True)
class Outcome:
    """What became of one task."""

    task: str
    data: bytes | None = None       # the part file, when the task succeeded
    rows: int = 0
    seconds: float = 0.0            # simulation time (Results.runtime["seconds"], pro rata)
    task_seconds: float = 0.0       # the task's work in the worker: scenario build + run(), pro rata
    episodes: float = 0.0
    error: str | None = None        # why it failed
    input_error: bool = False       # the failure is a bad input value (exit code 2), not a bug


def warm() -> None:
    """Load the compiled kernels once per worker (numba's cache), outside any task's time."""
    global _WARM
    if _WARM:
        return
    os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # parallelism is across tasks
    from simulator.api import run
    from simulator.scenario import load_scenario

    s = load_scenario(_builtin_reference(), {"population.size": 200, "scenario.years": 1})
    run(s, replications=1, seed=0, threads=1)
    _WARM = True


def init_pool_worker() -> None:
    """Initializer of the local pool's worker processes: warm up, and exit fast at the end.

    Once a worker's results are sent, its interpreter's teardown of numba and pandas only
    delays the end of the batch (~0.25 s a worker), so the worker leaves with ``os._exit``.
    """
    warm()
    atexit.register(os._exit, 0)


def run_bundle(bundle: list[Run]) -> list[Outcome]:
    """Simulate every run of a bundle; a failing run fails its tasks and not the others."""
    warm()
    out: list[Outcome] = []
    for item in bundle:
        try:
            out.extend(_run(item))
        except Exception as exc:  # reported per task with its parameters; the batch goes on
            from simulator.errors import InputError

            is_input = isinstance(exc, InputError)
            text = exc.format() if is_input else traceback.format_exc()
            out.extend(Outcome(task, error=text, input_error=is_input) for task, _, _ in item.tasks)
    return out


def _run(item: Run) -> list[Outcome]:
    from simulator.api import run

    begun = time.perf_counter()
    scenario, params = _scenario(item)
    first, stop = item.tasks[0][1], item.tasks[-1][2]
    results = run(scenario, replications=item.replications, seed=item.seed, threads=1,
                  worlds=range(first, stop), flows=False)
    work = time.perf_counter() - begun
    frame = results.worlds
    seconds = float(results.runtime.get("seconds", 0.0))
    episodes = float(results.runtime.get("episodes", 0.0))
    world = frame["world"].to_numpy()
    outcomes = []
    for task, lo, hi in item.tasks:
        rows = (world >= lo) & (world < hi)
        share = (hi - lo) / (stop - first)
        outcomes.append(Outcome(task, encode(frame[rows], item.columns, params), int(rows.sum()),
                                seconds * share, work * share, episodes * share))
    return outcomes


def _scenario(item: Run) -> tuple[Any, dict[str, Any]]:
    """The (cached) scenario of a run and the effective values of the sweep's varied keys."""
    from simulator.batch.spec import lookup
    from simulator.scenario import load_scenario

    key = (item.scenario, json.dumps(item.overrides, sort_keys=True, default=repr))
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    scenario = load_scenario(item.scenario, dict(item.overrides))
    dump = scenario.model_dump(mode="python")
    params = {}
    for name, _ in item.columns:
        try:
            params[name] = lookup(dump, name)
        except KeyError:
            params[name] = None
    _CACHE[key] = (scenario, params)
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return scenario, params


def encode(frame: Any, columns: tuple[tuple[str, str], ...], params: dict[str, Any]) -> bytes:
    """A worlds frame as deterministic parquet bytes, with the varied parameters as columns."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = len(frame)
    arrays: dict[str, Any] = {}
    for name, kind in columns:
        value = params.get(name)
        if kind == "string" and value is not None and not isinstance(value, str):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=repr)
        elif kind == "float64" and value is not None:
            value = float(value)
        arrays[name] = pa.array([value] * n, type=getattr(pa, kind)())
    for name in frame.columns:
        arrays[name] = pa.array(frame[name].to_numpy())
    sink = pa.BufferOutputStream()
    pq.write_table(pa.table(arrays), sink, use_dictionary=False)
    return sink.getvalue().to_pybytes()


def _builtin_reference() -> str:
    """The packaged starter scenario (always installed with mcsim)."""
    from importlib import resources

    return str(resources.files("simulator").joinpath("builtin", "starter_scenario.toml"))


def timed_bundle(bundle: list[Run]) -> tuple[list[Outcome], float]:
    """:func:`run_bundle` with its wall time in the worker (for the benchmark's accounting)."""
    started = time.perf_counter()
    out = run_bundle(bundle)
    return out, time.perf_counter() - started
