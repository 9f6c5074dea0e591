"""Worlds × years: population, kernels, payment, budget, settlement and dynamics.

For each year (the base year first, DESIGN 2) the engine projects the population, runs the
kernels for blocks of worlds in parallel, pays providers, sets the budget, scores the
assessment, settles, and carries each world's state into its next year.

Dynamics (all neutral by default; formulas are assumptions documented here):

* ``cost_inflation`` i: unit costs × (1 + i)^y; tariffs (per-diem rates, capitation, a fixed
  DRG point value) are nominal and do not follow.
* ``utilisation_trend`` u: every demand rate × (1 + u)^y.
* ``epidemic``: each world-year a shock with ``probability`` raises demand by ``uplift``;
  with ``settlement.reasonable = "exogenous"`` only the shock's extra spending is reasonable
  (shareable) overspend: uplift / (1 + uplift) of the demand-elastic spending (S less the
  floating DRG pool, which a shock does not raise).
* ``investment_share`` k: with ``carry_over`` the community invests k × retained surplus in
  primary care; primary tiers' quality rises by ``quality_per_million`` per million yuan (≤ 1).
* ``cost_control_elasticity`` e: next year's in-county unit costs × (1 − e × m), m the marginal
  retention rate of this year's settlement (Δ community net per yuan saved).
* ``out_referral_elasticity`` r: when out-of-county spending is not charged to the community,
  the outside tiers' choice constants rise by r per year of the agreement.
* Budget ratchet (``history`` method): next budget from this year's actual spending.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Sequence

import numpy as np

from simulator.compile import ModelArrays, compile_scenario, village_distances
from simulator.constants import N_TIERS, Q_COST, Q_DAYS, Q_EPISODES, Q_FUND, Q_OOP
from simulator.errors import InputError, Problem
from simulator.kernels.world import (
    choice_table_arrays, choice_table_rows, empty_outputs, microdata_buffers, simulate_year,
)
from simulator.flow_indicators import care_indicators, ratio
from simulator.settlement.core import marginal_retention
from simulator.payment import drg_payments_at, floating_point_value, payments
from simulator.population import Population, projected_years, read_population, synthesize_population
from simulator.settlement.resolve import resolve_settlement
from simulator.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

#: quantities kept per [world, year, tier, service, scheme] for flows.parquet
FLOW_FIELDS = ("episodes", "cost", "fund", "oop", "days", "payment")
#: settlement and payment quantities kept in worlds.parquet beside the indicators
EXTRA_COLUMNS = ("score_factor", "drg_pool", "drg_fund_payment", "fund_outside", "reasonable_overspend")


@dataclass
class RunOutput:
    """Raw arrays of a run: indicators [world, year], flows and referrals (see :mod:`simulator.results`)."""

    seed: int
    worlds: np.ndarray                      # global world indices
    years: np.ndarray                       # calendar years reported
    indicators: dict[str, np.ndarray]       # key -> float64[world, year]
    flows: np.ndarray                       # float64[world, year, tier, service, scheme, FLOW_FIELDS]
    referrals: np.ndarray                   # float64[world, year, from, to]
    shocks: np.ndarray                      # bool[world, year]
    base_year: dict[str, np.ndarray] = field(default_factory=dict)
    microdata: "pd.DataFrame | None" = None  # claims-format rows when output.microdata_fraction > 0
    microdata_dropped: int = 0
    episodes: float = 0.0
    seconds: float = 0.0
    threads: int = 1


@dataclass
class _WorldState:
    """What a world carries into its next year."""

    quality: np.ndarray        # [world, 6]
    asc_shift: np.ndarray      # [world, 6]
    effort: np.ndarray         # [world] relative in-county unit-cost reduction
    budget: np.ndarray         # [world] last budget
    spending: np.ndarray       # [world] last fund spending charged to the community
    pool: np.ndarray           # [world] last DRG pool
    total_cost: np.ndarray     # [world] last total cost
    outside_share: np.ndarray  # [world] base-year out-of-county share of fund spending


def resolve_seed(seed: int | None) -> int:
    """The run's seed: ``seed``, or fresh entropy (recorded in every output)."""
    if seed is not None:
        return int(seed)
    return int(np.random.SeedSequence().entropy % (2**63))


def load_population(s: Scenario, seed: int) -> Population:
    """Base-year population: synthetic from the seed, or read from the scenario's file."""
    if s.population.file is not None:
        return read_population(s.population.file, age_bands=s.population.age_bands)
    return synthesize_population(s.population, seed)


def population_years(s: Scenario, seed: int) -> list[Population]:
    """The population of every simulated year, base year first (what :func:`run_worlds` uses).

    A run projects one year at a time and keeps only the current one; batches that run many
    designs on one population compute this list once and pass it to :func:`run_worlds`.
    """
    return list(projected_years(load_population(s, seed), s.population, s.scenario.years, seed))


def run_worlds(s: Scenario, *, worlds: range, seed: int, threads: int | None = None,
               progress: Callable[[int], None] | None = None, block: int | None = None,
               populations: Sequence[Population] | None = None) -> RunOutput:
    """Simulate ``worlds`` (global indices) of scenario ``s`` with the run's ``seed``.

    Worlds are independent and keyed by their global index, so any split of the worlds gives
    the same per-world results. ``populations``: :func:`population_years` of ``s`` and ``seed``,
    when the caller has them already (else they are built year by year).
    """
    import numba

    started = time.perf_counter()
    rules, indicators_spec = resolve_settlement(s)
    n_threads = _threads(threads)
    previous = numba.get_num_threads()  # thread-local in numba: restored, so a threads=1 run
    numba.set_num_threads(n_threads)    # does not make this thread's later runs single-threaded
    try:
        return _simulate(s, rules, indicators_spec, worlds, seed, n_threads, progress, block, started,
                         populations)
    finally:
        numba.set_num_threads(previous)


def _simulate(s: Scenario, rules, indicators_spec, worlds: range, seed: int, n_threads: int,
              progress: Callable[[int], None] | None, block: int | None, started: float,
              populations: Sequence[Population] | None) -> RunOutput:
    """The body of :func:`run_worlds`, with numba's thread count set."""
    if populations is not None and len(populations) != s.scenario.years + 1:
        raise ValueError(f"populations has {len(populations)} years, the scenario simulates "
                         f"{s.scenario.years + 1} (base year included)")
    base_pop = populations[0] if populations is not None else load_population(s, seed)
    n_villages = max(int(s.population.villages), int(base_pop.village.max()) + 1 if base_pop.size else 1)
    dist = village_distances(s, base_pop.village.astype(np.int64), base_pop.dist_township_km,
                             base_pop.dist_county_km, n_villages)
    model = compile_scenario(s, village_distance=dist)

    n_w, n_y = len(worlds), s.scenario.years
    w0 = worlds.start
    step = block or max(2 * n_threads, 4)
    state = _initial_state(s, n_w)
    dyn = s.dynamics
    out_ind: dict[str, np.ndarray] = {}
    out_flows = np.zeros((n_w, n_y, N_TIERS, 4, 2, len(FLOW_FIELDS)))
    out_ref = np.zeros((n_w, n_y, N_TIERS, N_TIERS))
    shocks = np.zeros((n_w, n_y), dtype=bool)
    base: dict[str, np.ndarray] = {}
    episodes = 0.0
    fraction = s.output.microdata_fraction
    micro_frames = []
    dropped = 0
    group_codes = _group_codes(s) if fraction > 0 else []

    years = populations if populations is not None else projected_years(base_pop, s.population, n_y, seed)
    for y, pop in enumerate(years):  # y = 0 is the base year
        person = pop.kernel_columns
        shock = np.zeros(n_w, dtype=bool)
        if y > 0:
            shock = _uniforms(seed, w0, n_w, y, block=1) < dyn.epidemic.probability
        demand = (1.0 + dyn.utilisation_trend) ** y * np.where(shock, 1.0 + dyn.epidemic.uplift, 1.0)
        cost_factor = np.full((n_w, N_TIERS), (1.0 + dyn.cost_inflation) ** y)
        cost_factor[:, :4] *= (1.0 - state.effort)[:, None]
        flows, referrals = empty_outputs(n_w)
        tables = _ChoiceTables(model)
        for lo in range(0, n_w, step):
            hi = min(lo + step, n_w)
            micro, micro_n = microdata_buffers(hi - lo, pop.size, fraction if y > 0 else 0.0)
            out_t, chronic_t, in_t, table_of = tables.get(cost_factor[lo:hi], state.quality[lo:hi],
                                                          state.asc_shift[lo:hi])
            simulate_year(model, *person, seed, y, w0 + lo, demand[lo:hi], cost_factor[lo:hi],
                          out_t, chronic_t, in_t, table_of, flows[lo:hi], referrals[lo:hi],
                          fraction if y > 0 else 0.0, micro, micro_n)
            if fraction > 0 and y > 0:
                from simulator.microdata import microdata_frame

                frame, lost = microdata_frame(micro, micro_n, range(w0 + lo, w0 + hi),
                                              s.scenario.start_year + y - 1, seed, pop.age_band, pop.scheme,
                                              s.population.age_bands, group_codes)
                micro_frames.append(frame)
                dropped += lost
            if progress is not None:
                progress(hi - lo)
        episodes += float(flows[..., Q_EPISODES].sum())
        year = _settle_year(s, rules, indicators_spec, state, pop, flows, shock, y)
        paid = year.pop("_paid")
        if y == 0:
            base = year
            continue
        for key, value in year.items():
            out_ind.setdefault(key, np.zeros((n_w, n_y)))[:, y - 1] = value
        out_flows[:, y - 1] = np.stack([flows[..., Q_EPISODES], flows[..., Q_COST], flows[..., Q_FUND],
                                        flows[..., Q_OOP], flows[..., Q_DAYS], paid], axis=-1)
        out_ref[:, y - 1] = referrals
        shocks[:, y - 1] = shock
    microdata = None
    if fraction > 0:
        import pandas as pd

        microdata = pd.concat(micro_frames, ignore_index=True) if micro_frames else None
        if dropped:
            import warnings

            warnings.warn(f"microdata buffer full: {dropped} claim rows were not recorded; "
                          "lower output.microdata_fraction", RuntimeWarning, stacklevel=2)
    return RunOutput(seed=seed, worlds=np.arange(worlds.start, worlds.stop),
                     years=np.arange(s.scenario.start_year, s.scenario.start_year + n_y),
                     indicators=out_ind, flows=out_flows, referrals=out_ref, shocks=shocks, base_year=base,
                     microdata=microdata, microdata_dropped=dropped,
                     episodes=episodes, seconds=time.perf_counter() - started, threads=n_threads)


def _group_codes(s: Scenario) -> list[str]:
    from simulator.casemix import load_casemix

    cm = load_casemix(s.casemix.file or s.casemix.source, base_dir=None, age_bands=s.population.age_bands)
    return [str(c) for c in cm.codes]


class _ChoiceTables:
    """Choice tables of one year, computed once per distinct world state.

    A world's first-contact probabilities depend on its unit costs, tier quality and choice
    constants. Worlds that agree on all three (all of them, unless dynamics set them apart)
    share one set of tables; the last block's tables are reused when the next block's states
    are the same.
    """

    def __init__(self, model: ModelArrays) -> None:
        self.model = model
        self.key: bytes | None = None
        self.tables: tuple[np.ndarray, ...] = ()

    def get(self, cost_factor: np.ndarray, quality: np.ndarray, asc_shift: np.ndarray):
        rows = np.ascontiguousarray(np.concatenate([cost_factor, quality, asc_shift], axis=1))
        states, table_of = np.unique(rows, axis=0, return_inverse=True)
        key = states.tobytes()
        if key != self.key:
            n = N_TIERS
            out_t, chronic_t, in_t = choice_table_arrays(self.model, len(states))
            choice_table_rows(self.model, np.ascontiguousarray(states[:, :n]),
                              np.ascontiguousarray(states[:, n:2 * n]), np.ascontiguousarray(states[:, 2 * n:]),
                              out_t, chronic_t, in_t)
            self.key, self.tables = key, (out_t, chronic_t, in_t)
        return (*self.tables, np.ascontiguousarray(table_of.reshape(-1), dtype=np.int64))


def _threads(threads: int | None) -> int:
    import numba

    limit = numba.config.NUMBA_NUM_THREADS
    if threads is None:
        return numba.get_num_threads()
    if not 1 <= threads <= limit:
        raise InputError(Problem("--threads", f"must be between 1 and {limit} (NUMBA_NUM_THREADS), got {threads}"))
    return int(threads)


def _uniforms(seed: int, first_world: int, n: int, year: int, block: int) -> np.ndarray:
    from simulator.kernels.rng import keyed_uniforms

    out = np.empty(n)
    keyed_uniforms(seed, first_world, year, block, out)
    return out


def _initial_state(s: Scenario, n_w: int) -> _WorldState:
    zeros = np.zeros(n_w)
    return _WorldState(quality=np.tile(np.asarray(s.tiers.quality, dtype=float), (n_w, 1)),
                       asc_shift=np.zeros((n_w, N_TIERS)), effort=zeros.copy(), budget=zeros.copy(),
                       spending=zeros.copy(), pool=zeros.copy(), total_cost=zeros.copy(),
                       outside_share=zeros.copy())


def _settle_year(s: Scenario, rules, indicators_spec, state: _WorldState,
                 pop: Population, flows: np.ndarray, shock: np.ndarray, y: int) -> dict[str, np.ndarray]:
    """Payment, budget, assessment and settlement of one year; updates ``state`` for the next."""
    from simulator.settlement import assessment_score, history_budget, income_budget, settle

    drg = s.payment.drg
    n_w = flows.shape[0]
    if drg.mode == "fixed" or y == 0:
        pv = np.full(n_w, drg.point_value)
        drg_paid = drg_payments_at(flows, pv)
        pool = drg_paid  # the base year's DRG payments start the pool
    else:
        pool = state.pool * (1.0 + drg.pool_growth)
        pv = floating_point_value(flows, pool)
        drg_paid = drg_payments_at(flows, pv)
    paid = payments(flows, pv)
    care = care_indicators(flows, paid)
    fund_all, fund_outside = care.pop("fund_all"), care.pop("fund_outside")
    b = s.budget
    spending = fund_all if b.outside_charged else fund_all - fund_outside
    counts = pop.counts_by_scheme()
    enrolled = np.full(n_w, float(pop.size))
    if y == 0:
        state.outside_share = ratio(fund_outside, fund_all, fill=0.0)
    if b.method == "income":
        rise = (1.0 + b.financing_growth) ** max(y - 1, 0)
        financing = {k: v * rise for k, v in b.per_capita_financing.model_dump().items()}
        budget = income_budget({"resident": counts[0], "employee": counts[1]}, financing, b.risk_reserve,
                               b.serious_illness_share.model_dump(), b.community_share, b.tcm_tilt)
        budget = np.full(n_w, float(budget))
    elif y == 0:
        budget = spending.copy()
    else:
        budget = history_budget(state.budget, state.spending, b.growth, b.ratchet)
    if not b.outside_charged and b.method == "income":
        budget = budget * (1.0 - state.outside_share)  # the budget covers in-county care only
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = care["total_cost"] / state.total_cost - 1.0 if y > 0 else np.zeros(n_w)
    values = dict(care, enrolled=enrolled, fund_spending=spending, budget=budget, balance=budget - spending,
                  balance_rate=(budget - spending) / budget, cost_growth_rate=growth,
                  drg_point_value=pv, drg_pool=pool, drg_fund_payment=drg_paid,
                  fund_outside=fund_outside, reasonable_overspend=np.zeros(n_w))
    score = assessment_score(values, indicators_spec, rules.assessment.full_score) if indicators_spec \
        else np.full(n_w, float(rules.assessment.full_score))
    if np.any(~(budget > 0)):
        raise InputError(Problem("budget", f"the {b.method} method gave a budget <= 0 in year {y} "
                                 "(settlement needs B > 0)",
                                 hint="check budget.per_capita_financing, community_share and the base year"))
    reasonable = None
    if s.settlement.reasonable == "exogenous":
        # only the demand-elastic part of S grows with a shock: a floating DRG pool does not
        uplift = s.dynamics.epidemic.uplift
        elastic = spending
        if drg.mode == "floating":
            charged = ratio(spending, fund_all, fill=0.0)
            elastic = np.maximum(spending - values["drg_fund_payment"] * charged, 0.0)
        reasonable = np.where(shock, elastic * uplift / (1.0 + uplift), 0.0)
        values["reasonable_overspend"] = reasonable
    outcome = settle(rules, budget, spending, score, reasonable)
    values.update(outcome.to_dict())
    values["assessment_score"] = score
    values["_paid"] = paid
    _advance(s, state, rules, values, reasonable, y)
    return values


def _advance(s: Scenario, state: _WorldState, rules, values: dict[str, np.ndarray],
             reasonable: np.ndarray | None, y: int) -> None:
    """Carry the year's outcome (``values`` of :func:`_settle_year`) into each world's next year
    (module docstring formulas); ``reasonable`` as settled (None: no exogenous overspend)."""
    dyn = s.dynamics
    budget, spending = values["budget"], values["fund_spending"]
    state.budget, state.spending, state.pool = budget, spending, values["drg_pool"]
    state.total_cost = values["total_cost"]
    if y == 0:
        return
    if dyn.cost_control_elasticity > 0:
        m = marginal_retention(rules, budget, spending, values["assessment_score"], reasonable,
                               settled=values["community_net"])
        state.effort = np.clip(dyn.cost_control_elasticity * m, 0.0, 0.9)
    if dyn.investment_share > 0 and s.settlement.carry_over:
        invested = dyn.investment_share * values["retained_surplus"]
        gain = dyn.quality_per_million * invested / 1e6
        state.quality[:, :3] = np.minimum(1.0, state.quality[:, :3] + gain[:, None])
    if dyn.out_referral_elasticity > 0 and not s.budget.outside_charged:
        state.asc_shift[:, 4:] += dyn.out_referral_elasticity
