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
from simulator.constants import N_TIERS, PAYMENT_METHODS, SCHEME_NAMES, SERVICE_NAMES
from simulator.scenario.schema import Scenario


class ModelArrays(NamedTuple):
    """Everything the kernels read, as arrays (a numba-compatible named tuple)."""

    # tiers
    enabled: np.ndarray          # bool[6]
    capability: np.ndarray       # int64[6] max inpatient severity
    bed_days: np.ndarray         # float64[6] bed-days per year; 0 = unconstrained
    cost_mult_out: np.ndarray    # float64[6] × county-hospital visit cost
    cost_mult_in: np.ndarray     # float64[6] × county-hospital admission cost
    los_mult: np.ndarray         # float64[6]
    cost_cv: float
    los_dispersion: float
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
    group_weight: np.ndarray     # float64[G] DRG relative weight
    group_severity: np.ndarray   # int64[G]
    group_cost: np.ndarray       # float64[G] yuan at county-hospital prices
    group_los: np.ndarray        # float64[G] days at the county hospital
    group_post_acute: np.ndarray  # bool[G]
    group_long_stay: np.ndarray  # bool[G]
    group_base: np.ndarray       # bool[G] 基础病组
    # choice: [model, tier] and [model]
    asc: np.ndarray
    b_oop_per_1000: np.ndarray
    b_distance_per_10km: np.ndarray
    b_quality: np.ndarray
    b_signed_primary: np.ndarray
    b_capable: np.ndarray         # float64[model] bonus of tiers able to treat the severity
    village_distance: np.ndarray  # float64[village, 6] km from the village to each tier
    # referral
    upward_in_county: bool
    agreement_share: float
    reserved_share: float
    down_referral_share: float
    deductible_continuation: bool
    referring_cost_share: float
    recovery_los_share: float
    # benefits [scheme, benefit service, tier] and per scheme
    in_scope: np.ndarray
    fund_share: np.ndarray
    in_deductible: np.ndarray    # float64[scheme, 6] per admission
    out_deductible: np.ndarray   # float64[scheme] per person-year
    out_limit: np.ndarray        # float64[scheme] fund per person-year
    chronic_limit: np.ndarray    # float64[scheme]
    in_cap: np.ndarray           # float64[scheme] fund per person-year (封顶线)
    # payment
    method: np.ndarray           # int64[service, 6] codes of constants.PAYMENT_METHODS
    capitation_rate: float       # yuan per signed chronic patient-year
    drg_tier_coef: np.ndarray    # float64[6]
    drg_base_uniform: bool
    drg_high_ratio: float
    drg_low_ratio: float
    per_diem_rate: np.ndarray    # float64[6] yuan per bed-day
    per_diem_taper_after: int
    per_diem_taper_factor: float
    # the same, packed for the per-person kernels (simulator.kernels.layout)
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

    ``village_distance`` (n_villages × 6 km) comes from the population; without it every
    village gets the scenario's mean distances (useful for small tests).
    """
    if casemix is None:
        casemix = load_casemix(s.casemix.file or s.casemix.source, base_dir=None,
                               age_bands=s.population.age_bands)
    t, d, pop = s.tiers, s.demand, s.population
    f64 = lambda x: np.asarray(x, dtype=np.float64)  # noqa: E731

    def rates(table) -> np.ndarray:
        base = f64(table.rate_by_age)
        out = np.empty((len(base), 2, 2))
        for scheme, mult in ((0, 1.0), (1, table.employee_multiplier)):
            out[:, scheme, 0] = base * mult
            out[:, scheme, 1] = base * mult * table.chronic_multiplier
        return out

    if village_distance is None:
        mean_tw, mean_cty = pop.distance_township_km.mean, pop.distance_county_km.mean
        village_distance = village_distances(s, np.zeros(1, np.int64), f64([mean_tw]), f64([mean_cty]), 1)

    share = np.ascontiguousarray(casemix.age_share.T)  # [age, G]
    benefits = [getattr(s.benefits, name) for name in SCHEME_NAMES]
    choice = (s.choice.outpatient, s.choice.inpatient)
    fields = dict(
        enabled=np.asarray(t.enabled, dtype=np.bool_),
        capability=np.asarray(t.capability, dtype=np.int64) * np.asarray(t.enabled, dtype=np.int64),
        bed_days=f64(t.beds) * t.bed_days_per_bed,
        cost_mult_out=f64(t.cost_multiplier_outpatient),
        cost_mult_in=f64(t.cost_multiplier_inpatient),
        los_mult=f64(t.los_multiplier),
        cost_cv=float(t.cost_cv),
        los_dispersion=float(t.los_dispersion),
        out_rate=rates(d.outpatient),
        out_dispersion=float(d.outpatient.dispersion),
        out_base_cost=float(d.outpatient.base_cost),
        in_rate=rates(d.inpatient),
        in_dispersion=float(d.inpatient.dispersion),
        chronic_visits=float(d.chronic.visits_per_patient),
        chronic_base_cost=float(d.chronic.base_cost),
        group_cdf=np.cumsum(share, axis=1),
        group_share=share,
        group_weight=f64(casemix.weight),
        group_severity=np.asarray(casemix.severity, dtype=np.int64),
        group_cost=f64(casemix.base_cost),
        group_los=f64(casemix.los_mean),
        group_post_acute=np.asarray(casemix.post_acute, dtype=np.bool_),
        group_long_stay=np.asarray(casemix.long_stay, dtype=np.bool_),
        group_base=np.asarray(casemix.base_group, dtype=np.bool_),
        asc=f64([c.asc for c in choice]),
        b_oop_per_1000=f64([c.b_oop_per_1000 for c in choice]),
        b_distance_per_10km=f64([c.b_distance_per_10km for c in choice]),
        b_quality=f64([c.b_quality for c in choice]),
        b_signed_primary=f64([c.b_signed_primary for c in choice]),
        b_capable=f64([c.b_capable for c in choice]),
        village_distance=np.ascontiguousarray(village_distance, dtype=np.float64),
        upward_in_county=bool(s.referral.upward_in_county),
        agreement_share=float(s.referral.agreement_share),
        reserved_share=float(s.referral.reserved_share),
        down_referral_share=float(s.referral.down_referral_share),
        deductible_continuation=bool(s.referral.deductible_continuation),
        referring_cost_share=float(s.referral.referring_cost_share),
        recovery_los_share=float(s.referral.recovery_los_share),
        in_scope=f64([[b.outpatient.in_scope_share, b.inpatient.in_scope_share, b.chronic.in_scope_share]
                      for b in benefits]),
        fund_share=f64([[b.outpatient.fund_share, b.inpatient.fund_share, b.chronic.fund_share]
                        for b in benefits]),
        in_deductible=f64([b.inpatient.deductible for b in benefits]),
        out_deductible=f64([b.outpatient.deductible for b in benefits]),
        out_limit=f64([b.outpatient.annual_limit for b in benefits]),
        chronic_limit=f64([b.chronic.annual_limit for b in benefits]),
        in_cap=f64([b.inpatient.annual_cap for b in benefits]),
        method=np.asarray([[PAYMENT_METHODS.index(m) for m in getattr(s.payment, service)]
                           for service in SERVICE_NAMES], dtype=np.int64),
        capitation_rate=float(s.payment.capitation.per_signed_chronic_patient),
        drg_tier_coef=f64(s.payment.drg.tier_coefficient),
        drg_base_uniform=bool(s.payment.drg.base_groups_uniform),
        drg_high_ratio=float(s.payment.drg.high_ratio),
        drg_low_ratio=float(s.payment.drg.low_ratio),
        per_diem_rate=f64(s.payment.per_diem.rate),
        per_diem_taper_after=int(s.payment.per_diem.taper_after),
        per_diem_taper_factor=float(s.payment.per_diem.taper_factor),
    )
    return ModelArrays(**fields, **pack(fields))


def pack(f: dict) -> dict[str, np.ndarray]:
    """Packed group/tier/scalar tables of :mod:`simulator.kernels.layout` from the named fields."""
    from simulator.kernels import layout as L

    groups = np.zeros((len(f["group_cost"]), L.G_COLUMNS))
    groups[:, L.G_COST] = f["group_cost"]
    groups[:, L.G_LOS] = f["group_los"]
    groups[:, L.G_WEIGHT] = f["group_weight"]
    groups[:, L.G_SEVERITY] = f["group_severity"]
    groups[:, L.G_POST_ACUTE] = f["group_post_acute"]
    groups[:, L.G_LONG_STAY] = f["group_long_stay"]
    groups[:, L.G_BASE] = f["group_base"]
    tiers = np.zeros((N_TIERS, L.T_COLUMNS))
    tiers[:, L.T_CAPABILITY] = f["capability"]
    tiers[:, L.T_BED_DAYS] = f["bed_days"]
    tiers[:, L.T_COST_IN] = f["cost_mult_in"]
    tiers[:, L.T_LOS] = f["los_mult"]
    tiers[:, L.T_DRG_COEF] = f["drg_tier_coef"]
    tiers[:, L.T_PER_DIEM] = f["per_diem_rate"]
    par = np.zeros(L.P_COLUMNS)
    par[L.P_COST_CV] = f["cost_cv"]
    par[L.P_LOS_DISPERSION] = f["los_dispersion"]
    par[L.P_UPWARD_IN_COUNTY] = f["upward_in_county"]
    par[L.P_AGREEMENT_SHARE] = f["agreement_share"]
    par[L.P_RESERVED_SHARE] = f["reserved_share"]
    par[L.P_DOWN_SHARE] = f["down_referral_share"]
    par[L.P_CONTINUATION] = f["deductible_continuation"]
    par[L.P_REFERRING_SHARE] = f["referring_cost_share"]
    par[L.P_RECOVERY_SHARE] = f["recovery_los_share"]
    par[L.P_DRG_HIGH] = f["drg_high_ratio"]
    par[L.P_DRG_LOW] = f["drg_low_ratio"]
    par[L.P_BASE_UNIFORM] = f["drg_base_uniform"]
    par[L.P_TAPER_AFTER] = f["per_diem_taper_after"]
    par[L.P_TAPER_FACTOR] = f["per_diem_taper_factor"]
    par[L.P_CAPITATION] = f["capitation_rate"]
    return {"group_table": groups, "tier_table": tiers, "params": par}
