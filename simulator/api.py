"""The public Python API (what notebooks import; re-exported by ``simulator``).

    import simulator
    s = simulator.load_scenario("scenarios/reference.toml", ["budget.risk_reserve=0.07"])
    r = simulator.run(s, replications=50, seed=1)
    r.summary(); r.worlds; r.flows
    simulator.settle("county-tiered", budget=1e8, spending=9e7, score=80)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from simulator.errors import InputError, Problem
from simulator.results import Results
from simulator.scenario import Scenario, load_scenario, scenario_hash
from simulator.settlement import settle

__all__ = ["load_scenario", "run", "settle", "Results"]


def run(scenario: Scenario | str | Path | Mapping[str, Any], *, replications: int | None = None,
        seed: int | None = None, threads: int | None = None, overrides: Iterable[str] | Mapping = (),
        progress: bool | Callable[[int], None] = False, worlds: range | None = None,
        target_se: Mapping[str, float] | None = None) -> Results:
    """Simulate a scenario and return its :class:`Results`.

    Parameters
    ----------
    scenario : a :class:`Scenario`, a TOML path, or a mapping shaped like the TOML.
    replications : worlds to simulate (default ``scenario.replications``).
    seed : master seed (default the scenario's; None in both draws one, recorded in results).
    threads : numba threads (default all; ``NUMBA_NUM_THREADS`` caps it).
    overrides : ``--set``-style overrides applied when ``scenario`` is a path or mapping.
    progress : True for a progress bar on stderr, or a callback receiving worlds done per step.
    worlds : simulate only these global world indices (batch chunks); default all.
    target_se : risk figure -> target standard error (``{"prob_overspend": 0.01}``): add chunks of
        worlds until every year's SE meets every target, ``replications`` the ceiling
        (:mod:`simulator.stopping`); the count used becomes ``scenario.replications``.
    """
    from simulator.engine import resolve_seed, run_worlds
    from simulator.prepare import prepare
    from simulator.results import from_run

    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario, overrides)
    elif overrides:
        raise InputError(Problem("overrides", "overrides apply when loading a scenario",
                                 hint="pass a path or mapping, or load_scenario(path, overrides) first"))
    from simulator.scenario.fields import MAX_REPLICATIONS, MAX_SEED

    n = scenario.scenario.replications if replications is None else int(replications)
    if not 1 <= n <= MAX_REPLICATIONS:
        raise InputError(Problem("replications (--replications)", f"must be between 1 and {MAX_REPLICATIONS:,}, "
                                 f"got {n:,}", hint="per-world results are held in memory"))
    if seed is not None and not 0 <= int(seed) <= MAX_SEED:
        raise InputError(Problem("seed (--seed)", f"must be between 0 and 2**63 − 1, got {seed}",
                                 hint="seeds are kept as signed 64-bit integers"))
    seed = resolve_seed(scenario.scenario.seed if seed is None else seed)
    # the scenario as run: its resolved seed and world count go into every output
    # (scenario.resolved.toml reruns to the same results; the hash covers them)
    scenario = scenario.model_copy(update={"scenario": scenario.scenario.model_copy(
        update={"seed": seed, "replications": n})})
    from simulator.memory import check_fits

    span = worlds if worlds is not None else range(n)
    check_fits(scenario, len(span), threads)  # before anything large is built
    model = prepare(scenario)
    if target_se is not None and worlds is not None:
        raise InputError(Problem("target_se", "a target SE chooses the worlds itself", hint="drop worlds="))
    total = len(span) * (scenario.scenario.years + 1)

    def simulate(callback: Callable[[int], None] | None):
        if target_se is None:
            return run_worlds(model, worlds=span, seed=seed, threads=threads, progress=callback), None
        from simulator.stopping import run_to_target

        return run_to_target(model, target_se, ceiling=n, seed=seed, threads=threads, progress=callback)

    if progress is True:
        import sys

        import click

        with click.progressbar(length=total, label=f"mcsim {scenario.name}", file=sys.stderr) as bar:
            out, stopped = simulate(bar.update)
    else:
        out, stopped = simulate(progress if callable(progress) else None)
    if stopped is not None:
        scenario = scenario.model_copy(update={"scenario": scenario.scenario.model_copy(
            update={"replications": len(out.worlds)})})
    results = from_run(scenario, scenario_hash(scenario), out, model)
    results.stopping = stopped
    return results
