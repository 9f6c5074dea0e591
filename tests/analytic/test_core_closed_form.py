"""Closed-form checks of the Monte Carlo core (issue: patient-flow core, analytic acceptance).

A degenerate county — one enabled tier that treats everything, Poisson demand with one rate for
everybody, no deductibles, caps or limits, fee-for-service, no dynamics — makes each world's
yearly fund spending a compound Poisson sum over persons:

    E[F] = N λ k m,   Var[F] = N λ k² E[X²] = N λ k² m² (1 + cv²)

with N persons, λ episodes per person-year, k = fund share × in-scope share, m the mean episode
cost and cv its coefficient of variation (for admissions, E[X²] averages over the case groups).
Worlds are independent, so across W worlds the sample mean and variance of F have standard
errors sqrt(Var/W) and Var·sqrt(2/(W−1)) (normal approximation: F sums thousands of persons).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import simulator
from simulator.constants import TIER_NAMES
from simulator.scenario import load_scenario

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"

N_PEOPLE = 3000
WORLDS = 300
VISIT_RATE = 4.0
ADMIT_RATE = 0.3
FUND_SHARE = 0.7
COST_CV = 0.8
CASEMIX = """group,name,weight,severity,base_cost,los_mean,post_acute,long_stay,base_group,share_0-14,share_15-44,share_45-59,share_60-74,share_75+
A01,甲,0.5,1,3000,5,0,0,0,0.6,0.6,0.6,0.6,0.6
B01,乙,2.0,2,12000,9,0,0,0,0.4,0.4,0.4,0.4,0.4
"""
GROUP_SHARE = np.array([0.6, 0.4])
GROUP_COST = np.array([3000.0, 12000.0])


def degenerate(tmp_path, **extra):
    """Only the county hospital, Poisson demand equal for all, no deductible/limit, FFS."""
    (tmp_path / "cm.csv").write_text(CASEMIX, encoding="utf-8")
    flat = [VISIT_RATE] * 5
    sets = {
        "population.size": N_PEOPLE, "population.growth_rate": 0.0, "population.ageing_shift": 0.0,
        "population.chronic_trend": 0.0, "scenario.years": 1, "casemix.file": str(tmp_path / "cm.csv"),
        "tiers.enabled": [False, False, False, True, False, False],
        "tiers.capability": [0, 1, 2, 4, 4, 4], "tiers.beds": [0, 0, 0, 0, 0, 0], "tiers.cost_cv": COST_CV,
        "demand.outpatient.rate_by_age": flat, "demand.outpatient.dispersion": 0.0,
        "demand.outpatient.employee_multiplier": 1.0, "demand.outpatient.chronic_multiplier": 1.0,
        "demand.inpatient.rate_by_age": [ADMIT_RATE] * 5, "demand.inpatient.dispersion": 0.0,
        "demand.inpatient.employee_multiplier": 1.0, "demand.inpatient.chronic_multiplier": 1.0,
        "demand.chronic.visits_per_patient": 0.0,
        "referral.down_referral_share": 0.0,
        "payment.outpatient": ["ffs"] * 6, "payment.inpatient": ["ffs"] * 6,
        "payment.long_stay": ["ffs"] * 6, "payment.chronic": ["ffs"] * 6,
        "dynamics.cost_inflation": 0.0, "dynamics.utilisation_trend": 0.0,
        "dynamics.epidemic": {"probability": 0.0, "uplift": 0.0}, "uncertainty.enabled": False,
    }
    for scheme in ("resident", "employee"):
        b = f"benefits.{scheme}"
        sets |= {f"{b}.inpatient.in_scope_share": [1.0] * 6, f"{b}.inpatient.deductible": [0.0] * 6,
                 f"{b}.inpatient.fund_share": [FUND_SHARE] * 6, f"{b}.inpatient.annual_cap": math.inf,
                 f"{b}.outpatient.in_scope_share": [1.0] * 6, f"{b}.outpatient.deductible": 0.0,
                 f"{b}.outpatient.fund_share": [FUND_SHARE] * 6, f"{b}.outpatient.annual_limit": math.inf}
    sets |= extra
    return load_scenario(REFERENCE, sets)


@pytest.fixture(scope="module")
def degenerate_run(tmp_path_factory):
    s = degenerate(tmp_path_factory.mktemp("degenerate"))
    r = simulator.run(s, replications=WORLDS, seed=42)
    return s, r


def by_service(r, services):
    f = r.flows[r.flows.service.isin(services)]
    return f.groupby("world")[["fund", "oop", "cost", "episodes"]].sum()


def check_moments(values: np.ndarray, mean: float, var: float) -> None:
    w = len(values)
    se_mean = math.sqrt(var / w)
    se_var = var * math.sqrt(2.0 / (w - 1))
    assert abs(values.mean() - mean) < 3 * se_mean, (values.mean(), mean, se_mean)
    assert abs(values.var(ddof=1) - var) < 3 * se_var, (values.var(ddof=1), var, se_var)


def test_outpatient_fund_and_oop_match_compound_poisson(degenerate_run) -> None:
    s, r = degenerate_run
    m = s.demand.outpatient.base_cost  # county multiplier 1
    ex2 = m * m * (1 + COST_CV**2)
    agg = by_service(r, ["outpatient"])
    n = N_PEOPLE
    check_moments(agg["fund"].to_numpy(), n * VISIT_RATE * FUND_SHARE * m, n * VISIT_RATE * FUND_SHARE**2 * ex2)
    k = 1 - FUND_SHARE
    check_moments(agg["oop"].to_numpy(), n * VISIT_RATE * k * m, n * VISIT_RATE * k**2 * ex2)


def test_inpatient_fund_and_oop_match_compound_poisson(degenerate_run) -> None:
    _, r = degenerate_run
    mean_x = float(GROUP_SHARE @ GROUP_COST)
    ex2 = float(GROUP_SHARE @ (GROUP_COST**2)) * (1 + COST_CV**2)
    agg = by_service(r, ["inpatient", "long_stay"])
    n = N_PEOPLE
    check_moments(agg["fund"].to_numpy(), n * ADMIT_RATE * FUND_SHARE * mean_x,
                  n * ADMIT_RATE * FUND_SHARE**2 * ex2)
    k = 1 - FUND_SHARE
    check_moments(agg["oop"].to_numpy(), n * ADMIT_RATE * k * mean_x, n * ADMIT_RATE * k**2 * ex2)


def test_fund_spending_is_the_ffs_claims(degenerate_run) -> None:
    _, r = degenerate_run
    claims = r.flows.groupby("world")["fund"].sum().to_numpy()
    np.testing.assert_allclose(r.worlds.sort_values("world")["fund_spending"].to_numpy(), claims, rtol=1e-12)


def test_visit_shares_match_logit_probabilities(tmp_path) -> None:
    """With distance and cost out of the utility, every person has the same tier probabilities."""
    asc = [0.3, 0.1, -0.4, 0.0, -1.0, -2.0]
    quality = [0.3, 0.5, 0.6, 0.8, 1.0, 1.0]
    b_quality = 1.5
    s = degenerate(tmp_path, **{
        "tiers.enabled": [True] * 6, "tiers.quality": quality, "population.size": 20000,
        "choice.outpatient.asc": asc, "choice.outpatient.b_oop_per_1000": 0.0,
        "choice.outpatient.b_distance_per_10km": 0.0, "choice.outpatient.b_quality": b_quality,
        "choice.outpatient.b_signed_primary": 0.0,
    })
    r = simulator.run(s, replications=4, seed=9)
    util = np.array(asc) + b_quality * np.array(quality)
    p = np.exp(util - util.max())
    p /= p.sum()
    visits = r.flows[r.flows.service == "outpatient"].groupby("tier", observed=True)["episodes"].sum()
    visits = visits.reindex(TIER_NAMES)
    total = visits.sum()
    share = visits.to_numpy() / total
    se = np.sqrt(p * (1 - p) / total)
    assert np.all(np.abs(share - p) < 3 * se + 1e-12), (share, p, se)
