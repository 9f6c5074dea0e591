"""``--target-se``: add chunks of worlds until every risk figure's Monte Carlo error meets its target.

Worlds are keyed by their global index, so a run stopped at N worlds holds exactly the worlds of
a plain N-world run. After each chunk (never before two: one chunk's SE is itself too noisy to
trust) the SE of each targeted figure is computed in every year — for probabilities the
Agresti–Coull SE (:func:`simulator.risk.agresti_coull_se`), positive even when no world
overspent, so a zero count cannot stop the run early; for VaR/CVaR the estimators of
:mod:`simulator.risk` — and the run stops when all meet their targets, or at the ceiling
(``--replications``). Chunks are a tenth of the ceiling, at least 10 worlds.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

import numpy as np

from simulator.errors import InputError, Problem
from simulator.outputs import RISK_FIGURES

#: fewest chunks run before the stopping rule is tried
MIN_CHUNKS = 2


def parse_targets(items: tuple[str, ...] | list[str]) -> dict[str, float]:
    """``["prob_overspend=0.01", ...]`` → ``{"prob_overspend": 0.01}``, checked (exit 2 when bad)."""
    out: dict[str, float] = {}
    problems = []
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not sep or key not in RISK_FIGURES or not (math.isfinite(value) and value > 0):
            problems.append(Problem("--target-se", f"{item!r}: expected FIGURE=SE with SE > 0 and FIGURE one of "
                                    f"{', '.join(RISK_FIGURES)}", hint="e.g. --target-se prob_overspend=0.01"))
            continue
        out[key] = value
    if problems:
        raise InputError(problems, title="invalid --target-se")
    return out


def chunk_size(ceiling: int) -> int:
    """Worlds per chunk: a tenth of the ceiling, at least 10 (never above the ceiling)."""
    return min(ceiling, max(10, math.ceil(ceiling / 10)))


def run_to_target(model: Any, targets: Mapping[str, float], *, ceiling: int, seed: int,
                  threads: int | None = None, progress: Callable[[int], None] | None = None):
    """Simulate chunks of worlds 0, 1, … until every year's SE of every target is met or
    ``ceiling`` worlds ran. Returns the joint :class:`~simulator.engine.RunOutput` and the record
    of the stopping rule (summary.json ``target_se``)."""
    from simulator.engine import concatenate, run_worlds

    step = chunk_size(ceiling)
    # the county is the same in every chunk: build its years once (not with a county per world)
    years = None if model.scenario.population.uncertainty == "per_world" else list(model.population_years())
    parts, done, met, worst = [], 0, False, {}
    while done < ceiling:
        span = range(done, min(done + step, ceiling))
        parts.append(run_worlds(model, worlds=span, seed=seed, threads=threads, progress=progress,
                                populations=years))
        done = span.stop
        if len(parts) >= MIN_CHUNKS or done >= ceiling:
            worst = _worst_se(concatenate(parts), targets)
            met = all(worst[k] <= v for k, v in targets.items())
            if met and len(parts) >= MIN_CHUNKS:
                break
    record = {"targets": dict(targets), "achieved": {k: float(v) for k, v in worst.items()},
              "met": bool(met), "worlds": done, "ceiling": ceiling, "chunk": step}
    return concatenate(parts), record


def _worst_se(output: Any, targets: Mapping[str, float]) -> dict[str, float]:
    """The largest SE over years of each targeted figure (Agresti–Coull for probabilities)."""
    import pandas as pd

    from simulator.results import world_columns
    from simulator.risk import agresti_coull_se, risk_by_year

    table = risk_by_year(pd.DataFrame(world_columns(output, params=False)))
    n = len(output.worlds)
    out = {}
    for key in targets:
        if key.startswith("prob_"):
            counts = np.rint(table[key].to_numpy() * n).astype(int)
            out[key] = max(agresti_coull_se(int(k), n) for k in counts)
        else:
            out[key] = float(np.nanmax(table[f"{key}_se"].to_numpy()))
    return out
