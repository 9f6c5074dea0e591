"""Worlds × years: population, kernels, payment, budget, settlement and dynamics.

For each year (the base year first, docs/model.md) the engine projects the population, runs the
kernels for blocks of worlds in parallel, pays providers, sets the budget, scores the
assessment, settles, and carries each world's state into its next year.

Dynamics (all neutral by default; formulas are assumptions documented here):

* ``cost_inflation`` i: unit costs × (1 + i)^y; tariffs (per-diem rates, capitation, a fixed
  DRG point value) are nominal and do not follow.
* ``utilisation_trend`` u: every demand rate × (1 + u)^y.
* ``epidemic``: each world-year a shock with ``probability`` raises demand by ``uplift``;
  with ``settlement.reasonable = "exogenous"`` only the shock's extra spending is reasonable
  (shareable) overspend: uplift / (1 + uplift) of the demand-elastic spending (S less the
  payments of floating points pools, which a shock does not raise).
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
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from simulator.constants import N_SCHEMES, N_SERVICES, N_TIERS, Q_EPISODES
from simulator.errors import InputError, Problem
from simulator.flow_indicators import care_indicators, ratio
from simulator.kernel_year import KernelYear
from simulator.outputs import FLOW_QUANTITIES
from simulator.constants import TIER_NAMES
from simulator.payment.points import PointsHistory, cost_and_points
from simulator.payment.registry import method_params
from simulator.payment.valuation import pay_year, provider_margin
from simulator.population import Population
from simulator.prepare import PreparedModel, prepare
from simulator.scenario.schema import Scenario
from simulator.sums import cell_sum
from simulator.settlement.core import marginal_retention
from simulator.uncertainty.factors import WorldFactors
from simulator.uncertainty.plan import plan_worlds, world_model

if TYPE_CHECKING:
    import pandas as pd

#: flows.parquet quantities, taken from the kernels' flows (``payment`` from the payment step)
FLOW_FIELDS = tuple(c.name for c in FLOW_QUANTITIES)


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
    params: dict[str, np.ndarray] = field(default_factory=dict)  # uncertain key -> drawn value [world]


@dataclass
class _WorldState:
    """What a world carries into its next year."""

    quality: np.ndarray        # [world, 6]
    asc_shift: np.ndarray      # [world, 6]
    effort: np.ndarray         # [world] relative in-county unit-cost reduction
    budget: np.ndarray         # [world] last budget
    spending: np.ndarray       # [world] last fund spending charged to the community
    points: dict[str, PointsHistory]  # points method -> its point values, pool and base share
    total_cost: np.ndarray     # [world] last total cost
    outside_share: np.ndarray  # [world] base-year out-of-county share of fund spending
    scheme_shares: np.ndarray | None = None  # [world, 2] base-year spending shares of the schemes


def resolve_seed(seed: int | None) -> int:
    """The run's seed: ``seed``, or fresh entropy (recorded in every output)."""
    if seed is not None:
        return int(seed)
    return int(np.random.SeedSequence().entropy % (2**63))


def run_worlds(model: PreparedModel | Scenario, *, worlds: range, seed: int, threads: int | None = None,
               progress: Callable[[int], None] | None = None, block: int | None = None,
               populations: Sequence[Population] | None = None) -> RunOutput:
    """Simulate ``worlds`` (global indices) of a prepared model (or a scenario) with the run's ``seed``.

    Worlds are independent and keyed by their global index (their parameter draws too), so any
    split of the worlds gives the same per-world results. ``populations``: the model's
    :meth:`~simulator.prepare.PreparedModel.population_years`, as a list, when the caller has
    them already (else they are built year by year; ignored when each world has its own).
    """
    import numba

    started = time.perf_counter()
    model = prepare(model)
    n_threads = _threads(threads)
    previous = numba.get_num_threads()  # thread-local in numba: restored, so a threads=1 run
    numba.set_num_threads(n_threads)    # does not make this thread's later runs single-threaded
    try:
        plan = plan_worlds(model, seed, worlds)
        step = block or max(2 * n_threads, 4)
        if plan.separate:
            shared = populations
            if shared is None and plan.shares_population:  # one county for all: build it once
                shared = list(model.population_years())
            parts = []
            for i, w in enumerate(worlds):
                own = world_model(model, plan, i, w)
                parts.append(_simulate(own, range(w, w + 1), seed, step, progress,
                                       plan.world_factors(i, own.scenario),
                                       shared if plan.shares_population else None))
            out = concatenate(parts)
        else:
            out = _simulate(model, worlds, seed, step, progress, plan.factors, populations)
        out.params, out.threads = plan.draws, n_threads
        out.seconds = time.perf_counter() - started
        return out
    finally:
        numba.set_num_threads(previous)


def _simulate(model: PreparedModel, worlds: range, seed: int, step: int,
              progress: Callable[[int], None] | None, factors: WorldFactors,
              populations: Sequence[Population] | None) -> RunOutput:
    """Simulate ``worlds`` of one prepared model with per-world ``factors`` (numba's thread count set)."""
    county = CountyYears(model, worlds, seed, step, progress, factors, populations)
    for y in range(model.scenario.scenario.years + 1):  # y = 0 is the base year
        county.kernel(y, county.own_shock(y))
        county.settle(y, county.budget_before(y))
    return county.output()


class CountyYears:
    """One county's worlds, a year at a time: :meth:`kernel` (care), then :meth:`settle`
    (payment, budget, assessment, settlement), so that a region (:mod:`simulator.region`) can
    value the points of every county's year over one pool between the two steps.

    ``seed`` keys the process noise (and, in a single-county run, the epidemic shocks);
    ``pooled``: points methods whose point value the caller gives to :meth:`settle` (their
    history's values, costs and points are the caller's: a region keeps one for all counties).
    """

    def __init__(self, model: PreparedModel, worlds: range, seed: int, step: int,
                 progress: Callable[[int], None] | None, factors: WorldFactors,
                 populations: Sequence[Population] | None, pooled: frozenset[str] = frozenset(),
                 compiled: tuple[Population, Any] | None = None) -> None:
        s = model.scenario
        if populations is not None and len(populations) != s.scenario.years + 1:
            raise ValueError(f"populations has {len(populations)} years, the scenario simulates "
                             f"{s.scenario.years + 1} (base year included)")
        if compiled is not None:  # the caller's base population and its compiled arrays
            base_pop, arrays = compiled
        else:
            base_pop = populations[0] if populations is not None else model.base_population()
            arrays = model.arrays(base_pop)
        self.model, self.worlds, self.seed, self.factors, self.pooled = model, worlds, seed, factors, pooled
        self.year_kernel = KernelYear(model, arrays, seed, worlds, step, progress, factors)
        n_w, n_y = len(worlds), s.scenario.years
        self.state = _initial_state(s, n_w)
        self.indicators: dict[str, np.ndarray] = {}
        self.flows_out = np.zeros((n_w, n_y, N_TIERS, N_SERVICES, N_SCHEMES, len(FLOW_FIELDS)))
        self.referrals_out = np.zeros((n_w, n_y, N_TIERS, N_TIERS))
        self.shocks = np.zeros((n_w, n_y), dtype=bool)
        self.base: dict[str, np.ndarray] = {}
        self.episodes = 0.0
        self._years = iter(populations if populations is not None else model.population_years(base_pop))
        self.pop: Population | None = None
        self.flows: np.ndarray | None = None
        self._referrals: np.ndarray | None = None
        self._shock: np.ndarray | None = None

    def own_shock(self, y: int) -> np.ndarray:
        """Epidemic shocks of year ``y`` per world, from this county's own keyed stream."""
        n_w = len(self.worlds)
        if y == 0:
            return np.zeros(n_w, dtype=bool)
        return _uniforms(self.seed, self.worlds.start, n_w, y, block=1) < self.factors.epidemic_probability

    def kernel(self, y: int, shock: np.ndarray) -> np.ndarray:
        """Run the kernels' year ``y`` (the next population year) with epidemic ``shock`` per
        world; returns its flows [world, tier, service, scheme, quantity]."""
        self.pop = next(self._years)
        self.flows, self._referrals = self.year_kernel.run(self.pop, y, shock, self.state)
        self._shock = shock
        self.episodes += float(self.flows[..., Q_EPISODES].sum())
        return self.flows

    def budget_before(self, y: int) -> np.ndarray | None:
        """The budget of simulated year ``y`` > 0, set before its spending (None in the base year,
        whose budget follows its spending)."""
        if y == 0:
            return None
        from simulator.settlement import year_budget

        b, state = self.model.scenario.budget, self.state
        counts = self.pop.counts_by_scheme()
        enrolled = {"resident": counts[0], "employee": counts[1]}
        return year_budget(b, enrolled, np.zeros(len(self.worlds)), state.budget, state.spending,
                           state.outside_share, y)

    def settle(self, y: int, budget: np.ndarray | None, given: dict | None = None) -> dict[str, np.ndarray]:
        """Pay, budget, score and settle year ``y`` (``budget``: :meth:`budget_before`; ``given``:
        the :class:`~simulator.payment.points.PointsYear` of each pooled method); records the
        year's outputs and returns its indicator values."""
        year = _settle_year(self.model, self.state, self.pop, self.flows, self._shock, y, self.factors,
                            budget, given or {}, self.pooled, self.seed, self.worlds)
        paid = year.pop("_paid")
        self.paid = paid
        if y == 0:
            self.base = year
            return year
        for key, value in year.items():
            self.indicators.setdefault(key, np.zeros((len(self.worlds), self.model.scenario.scenario.years)))[:, y - 1] = value
        flows = self.flows
        self.flows_out[:, y - 1] = np.stack([flows[..., _QUANTITY_INDEX[name]] if name != "payment" else paid
                                             for name in FLOW_FIELDS], axis=-1)
        self.referrals_out[:, y - 1] = self._referrals
        self.shocks[:, y - 1] = self._shock
        return year

    def output(self) -> RunOutput:
        """The run's arrays once every year is settled."""
        s = self.model.scenario
        n_y = s.scenario.years
        microdata, dropped = self.year_kernel.microdata()
        return RunOutput(seed=self.seed, worlds=np.arange(self.worlds.start, self.worlds.stop),
                         years=np.arange(s.scenario.start_year, s.scenario.start_year + n_y),
                         indicators=self.indicators, flows=self.flows_out, referrals=self.referrals_out,
                         shocks=self.shocks, base_year=self.base, microdata=microdata,
                         microdata_dropped=dropped, episodes=self.episodes)


def concatenate(parts: Sequence[RunOutput]) -> RunOutput:
    """One output from the outputs of consecutive blocks of worlds of one run (in world order)."""
    import pandas as pd

    first = parts[0]
    frames = [p.microdata for p in parts if p.microdata is not None]
    return RunOutput(seed=first.seed, worlds=np.concatenate([p.worlds for p in parts]), years=first.years,
                     indicators={k: np.concatenate([p.indicators[k] for p in parts]) for k in first.indicators},
                     flows=np.concatenate([p.flows for p in parts]),
                     referrals=np.concatenate([p.referrals for p in parts]),
                     shocks=np.concatenate([p.shocks for p in parts]),
                     base_year={k: np.concatenate([p.base_year[k] for p in parts]) for k in first.base_year},
                     microdata=pd.concat(frames, ignore_index=True) if frames else None,
                     microdata_dropped=sum(p.microdata_dropped for p in parts),
                     episodes=sum(p.episodes for p in parts), seconds=sum(p.seconds for p in parts),
                     threads=first.threads,
                     params={k: np.concatenate([p.params[k] for p in parts]) for k in first.params})


def _quantity_index() -> dict[str, int]:
    from simulator.constants import QUANTITY_NAMES

    return {name: QUANTITY_NAMES.index(name) for name in FLOW_FIELDS if name in QUANTITY_NAMES}


_QUANTITY_INDEX = _quantity_index()


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
                       spending=zeros.copy(), points={}, total_cost=zeros.copy(),
                       outside_share=zeros.copy())


def _settle_year(model: PreparedModel, state: _WorldState, pop: Population, flows: np.ndarray,
                 shock: np.ndarray, y: int, factors: WorldFactors, budget: np.ndarray | None,
                 given: dict, pooled: frozenset[str], seed: int, worlds: range) -> dict[str, np.ndarray]:
    """Payment, budget, assessment and settlement of one year; updates ``state`` for the next.

    ``budget``: the year's budget (None in the base year: set from its spending); a simulated
    year's budget does not depend on its spending, so it is set first (the points pool).
    Bundled public-health money (``community.public_health``) joins the budget and the spending
    after the payments (the points pool does not include it)."""
    from simulator.settlement import assessment_score, year_budget

    s, rules = model.scenario, model.rules
    b = s.budget
    counts = pop.counts_by_scheme()
    enrolled = {"resident": counts[0], "employee": counts[1]}
    payments = pay_year(s.payment, model.cells, flows, state.points, y, budget, given)
    care = care_indicators(flows, payments.paid)
    fund_all, fund_outside = care.pop("fund_all"), care.pop("fund_outside")
    spending = fund_all if b.outside_charged else fund_all - fund_outside
    if y == 0:
        state.outside_share = ratio(fund_outside, fund_all, fill=0.0)
        budget = year_budget(b, enrolled, spending, state.budget, state.spending, state.outside_share, y)
    _remember_points(model, state, payments, flows, spending, y, pooled)
    with np.errstate(divide="ignore", invalid="ignore"):
        growth = care["total_cost"] / state.total_cost - 1.0 if y > 0 else np.zeros(len(spending))
    insured_spending, fund_spending_scheme = spending, _scheme_spending(flows, payments.paid, b.outside_charged)
    ph = s.community.public_health
    ph_funding = np.full(len(spending), ph.per_capita * float(pop.size))
    ph_spending = ph.completion * ph_funding
    if ph.per_capita > 0:  # the bundled envelope and what was spent from it
        budget, spending = budget + ph_funding, spending + ph_spending
    values = dict(care, enrolled=np.full(len(spending), float(pop.size)), fund_spending=spending,
                  budget=budget, balance=budget - spending, balance_rate=(budget - spending) / budget,
                  cost_growth_rate=growth, public_health_funding=ph_funding, public_health_spending=ph_spending,
                  public_health_completion=np.full(len(spending), float(ph.completion)))
    for code, year in payments.points.items():
        values.update({f"{code}_point_value": year.point_value, f"{code}_pool": year.pool,
                       f"{code}_fund_payment": year.fund_payment, f"{code}_budget_point_value": year.budget_value,
                       f"{code}_pool_deficit": year.deficit})
    values["points_pool_deficit"] = sum(year.deficit for year in payments.points.values())
    margin = provider_margin(flows, payments.paid)
    values.update({f"provider_margin_{name}": margin[:, t] for t, name in enumerate(TIER_NAMES)})
    values.update(fund_outside=fund_outside, reasonable_overspend=np.zeros(len(spending)))
    score = assessment_score(values, list(model.indicators), rules.assessment.full_score) if model.indicators \
        else np.full(len(spending), float(rules.assessment.full_score))
    if np.any(~(budget > 0)):
        raise InputError(Problem("budget", f"the {b.method} method gave a budget <= 0 in year {y} "
                                 "(settlement needs B > 0)",
                                 hint="check budget.per_capita_financing, community_share and the base year"))
    reasonable = None
    if s.settlement.reasonable == "exogenous":
        reasonable = _exogenous_overspend(s, payments, insured_spending, fund_all, shock, factors.epidemic_uplift)
        values["reasonable_overspend"] = reasonable
    _settle_accounts(model, state, values, budget, spending, score, reasonable, fund_spending_scheme,
                     counts, y)
    values["assessment_score"] = score
    _community_money(model, values, flows, payments.paid, seed, worlds, y)
    values["_paid"] = payments.paid
    _advance(s, state, rules, values, payments, reasonable, y, factors.cost_control_elasticity)
    return values


def _scheme_spending(flows: np.ndarray, paid: np.ndarray, outside_charged: bool) -> np.ndarray:
    """float64[world, 2]: the fund spending charged to the community for each scheme's insured."""
    charged = paid if outside_charged else paid[:, :4]     # [world, tier, service, scheme]
    return np.stack([cell_sum(charged[..., k]) for k in range(charged.shape[-1])], axis=1)


def _settle_accounts(model: PreparedModel, state: _WorldState, values: dict, budget: np.ndarray,
                     spending: np.ndarray, score: np.ndarray, reasonable, by_scheme: np.ndarray,
                     counts, y: int) -> None:
    """Settle the year (``budget.pooling``: pooled, or each scheme's account on its own) into
    ``values``, with each scheme's balance and community net (simulator.settlement.community)."""
    from simulator.settlement import settle
    from simulator.settlement.community import scheme_budget_shares, settle_accounts

    s, rules = model.scenario, model.rules
    n = len(budget)
    total = by_scheme.sum(axis=1, keepdims=True)
    spending_shares = ratio(by_scheme, total, fill=0.5) if n else by_scheme
    if y == 0:
        state.scheme_shares = spending_shares
    enrolled = {"resident": float(counts[0]), "employee": float(counts[1])}
    budget_shares = scheme_budget_shares(s.budget, enrolled, state.scheme_shares, n)
    if s.budget.pooling == "separate":
        outcome, balances, nets = settle_accounts(rules, budget, spending, score, reasonable,
                                                  budget_shares, spending_shares)
        values.update(outcome)
    else:
        values.update(settle(rules, budget, spending, score, reasonable).to_dict())
        balances = budget[:, None] * budget_shares - spending[:, None] * spending_shares
        nets = values["community_net"][:, None] * budget_shares
    for k, scheme in enumerate(("resident", "employee")):
        values[f"balance_{scheme}"] = balances[:, k]
        values[f"community_net_{scheme}"] = nets[:, k]


def _community_money(model: PreparedModel, values: dict, flows: np.ndarray, paid: np.ndarray,
                     seed: int, worlds: range, y: int) -> None:
    """Member types' part of the net settlement and the monthly cash position (into ``values``)."""
    from simulator.constants import INPATIENT, LONG_STAY
    from simulator.outputs import MEMBER_TYPES
    from simulator.settlement.community import member_weights, monthly_cash, split_net

    s = model.scenario
    d = s.community.distribution
    weights = None if d.method == "fixed" else member_weights(flows, paid, d.method)
    parts = split_net(values["community_net"], weights, d.shares, d.village_floor)
    for m, (key, *_rest) in enumerate(MEMBER_TYPES):
        values[f"community_net_{key}"] = parts[:, m]
    admissions = cell_sum(flows[..., Q_EPISODES][:, :, [INPATIENT, LONG_STAY]])
    charged = paid if s.budget.outside_charged else paid[:, :4]
    admission_spending = cell_sum(charged[:, :, [INPATIENT, LONG_STAY]])
    low, short = monthly_cash(values["budget"], model.rules.withhold_rate, values["fund_spending"],
                              admission_spending, admissions, s.budget.monthly_profile, seed, worlds, y)
    values["cash_low_point"], values["cash_short_months"] = low, short


def _remember_points(model: PreparedModel, state: _WorldState, payments, flows: np.ndarray,
                     spending: np.ndarray, y: int, pooled: frozenset[str] = frozenset()) -> None:
    """Carry each points method's settlement point value, pool, and its cases' cost and standard
    points into its history (in the base year, start it, with the method's share of fund
    spending: the budget-basis pool's share). A ``pooled`` method's values, costs and points
    are kept by the region that values it (its share and pool stay the county's)."""
    s = model.scenario
    none = np.zeros(flows.shape[1:3], dtype=bool)
    for code, year in payments.points.items():
        if y == 0:
            history = PointsHistory.start(method_params(s.payment, code), len(spending))
            history.share = ratio(year.fund_payment, spending, fill=0.0)
            state.points[code] = history
        history = state.points[code]
        history.pool = year.pool
        if code in pooled:
            continue
        history.values.append(year.point_value)
        cost, points = cost_and_points(flows, model.cells.get(code, none))
        history.costs.append(cost)
        history.points.append(points)


def _exogenous_overspend(s: Scenario, payments, spending: np.ndarray, fund_all: np.ndarray,
                         shock: np.ndarray, uplift) -> np.ndarray:
    """Reasonable overspend Rz of a shock year: the shock's share of the demand-elastic spending
    (``uplift``: each world's, or one for all).

    A floating points pool does not grow with a shock, so its payments are not elastic.
    """
    elastic = spending
    floating = [year.fund_payment for code, year in payments.points.items()
                if method_params(s.payment, code).mode == "floating"]
    if floating:
        charged = ratio(spending, fund_all, fill=0.0)
        elastic = np.maximum(spending - sum(floating) * charged, 0.0)
    return np.where(shock, elastic * uplift / (1.0 + uplift), 0.0)


def _advance(s: Scenario, state: _WorldState, rules, values: dict[str, np.ndarray], payments,
             reasonable: np.ndarray | None, y: int, elasticity) -> None:
    """Carry the year's outcome (``values`` of :func:`_settle_year`) into each world's next year
    (module docstring formulas); ``reasonable`` as settled (None: no exogenous overspend);
    ``elasticity``: the cost-control elasticity, each world's or one for all."""
    dyn = s.dynamics
    budget, spending = values["budget"], values["fund_spending"]
    if s.community.public_health.per_capita > 0:  # carried without the bundled money (added each year)
        state.budget = budget - values["public_health_funding"]
        state.spending = spending - values["public_health_spending"]
    else:
        state.budget, state.spending = budget, spending
    state.total_cost = values["total_cost"]
    if y == 0:
        return
    if np.any(np.asarray(elasticity) > 0):
        m = marginal_retention(rules, budget, spending, values["assessment_score"], reasonable,
                               settled=values["community_net"])
        state.effort = np.clip(elasticity * m, 0.0, 0.9)
    if dyn.investment_share > 0 and s.settlement.carry_over:
        invested = dyn.investment_share * values["retained_surplus"]
        gain = dyn.quality_per_million * invested / 1e6
        state.quality[:, :3] = np.minimum(1.0, state.quality[:, :3] + gain[:, None])
    if dyn.out_referral_elasticity > 0 and not s.budget.outside_charged:
        state.asc_shift[:, 4:] += dyn.out_referral_elasticity
