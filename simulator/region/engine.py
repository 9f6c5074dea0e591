"""Region worlds: every county a year at a time, one point value per world-year for the pool.

For each year the engine runs every county's kernels (:class:`~simulator.engine.CountyYears`),
sets each county's budget, values the pooled method's points of every county (and so of the
city hospitals, which are the counties' ``outside_agreement`` tier) over one pool, and only then
pays and settles each county (docs/region.md):

* pool (``basis = "budget"``): Σ_c budget_c × share_c, share_c the region's ``share`` or the
  county's base-year share of its pooled cells' payments in its fund spending (以收定支);
  ``"history"``: last year's pool × (1 + growth), the base year's pool being its payments;
* settlement point value: (pool − Σ outliers + Σ patient share) / Σ points over every county,
  within the band × the budget point value and above the floor
  (:func:`~simulator.payment.points.settlement_point_value`); the budget point value follows
  the region's history (one for all counties);
* each county is paid its cells at that value; what the fund pays beyond the pool (the deficit)
  is split over the counties in proportion to their pooled payments, so a fixed pool is spent to
  the yuan across counties (zero-sum);
* out-of-region cases (tier ``outside_other``) are valued at the budget point value unless
  ``outside_other = "pool"``.

Keys: world w of every county is world w of the region (same global index); parameter draws and
the region's epidemic stream are keyed by the region's seed; each county's process noise by
(seed, county name) (:func:`noise_seed`), a one-county region using the seed itself, so it is the
single-county run. With ``epidemic_correlation`` ρ < 1 a county's shock uniform is
Φ(√ρ·z_region + √(1−ρ)·z_county), z the normal scores of the two streams.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from simulator.constants import OUTSIDE_OTHER
from simulator.engine import CountyYears, RunOutput, _threads, _uniforms, concatenate
from simulator.flow_indicators import ratio
from simulator.payment.points import (
    PointsHistory, PointsYear, budget_point_value, cost_and_points, method_payment, points_totals,
    settlement_point_value,
)
from simulator.payment.registry import method_params
from simulator.uncertainty.plan import plan_worlds, world_model

#: region pool quantities per world-year (worlds.parquet region rows: <method>_<name>)
POOL_FIELDS = ("point_value", "pool", "fund_payment", "budget_point_value", "pool_deficit")


@dataclass(frozen=True)
class RegionCounty:
    """A county of a prepared region."""

    name: str
    model: Any               # simulator.prepare.PreparedModel
    seed: int                # its process-noise seed
    community: bool          # false: no community settlement (city residents)


@dataclass(frozen=True)
class PreparedRegion:
    """A region with every county prepared (see :func:`prepare_region`)."""

    region: Any              # simulator.region.spec.Region
    counties: tuple[RegionCounty, ...]
    code: str                # the pooled points method
    params: Any              # its parameters (the first county's, the region's pool keys set)
    seed: int
    #: county index -> (base population, compiled arrays), built once for every chunk of a run
    compiled: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.counties]


@dataclass
class RegionOutput:
    """Raw arrays of a region run: one :class:`~simulator.engine.RunOutput` per county (same
    worlds) and the pool's figures per [world, year]."""

    seed: int
    worlds: np.ndarray
    counties: dict[str, RunOutput]
    pool: dict[str, np.ndarray] = field(default_factory=dict)
    seconds: float = 0.0
    threads: int = 1


def noise_seed(seed: int, name: str, n_counties: int) -> int:
    """The process-noise seed of county ``name``: the region's own for a one-county region."""
    if n_counties == 1:
        return int(seed)
    digest = hashlib.sha256(f"{int(seed)}:county:{name}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def prepare_region(region: Any) -> PreparedRegion:
    """Prepare every county of a loaded :class:`~simulator.region.spec.Region` once."""
    from simulator.prepare import prepare

    seed = int(region.meta.seed)
    n = len(region.counties)
    counties = tuple(RegionCounty(c.name, prepare(c.scenario), noise_seed(seed, c.name, n), c.community)
                     for c in region.counties)
    code = region.meta.pool.method
    params = method_params(counties[0].model.scenario.payment, code)
    return PreparedRegion(region, counties, code, params, seed)


def run_region_worlds(prepared: PreparedRegion, *, worlds: range, threads: int | None = None,
                      progress: Callable[[int], None] | None = None, block: int | None = None) -> RegionOutput:
    """Simulate ``worlds`` (global indices) of every county of the region, coupled by the pool."""
    import numba

    started = time.perf_counter()
    n_threads = _threads(threads)
    previous = numba.get_num_threads()
    numba.set_num_threads(n_threads)
    try:
        step = block or max(2 * n_threads, 4)
        seed = prepared.seed
        plans = [plan_worlds(c.model, seed, worlds) for c in prepared.counties]
        if any(p.separate for p in plans):  # some county runs each world with its own model
            shared = [list(c.model.population_years()) if p.shares_population else None
                      for c, p in zip(prepared.counties, plans)]
            parts = []
            for i, w in enumerate(worlds):
                models = [world_model(c.model, p, i, w) if p.separate else c.model
                          for c, p in zip(prepared.counties, plans)]
                factors = [p.world_factors(i, m.scenario) for p, m in zip(plans, models)]
                parts.append(_region_block(prepared, models, range(w, w + 1), step, progress, factors,
                                           [s if p.shares_population or not p.separate else None
                                            for s, p in zip(shared, plans)]))
            out = _concatenate(parts)
        else:
            out = _region_block(prepared, [c.model for c in prepared.counties], worlds, step, progress,
                                [p.factors for p in plans], [None] * len(plans))
        for c, p in zip(prepared.counties, plans):
            out.counties[c.name].params = p.draws
            out.counties[c.name].threads = n_threads
        out.threads = n_threads
        out.seconds = time.perf_counter() - started
        return out
    finally:
        numba.set_num_threads(previous)


def _region_block(prepared: PreparedRegion, models: list, worlds: range, step: int,
                  progress: Callable[[int], None] | None, factors: list, populations: list) -> RegionOutput:
    code, params, seed = prepared.code, prepared.params, prepared.seed
    pool_table = prepared.region.meta.pool
    rho = float(prepared.region.meta.shocks.epidemic_correlation)
    steppers = [CountyYears(m, worlds, c.seed, step, progress, f, pops, pooled=frozenset({code}),
                            compiled=_compiled(prepared, i) if m is c.model and pops is None else None)
                for i, (c, m, f, pops) in enumerate(zip(prepared.counties, models, factors, populations))]
    none = np.zeros(steppers[0].flows_out.shape[2:4], dtype=bool)
    cells = [m.cells.get(code, none) for m in models]
    in_pool = [c.copy() for c in cells]
    if pool_table.outside_other == "fixed":
        for c in in_pool:
            c[OUTSIDE_OTHER] = False
    outside = [c & ~p for c, p in zip(cells, in_pool)]
    n_w, n_y = len(worlds), models[0].scenario.scenario.years
    history = PointsHistory.start(params, n_w)
    shares = [np.zeros(n_w) for _ in steppers]
    pool_out = {name: np.zeros((n_w, n_y)) for name in POOL_FIELDS}
    for y in range(n_y + 1):
        region_u = _uniforms(seed, worlds.start, n_w, y, block=1) if y > 0 else None
        flows = []
        for st, f in zip(steppers, factors):
            shock = np.zeros(n_w, dtype=bool)
            if y > 0:
                u = region_u if rho >= 1.0 else _mixed(region_u, st, y, rho)
                shock = u < f.epidemic_probability
            flows.append(st.kernel(y, shock))
        budgets = [st.budget_before(y) for st in steppers]
        bpv = budget_point_value(params, history if y > 0 else None, n_w)
        totals = [points_totals(fl, c) for fl, c in zip(flows, in_pool)]
        outlier = sum(t[0] for t in totals)
        points = sum(t[1] for t in totals)
        oop = sum(t[2] for t in totals)
        if params.mode == "fixed" or y == 0:
            value = bpv
            paid_pool = [method_payment(fl, c, value) for fl, c in zip(flows, in_pool)]
            contributions = paid_pool
            pool = sum(paid_pool)
            deficit = np.zeros(n_w)
        else:
            if params.pool_basis == "history":
                contributions = [st.state.points[code].pool * (1.0 + params.pool_growth) for st in steppers]
            else:
                contributions = [b * (params.pool_share if params.pool_share is not None else s)
                                 for b, s in zip(budgets, shares)]
            pool = sum(contributions)
            value, _, _ = settlement_point_value(points, oop, outlier, pool, bpv,
                                                 params.point_value_band, params.point_value_floor)
            paid_pool = [method_payment(fl, c, value) for fl, c in zip(flows, in_pool)]
            deficit = np.maximum(sum(paid_pool) - pool, 0.0)
        total_paid = sum(paid_pool)
        for i, st in enumerate(steppers):
            paid_out = method_payment(flows[i], outside[i], bpv) if outside[i].any() else 0.0
            if len(steppers) == 1:
                part = deficit
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    part = np.where(total_paid > 0, deficit * (paid_pool[i] / total_paid), 0.0)
            year = PointsYear(value, contributions[i], paid_pool[i] + paid_out, bpv, part)
            cell_value = in_pool[i][None] * value[:, None, None] + outside[i][None] * bpv[:, None, None]
            values = st.settle(y, budgets[i], {code: (year, cell_value)})
            if y == 0:
                shares[i] = ratio(paid_pool[i] + paid_out if pool_table.outside_other == "pool" else paid_pool[i],
                                  values["fund_spending"], fill=0.0)
        if y == 0:
            for st in steppers:  # one history for every county: the budget point value is the region's
                own = st.state.points[code]
                own.values, own.costs, own.points = history.values, history.costs, history.points
        history.values.append(value)
        history.pool = pool
        cp = [cost_and_points(fl, c) for fl, c in zip(flows, in_pool)]
        history.costs.append(sum(c for c, _ in cp))
        history.points.append(sum(p for _, p in cp))
        if y > 0:
            for name, v in zip(POOL_FIELDS, (value, pool, total_paid, bpv, deficit)):
                pool_out[name][:, y - 1] = v
    counties = {}
    for c, st in zip(prepared.counties, steppers):
        out = st.output()
        if not c.community:
            _no_settlement(out)
        counties[c.name] = out
    return RegionOutput(seed=seed, worlds=np.arange(worlds.start, worlds.stop), counties=counties, pool=pool_out)


def _compiled(prepared: PreparedRegion, i: int) -> tuple:
    """County ``i``'s base population and compiled arrays, built on first use."""
    if i not in prepared.compiled:
        model = prepared.counties[i].model
        base = model.base_population()
        prepared.compiled[i] = (base, model.arrays(base))
    return prepared.compiled[i]


def _mixed(region_u: np.ndarray, st: CountyYears, y: int, rho: float) -> np.ndarray:
    """A county's epidemic uniforms: Gaussian copula of the region's and its own stream."""
    from scipy.special import ndtr, ndtri

    own = _uniforms(st.seed, st.worlds.start, len(st.worlds), y, block=1)
    return ndtr(np.sqrt(rho) * ndtri(region_u) + np.sqrt(1.0 - rho) * ndtri(own))


#: settlement results of a community; an entry without one (city residents) has none
_SETTLED = ("retained_surplus", "fund_shared_overspend", "community_borne_overspend", "withheld_unreleased",
            "community_net")


def _no_settlement(out: RunOutput) -> None:
    """An entry without a community budget: the fund pays its spending, nothing is settled."""
    for key in _SETTLED:
        if key in out.indicators:
            out.indicators[key][:] = 0.0
    if "fund_payout" in out.indicators:
        out.indicators["fund_payout"][:] = out.indicators["fund_spending"]


def _concatenate(parts: list[RegionOutput]) -> RegionOutput:
    """One output from the outputs of consecutive blocks of worlds (world order)."""
    first = parts[0]
    return RegionOutput(seed=first.seed, worlds=np.concatenate([p.worlds for p in parts]),
                        counties={name: concatenate([p.counties[name] for p in parts]) for name in first.counties},
                        pool={k: np.concatenate([p.pool[k] for p in parts]) for k in first.pool},
                        seconds=sum(p.seconds for p in parts), threads=first.threads)
