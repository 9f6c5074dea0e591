"""The public Python API (what notebooks import; re-exported by ``simulator``).

    import simulator
    s = simulator.load_scenario("scenarios/reference.toml", {"budget.risk_reserve": 0.07})
    lower = s.with_updates({"budget.risk_reserve": 0.03})     # a new validated scenario
    r = simulator.run(s, replications=50, seed=1)
    r.summary(); r.worlds; r.flows
    r.compare(simulator.run(lower, replications=50, seed=1))  # the `mcsim compare` table
    simulator.settle("county-tiered", budget=1e8, spending=9e7, score=80)   # floats
    simulator.settle("county-tiered", budget=[1e8, 1e8], spending=[9e7, 1.1e8])  # a frame

Changes to a scenario (``overrides`` of :func:`load_scenario` and :func:`run`,
:meth:`Scenario.with_updates`) are a mapping of dotted key path -> value or a list of
``"KEY=VALUE"`` strings, validated with the same rules and messages as ``mcsim run --set``
(docs/python-api.md, "Scenarios and changes").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from simulator.errors import InputError, Problem
from simulator.results import Results
from simulator.scenario import Scenario, load_scenario, scenario_hash

__all__ = ["load_scenario", "run", "settle", "Results", "Scenario", "SettlementRow"]


@dataclass(frozen=True)
class SettlementRow:
    """One settled community-year as plain floats (what :func:`settle` returns for scalars).

    The inputs (``score``: the full score when none was given; ``reasonable``: ``inf`` when none
    was given, i.e. all overspend is reasonable) and the eight outputs of ``docs/settlement.md``
    (``balance`` … ``score_factor``), yuan except ``score`` (points) and ``score_factor``.
    """

    budget: float
    spending: float
    score: float
    reasonable: float
    balance: float
    retained_surplus: float
    fund_shared_overspend: float
    community_borne_overspend: float
    withheld_unreleased: float
    fund_payout: float
    community_net: float
    score_factor: float

    def to_dict(self) -> dict[str, float]:
        """``{name: float}`` in the order above."""
        return asdict(self)


def settle(rules: Any, budget: Any, spending: Any, score: Any = None,
           reasonable: Any = None) -> "SettlementRow | Any":
    """Year-end settlement of one community-year (floats) or many (a pandas frame).

    Parameters
    ----------
    rules : a preset name, a rules-file path or :class:`~simulator.settlement.SettlementRules`.
    budget, spending : B and S, yuan (scalars or array-likes that broadcast together).
    score : q, points (default the rules' full score); reasonable : Rz, yuan (default: all
        overspend is reasonable).

    Returns
    -------
    SettlementRow
        when every argument is a scalar: plain floats.
    pandas.DataFrame
        when any argument is an array (even of one element): one row per element of the
        broadcast shape (C order), columns ``budget, spending, score, reasonable`` then the
        eight outputs, all float64.

    The arrays of :func:`simulator.settlement.settle` (what the engine calls) are unchanged.
    """
    import numpy as np

    from simulator.settlement import SettlementRules, load_rules
    from simulator.settlement import settle as settle_arrays

    if not isinstance(rules, SettlementRules):
        rules = load_rules(rules)
    outcome = settle_arrays(rules, budget, spending, score, reasonable)
    full = rules.assessment.full_score
    inputs = {"budget": budget, "spending": spending, "score": full if score is None else score,
              "reasonable": np.inf if reasonable is None else reasonable}
    columns = {**inputs, **outcome.to_dict()}
    if all(np.ndim(value) == 0 for value in inputs.values()):
        return SettlementRow(**{name: float(value) for name, value in columns.items()})
    import pandas as pd

    shape = np.shape(outcome.balance)
    return pd.DataFrame({name: np.ravel(np.broadcast_to(np.asarray(value, dtype=float), shape))
                         for name, value in columns.items()})


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
    overrides : changes to the scenario (``{"budget.risk_reserve": 0.07}`` or
        ``["budget.risk_reserve=0.07"]``), validated like ``--set``; for a :class:`Scenario`
        too (:meth:`Scenario.with_updates`).
    progress : True for a progress bar on stderr, or a callback receiving worlds done per step.
    worlds : simulate only these global world indices (batch chunks); default all.
    target_se : risk figure -> target standard error (``{"prob_overspend": 0.01}``): add chunks of
        worlds until every year's SE meets every target, ``replications`` the ceiling
        (:mod:`simulator.stopping`); the count used becomes ``scenario.replications``.
    """
    from simulator.engine import resolve_seed, run_worlds
    from simulator.prepare import prepare
    from simulator.results import from_run

    scenario = load_scenario(scenario, overrides)  # a Scenario without overrides comes back as it is
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
