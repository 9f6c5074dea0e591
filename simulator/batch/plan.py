"""The task plan of a sweep: variant × county × world-chunk, with deterministic task ids.

Task ``v0003/county-a/c0002`` simulates worlds ``[2·chunk, 3·chunk)`` of variant ``v0003`` on
county ``county-a``. Every variant and county uses the sweep's seed and the same global world
indices (common random numbers), so differences between variants are differences of design,
not of noise. Tasks are grouped into *bundles* for the workers: consecutive chunks of one
(variant, county) in a bundle run as one simulation over their joint world range (per-world
results do not depend on the split), which spreads the fixed cost of a run over more worlds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Iterable

from simulator.batch.spec import County, Sweep, Variant

#: most worlds simulated by one bundled run (memory stays small: O(worlds × categories))
MAX_BUNDLE_WORLDS = 256
#: one core's simulation time per person-year (base year included), for estimates only (the
#: local executor's choice, bundle sizes): 100,000 people × (1 + 1) years take about 0.09 s on
#: the development machine
SECONDS_PER_PERSON_YEAR = 0.5e-6
#: most estimated simulation in one bundle: a bundle's results are stored when it ends, so a
#: killed batch loses at most about this much work per worker
MAX_BUNDLE_SECONDS = 30.0


@dataclass(frozen=True)
class Task:
    """One unit of work and of resumption: a chunk of worlds of one (variant, county)."""

    variant: Variant
    county: County
    chunk: int
    worlds: range

    @property
    def id(self) -> str:
        return f"{self.variant.id}/{self.county.name}/c{self.chunk:04d}"


@dataclass(frozen=True)
class Run:
    """Consecutive tasks of one (variant, county), simulated together by a worker."""

    scenario: str                          # absolute path of the county's scenario file
    overrides: tuple[tuple[str, Any], ...]
    seed: int
    columns: tuple[tuple[str, str], ...]   # (parameter key, arrow type) written to every part
    tasks: tuple[tuple[str, int, int], ...]  # (task id, first world, stop world)
    validated: Any = None                  # the validated Scenario, when the sweep kept it


def plan_tasks(sweep: Sweep) -> list[Task]:
    """Every task of the sweep, in (variant, county, chunk) order (a region sweep's: (variant,
    chunk), :func:`simulator.region.sweep_worker.plan_region_tasks`)."""
    if sweep.is_region:
        from simulator.region.sweep_worker import plan_region_tasks

        return plan_region_tasks(sweep)
    n, size = sweep.replications, sweep.chunk_worlds
    chunks = [range(lo, min(lo + size, n)) for lo in range(0, n, size)]
    return [Task(v, c, k, worlds) for v in sweep.variants for c in sweep.counties
            for k, worlds in enumerate(chunks)]


def param_columns(sweep: Sweep) -> tuple[tuple[str, str], ...]:
    """Arrow type of each varied key's column: bool, float64 (numbers) or string (else)."""
    out = []
    for key in sweep.keys:
        values = [val for v in sweep.variants for k, val in v.params if k == key]
        values.append(sweep.base_values.get(key))
        values = [x for x in values if x is not None]
        if values and all(isinstance(x, bool) for x in values):
            out.append((key, "bool"))
        elif values and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in values):
            out.append((key, "float64"))
        else:
            out.append((key, "string"))
    return tuple(out)


def task_seconds(sweep: Sweep, task: Task) -> float:
    """Estimated one-core simulation time of a task (seconds)."""
    return SECONDS_PER_PERSON_YEAR * sweep.person_years(task.variant, task.county) * len(task.worlds)


def bundle(sweep: Sweep, tasks: Iterable[Task], workers: int) -> list[list[Run]]:
    """Group ``tasks`` into bundles of shrinking size (guided self-scheduling).

    Each bundle takes about 1/(2·workers) of the tasks still unassigned, so the first bundles
    are large (consecutive chunks of a design join into few long runs, spreading a run's fixed
    cost: population, compiled arrays, choice tables) and the last ones hold a single task
    (no worker waits long for another's last bundle). A bundle holds at most about
    :data:`MAX_BUNDLE_SECONDS` of estimated simulation. Bundles run in the order returned.
    """
    tasks = list(tasks)
    if not tasks:
        return []
    per_run = max(1, MAX_BUNDLE_WORLDS // max(1, sweep.chunk_worlds))
    columns = param_columns(sweep)
    cost = [task_seconds(sweep, t) for t in tasks]
    make = _runs
    if sweep.is_region:
        from simulator.region.sweep_worker import region_runs as make
    bundles: list[list[Run]] = []
    at = 0
    while at < len(tasks):
        size = max(1, math.ceil((len(tasks) - at) / (2 * max(1, workers))))
        end, spent = at, 0.0
        while end < at + size and (end == at or spent + cost[end] <= MAX_BUNDLE_SECONDS):
            spent += cost[end]
            end += 1
        bundles.append(make(sweep, tasks[at:end], per_run, columns))
        at = end
    return bundles


def _runs(sweep: Sweep, tasks: list[Task], per_run: int, columns: tuple[tuple[str, str], ...]) -> list[Run]:
    """Consecutive chunks of one (variant, county), at most ``per_run`` of them, as one run each."""
    runs: list[Run] = []
    group: list[Task] = []
    for task in tasks + [None]:
        if group and (task is None or (task.variant.id, task.county.name) != (group[0].variant.id, group[0].county.name)
                      or task.worlds.start != group[-1].worlds.stop or len(group) >= per_run):
            t = group[0]
            runs.append(Run(str(t.county.scenario), tuple(sweep.overrides_for(t.variant, t.county).items()),
                            sweep.seed, columns,
                            tuple((x.id, x.worlds.start, x.worlds.stop) for x in group),
                            sweep.validated.get((t.variant.id, t.county.name))))
            group = []
        if task is not None:
            group.append(task)
    return runs
