"""Scenario → :class:`ModelArrays`: the flat numpy arrays and scalars the kernels see (and nothing else).

Indexing conventions: tier ``t`` in 0..5 (constants.TIER_NAMES), scheme 0 resident / 1 employee,
age band ``a`` as in ``population.age_bands``, choice model 0 outpatient (also chronic visits)
/ 1 inpatient, benefit service 0 outpatient / 1 inpatient / 2 chronic, payment service as
constants.SERVICE_NAMES. Money in yuan at base-year prices.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from simulator.casemix import CaseMix, load_casemix
from simulator.constants import N_TIERS, SCHEME_NAMES
from simulator.scenario.schema import Scenario


class ModelArrays(NamedTuple):
    """Everything the kernels read, as arrays (a numba-compatible named tuple).

    The per-person kernels read the packed ``group_table``, ``tier_table`` and ``params``
    (:mod:`simulator.kernels.layout`: case-group costs, stays, weights and flags; tier
    capability, beds, cost and payment coefficients; referral, outlier and tariff scalars, the
    cost CV among them); the named arrays are those the choice tables and demand laws read.
    """

    # tiers
    enabled: np.ndarray          # bool[6]
    capability: np.ndarray       # int64[6] max inpatient severity (0 where the tier is disabled)
    cost_mult_out: np.ndarray    # float64[6] × county-hospital visit cost
    cost_mult_in: np.ndarray     # float64[6] × county-hospital admission cost
    # demand: rates per person-year [age, scheme, chronic 0/1]
    out_rate: np.ndarray
    out_dispersion: float
    out_base_cost: float         # yuan per visit at the county hospital
    in_rate: np.ndarray
    in_dispersion: float
    chronic_visits: float        # visits per chronic patient-year
    chronic_base_cost: float     # yuan per chronic-care visit at the county hospital
    # case mix
    group_cdf: np.ndarray        # float64[age, G] cumulative admission shares by age band
    group_share: np.ndarray      # float64[age, G]
    group_cost: np.ndarray       # float64[G] yuan at county-hospital prices
    # choice: [model, tier] and [model]
    asc: np.ndarray
    b_oop_per_1000: np.ndarray
    b_distance_per_10km: np.ndarray
    b_quality: np.ndarray
    b_signed_primary: np.ndarray
    b_capable: np.ndarray         # float64[model] bonus of tiers able to treat the severity
    village_distance: np.ndarray  # float64[village, 6] km from the village to each tier
    # benefits [scheme, benefit service, tier] and per scheme
    in_scope: np.ndarray
    fund_share: np.ndarray
    in_deductible: np.ndarray    # float64[scheme, 6] per admission
    out_deductible: np.ndarray   # float64[scheme] per person-year
    out_limit: np.ndarray        # float64[scheme] fund per person-year
    chronic_limit: np.ndarray    # float64[scheme]
    in_cap: np.ndarray           # float64[scheme] fund per person-year (封顶线)
    # payment: booking rule per [service, tier] (simulator.payment.registry.booking_table)
    method: np.ndarray
    # packed for the per-person kernels (simulator.kernels.layout)
    group_table: np.ndarray      # float64[G, G_COLUMNS]
    tier_table: np.ndarray       # float64[6, T_COLUMNS]
    params: np.ndarray           # float64[P_COLUMNS]


def village_distances(s: Scenario, village: np.ndarray, dist_township: np.ndarray,
                      dist_county: np.ndarray, n_villages: int) -> np.ndarray:
    """Distance (km) from each village to each tier, shape (n_villages, 6).

    Village clinic: 0.5 km (in the village). Township: the village's township distance.
    Sub-centre: midway between township and county seat (a central township hospital).
    County: distance to the county seat. Outside tiers: county seat + the scenario's distances.
    Villages with no resident use the population mean.
    """
    counts = np.bincount(village, minlength=n_villages).astype(float)
    safe = np.where(counts > 0, counts, 1.0)
    d_tw = np.bincount(village, weights=dist_township, minlength=n_villages) / safe
    d_cty = np.bincount(village, weights=dist_county, minlength=n_villages) / safe
    d_tw[counts == 0] = dist_township.mean() if dist_township.size else 0.0
    d_cty[counts == 0] = dist_county.mean() if dist_county.size else 0.0
    out = s.population.distance_outside_km
    dist = np.empty((n_villages, N_TIERS))
    dist[:, 0] = 0.5
    dist[:, 1] = d_tw
    dist[:, 2] = 0.5 * (d_tw + d_cty)
    dist[:, 3] = d_cty
    dist[:, 4] = d_cty + out.agreement
    dist[:, 5] = d_cty + out.other
    return dist


def compile_scenario(s: Scenario, casemix: CaseMix | None = None,
                     village_distance: np.ndarray | None = None) -> ModelArrays:
    """Flatten a validated scenario into :class:`ModelArrays`.

    ``casemix``: the scenario's case mix when the caller has it (a prepared model does);
    ``village_distance`` (n_villages × 6 km) comes from the population; without it every
    village gets the scenario's mean distances (useful for small tests).
    """
    from simulator.payment.registry import booking_table

    if casemix is None:
        casemix = load_casemix(s.casemix.file or s.casemix.source, base_dir=None,
                               age_bands=s.population.age_bands)
    t, d, pop = s.tiers, s.demand, s.population
    if village_distance is None:
        mean_tw, mean_cty = pop.distance_township_km.mean, pop.distance_county_km.mean
        village_distance = village_distances(s, np.zeros(1, np.int64), _f64([mean_tw]), _f64([mean_cty]), 1)
    share = np.ascontiguousarray(casemix.age_share.T)  # [age, G]
    benefits = [getattr(s.benefits, name) for name in SCHEME_NAMES]
    choice = (s.choice.outpatient, s.choice.inpatient)
    return ModelArrays(
        enabled=np.asarray(t.enabled, dtype=np.bool_),
        capability=_capability(s),
        cost_mult_out=_f64(t.cost_multiplier_outpatient),
        cost_mult_in=_f64(t.cost_multiplier_inpatient),
        out_rate=_rates(d.outpatient),
        out_dispersion=float(d.outpatient.dispersion),
        out_base_cost=float(d.outpatient.base_cost),
        in_rate=_rates(d.inpatient),
        in_dispersion=float(d.inpatient.dispersion),
        chronic_visits=float(d.chronic.visits_per_patient),
        chronic_base_cost=float(d.chronic.base_cost),
        group_cdf=np.cumsum(share, axis=1),
        group_share=share,
        group_cost=_f64(casemix.base_cost),
        asc=_f64([c.asc for c in choice]),
        b_oop_per_1000=_f64([c.b_oop_per_1000 for c in choice]),
        b_distance_per_10km=_f64([c.b_distance_per_10km for c in choice]),
        b_quality=_f64([c.b_quality for c in choice]),
        b_signed_primary=_f64([c.b_signed_primary for c in choice]),
        b_capable=_f64([c.b_capable for c in choice]),
        village_distance=np.ascontiguousarray(village_distance, dtype=np.float64),
        in_scope=_f64([[b.outpatient.in_scope_share, b.inpatient.in_scope_share, b.chronic.in_scope_share]
                       for b in benefits]),
        fund_share=_f64([[b.outpatient.fund_share, b.inpatient.fund_share, b.chronic.fund_share]
                         for b in benefits]),
        in_deductible=_f64([b.inpatient.deductible for b in benefits]),
        out_deductible=_f64([b.outpatient.deductible for b in benefits]),
        out_limit=_f64([b.outpatient.annual_limit for b in benefits]),
        chronic_limit=_f64([b.chronic.annual_limit for b in benefits]),
        in_cap=_f64([b.inpatient.annual_cap for b in benefits]),
        method=booking_table(s.payment),
        group_table=group_table(casemix, s),
        tier_table=tier_table(s),
        params=scalar_params(s),
    )


def _f64(x) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def _capability(s: Scenario) -> np.ndarray:
    return np.asarray(s.tiers.capability, dtype=np.int64) * np.asarray(s.tiers.enabled, dtype=np.int64)


def _rates(table) -> np.ndarray:
    """Demand rates per person-year [age, scheme, chronic]: the employee and chronic multipliers applied."""
    base = _f64(table.rate_by_age)
    out = np.empty((len(base), 2, 2))
    for scheme, mult in ((0, 1.0), (1, table.employee_multiplier)):
        out[:, scheme, 0] = base * mult
        out[:, scheme, 1] = base * mult * table.chronic_multiplier
    return out


def group_table(casemix: CaseMix, s: Scenario | None = None) -> np.ndarray:
    """float64[G, G_COLUMNS]: one row per case group (layout.G_*); with the scenario, each points
    method's base points per group (:func:`base_points`)."""
    from simulator.kernels import layout as L
    from simulator.payment.registry import points_methods

    groups = np.zeros((len(casemix.base_cost), L.G_COLUMNS))
    groups[:, L.G_COST] = casemix.base_cost
    groups[:, L.G_LOS] = casemix.los_mean
    groups[:, L.G_WEIGHT] = casemix.weight
    groups[:, L.G_SEVERITY] = casemix.severity
    groups[:, L.G_POST_ACUTE] = casemix.post_acute
    groups[:, L.G_LONG_STAY] = casemix.long_stay
    groups[:, L.G_BASE] = casemix.base_group
    if s is not None:
        for m, method in enumerate(points_methods()):
            groups[:, L.G_POINTS + m] = base_points(method.code, casemix, s)
    return groups


#: the rule row's scale of a points method whose group column holds unscaled values (DRG: weights)
POINTS_SCALE = {"drg": 100.0}


def base_points(code: str, casemix: CaseMix, s: Scenario) -> np.ndarray:
    """Base points per group of a points method, before the tier coefficient and divided by its
    :data:`POINTS_SCALE` (docs/payments.md, "Points and scores"): DRG the relative weight (× 100
    points); DIP the ``score`` column when the case mix
    has one, else group mean cost ÷ mean cost of all cases × ``score_scale`` (all cases: the
    groups weighted by the county's expected admissions, age shares × admission rates)."""
    from simulator.payment.registry import method_params

    if code == "drg":
        return _f64(casemix.weight)
    if casemix.score is not None:
        return _f64(casemix.score)
    pop, rate = s.population, _f64(s.demand.inpatient.rate_by_age)
    admissions = _f64(pop.age_shares) * rate                   # [age]
    weights = casemix.age_share @ admissions                    # [G] expected admissions
    mean_all = float(weights @ casemix.base_cost / weights.sum())
    return _f64(casemix.base_cost) / mean_all * method_params(s.payment, code).score_scale


def tier_table(s: Scenario) -> np.ndarray:
    """float64[6, T_COLUMNS]: one row per tier (layout.T_*)."""
    from simulator.kernels import layout as L

    from simulator.payment.registry import method_params, points_methods

    t, pay = s.tiers, s.payment
    tiers = np.zeros((N_TIERS, L.T_COLUMNS))
    tiers[:, L.T_CAPABILITY] = _capability(s)
    tiers[:, L.T_BED_DAYS] = _f64(t.beds) * t.bed_days_per_bed
    tiers[:, L.T_COST_IN] = t.cost_multiplier_inpatient
    tiers[:, L.T_LOS] = t.los_multiplier
    tiers[:, L.T_PER_DIEM] = pay.per_diem.rate
    for m, method in enumerate(points_methods()):
        tiers[:, L.T_COEF + m] = method_params(pay, method.code).tier_coefficient
    return tiers


def scalar_params(s: Scenario) -> np.ndarray:
    """float64[P_COLUMNS]: the scalars of the per-person kernels (layout.P_*)."""
    from simulator.kernels import layout as L

    from simulator.payment.cases import rule_row
    from simulator.payment.registry import method_params, points_methods

    ref, pay = s.referral, s.payment
    par = np.zeros(L.P_COLUMNS)
    par[L.P_COST_CV] = s.tiers.cost_cv
    par[L.P_LOS_DISPERSION] = s.tiers.los_dispersion
    par[L.P_UPWARD_IN_COUNTY] = ref.upward_in_county
    par[L.P_AGREEMENT_SHARE] = ref.agreement_share
    par[L.P_RESERVED_SHARE] = ref.reserved_share
    par[L.P_DOWN_SHARE] = ref.down_referral_share
    par[L.P_CONTINUATION] = ref.deductible_continuation
    par[L.P_REFERRING_SHARE] = ref.referring_cost_share
    par[L.P_RECOVERY_SHARE] = ref.recovery_los_share
    for m, method in enumerate(points_methods()):
        at = L.P_RULES + m * L.R_COLUMNS
        par[at:at + L.R_COLUMNS] = rule_row(method_params(pay, method.code), POINTS_SCALE.get(method.code, 1.0))
    par[L.P_TAPER_AFTER] = pay.per_diem.taper_after
    par[L.P_TAPER_FACTOR] = pay.per_diem.taper_factor
    par[L.P_CAPITATION] = pay.capitation.per_signed_chronic_patient
    return par
