"""Tasks of a sweep over a region and what a worker runs for them.

A task ``v0003/c0002`` simulates worlds ``[2·chunk, 3·chunk)`` of variant ``v0003``: every
county of the region, coupled by the pool (:func:`simulator.region.engine.run_region_worlds`).
Its part file holds the worlds rows of every county, then of the region (``county =
"(region)"``, built by :func:`simulator.region.results.region_output`, the rules of
``mcsim run REGION.toml``): columns the varied keys (their effective values: a region key's,
a ``county.NAME.KEY``'s, and for a key of every county the row's county's own, on the region's
rows the counties' common value or null), ``county``, then the columns of
:func:`simulator.results.world_columns`. Rows are in (county, world, year) order and the bytes
carry no metadata, so a part is the same whichever executor, worker or resumption made it.

Consecutive chunks of a variant run as one simulation (a bundle's :class:`RegionRun`); a worker
keeps the last prepared regions (:data:`_KEEP`), so a variant's chunks prepare its counties once.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from simulator.batch.plan import Task
from simulator.batch.worker import Outcome, encode, part_table, run_items
from simulator.region.spec import REGION_ROW

#: prepared regions a worker keeps (each holds its counties' populations and compiled arrays)
_KEEP = 2
_REGIONS: OrderedDict[str, tuple[Any, dict[str, dict[str, Any]]]] = OrderedDict()
_LOCK = threading.Lock()


@dataclass(frozen=True)
class RegionTask(Task):
    """A chunk of worlds of one variant, every county of the region (``county``: the region as a
    whole, named ``(region)``)."""

    @property
    def id(self) -> str:
        return f"{self.variant.id}/c{self.chunk:04d}"


@dataclass(frozen=True)
class RegionRun:
    """Consecutive tasks of one variant, simulated together by a worker."""

    file: str                                            # the region file
    region_values: tuple[tuple[str, Any], ...]
    county_values: tuple[tuple[str, tuple[tuple[str, Any], ...]], ...]
    replications: int
    seed: int
    columns: tuple[tuple[str, str], ...]                 # (sweep key, arrow type) written to every part
    targets: tuple[tuple[str, str, str, str | None], ...]  # (sweep key, scope, key, county)
    tasks: tuple[tuple[str, int, int], ...]              # (task id, first world, stop world)
    validated: Any = None                                # the variant's Region, when the sweep kept it


def plan_region_tasks(sweep: Any) -> list[RegionTask]:
    """Every task of a region sweep, in (variant, chunk) order."""
    from simulator.batch.sweep import County

    n, size = sweep.replications, sweep.chunk_worlds
    whole = County(REGION_ROW, sweep.region_file, (), sweep.region.fingerprint()[:16],
                   sum(c.people for c in sweep.counties), max(c.years for c in sweep.counties))
    chunks = [range(lo, min(lo + size, n)) for lo in range(0, n, size)]
    return [RegionTask(v, whole, k, worlds) for v in sweep.variants for k, worlds in enumerate(chunks)]


def region_runs(sweep: Any, tasks: list[RegionTask], per_run: int,
                columns: tuple[tuple[str, str], ...]) -> list[RegionRun]:
    """Consecutive chunks of one variant, at most ``per_run`` of them, as one run each."""
    targets = tuple((k, t.scope, t.key, t.county) for k, t in sweep.targets.items() if k in sweep.keys)
    runs: list[RegionRun] = []
    group: list[RegionTask] = []
    for task in [*tasks, None]:
        if group and (task is None or task.variant.id != group[0].variant.id
                      or task.worlds.start != group[-1].worlds.stop or len(group) >= per_run):
            v = group[0].variant
            region_values, county_values = sweep.values_for(v)
            runs.append(RegionRun(str(sweep.region_file), tuple(region_values.items()),
                                  tuple((n, tuple(x.items())) for n, x in county_values.items()),
                                  sweep.replications, sweep.seed, columns, targets,
                                  tuple((x.id, x.worlds.start, x.worlds.stop) for x in group),
                                  sweep.validated.get((v.id, REGION_ROW))))
            group = []
        if task is not None:
            group.append(task)
    return runs


def run_region_bundle(bundle: list[RegionRun], keep_tables: bool = False) -> list[Outcome]:
    """Simulate every run of a bundle; a failing run fails its tasks and not the others."""
    return run_items(bundle, _run, keep_tables)


def _run(item: RegionRun, keep_tables: bool) -> list[Outcome]:
    from simulator.region.engine import run_region_worlds
    from simulator.region.results import region_output
    from simulator.results import world_columns

    begun = time.thread_time()
    prepared, params = _prepared(item)
    first, stop = item.tasks[0][1], item.tasks[-1][2]
    simulating = time.thread_time()
    output = run_region_worlds(prepared, worlds=range(first, stop), threads=1)
    simulated = time.thread_time() - simulating
    rows = [(c.name, world_columns(output.counties[c.name], params=False)) for c in prepared.counties]
    rows.append((REGION_ROW, world_columns(region_output(prepared, output), params=False)))
    work = time.thread_time() - begun
    years = len(output.counties[prepared.counties[0].name].years)
    episodes = sum(o.episodes for o in output.counties.values())
    outcomes = []
    for task, lo, hi in item.tasks:
        cut = slice((lo - first) * years, (hi - first) * years)  # rows are in (world, year) order
        share = (hi - lo) / (stop - first)
        parts = []
        for name, columns in rows:
            part = {k: v[cut] for k, v in columns.items()}
            parts.append(part_table({"county": np.full(len(part["world"]), name, dtype=object), **part},
                                    item.columns, params[name]))
        table = pa.concat_tables(parts).combine_chunks()
        outcomes.append(Outcome(task, encode(table), table.num_rows, simulated * share, work * share,
                                episodes * share, table=table if keep_tables else None))
    return outcomes


def _prepared(item: RegionRun) -> tuple[Any, dict[str, dict[str, Any]]]:
    """The (kept) prepared region of a run and each row's effective values of the varied keys."""
    from simulator.region.engine import prepare_region
    from simulator.region.spec import load_region

    key = json.dumps([item.file, item.region_values, item.county_values, item.replications, item.seed,
                      item.columns], sort_keys=True, default=repr)
    with _LOCK:
        if key in _REGIONS:
            _REGIONS.move_to_end(key)
            return _REGIONS[key]
    region = item.validated
    if region is None:
        region = load_region(item.file, region_values=dict(item.region_values),
                             county_values={n: dict(v) for n, v in item.county_values}).with_run(
            replications=item.replications, seed=item.seed)
    prepared = prepare_region(region)
    found = (prepared, _params(region, item))
    with _LOCK:
        _REGIONS[key] = found
        while len(_REGIONS) > _KEEP:
            _REGIONS.popitem(last=False)
    return found


def _params(region: Any, item: RegionRun) -> dict[str, dict[str, Any]]:
    """Row name (a county, or the region) -> varied key -> its effective value (module docstring)."""
    from simulator.scenario.load import get_path

    def value(dump: Any, key: str) -> Any:
        try:
            return get_path(dump, key)
        except KeyError:  # inside an optional table left empty
            return None

    meta = region.meta.model_dump(mode="python")
    dumps = {c.name: c.scenario.model_dump(mode="python") for c in region.counties}
    out: dict[str, dict[str, Any]] = {name: {} for name in (*dumps, REGION_ROW)}
    for column, scope, key, county in item.targets:
        if scope == "region":
            values = {name: value(meta, key) for name in out}
        elif scope == "county":
            values = {name: value(dumps[county], key) for name in out}
        else:
            values = {name: value(d, key) for name, d in dumps.items()}
            common = list(values.values())
            values[REGION_ROW] = common[0] if all(x == common[0] for x in common) else None
        for name, x in values.items():
            out[name][column] = x
    return out


def reset() -> None:
    """Forget this process's prepared regions (a thread executor starting or ending a batch)."""
    with _LOCK:
        _REGIONS.clear()
