"""Closed forms of parameter uncertainty: the law of total variance in a one-tier Poisson world.

The degenerate county of :mod:`test_core_closed_form` (one tier, Poisson visits at rate λ for
everybody, fee-for-service, fund share k, lognormal visit costs of mean m and CV c) gives, for a
world whose parameters θ are fixed, outpatient fund spending F with

    E[F | θ] = N λ k m,    Var[F | θ] = N λ k² m² (1 + c²).

When a world draws θ, E[F] = E[E[F|θ]] and Var[F] = E[Var[F|θ]] + Var[E[F|θ]]:

* base cost m_w = exp(Z), Z ~ N(μ, σ²):  E[F] = N λ k E[m],
  Var[F] = N λ k² (1 + c²) E[m²] + (N λ k)² Var(m),  E[m] = e^{μ+σ²/2}, E[m²] = e^{2μ+2σ²};
* rate multiplier g_w ~ Gamma(α, 1/α) (mean 1):  E[F] = N λ k m,
  Var[F] = N λ k² m² (1 + c²) + (N λ k m)² / α.

The sample mean and variance of W worlds are checked within 3 SE; the variance's SE comes from
the sample fourth central moment (F is not normal once θ varies): √((μ₄ − σ⁴)/W).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import simulator
from test_core_closed_form import COST_CV, FUND_SHARE, N_PEOPLE, VISIT_RATE, by_service, degenerate

WORLDS = 240
MU, SIGMA = math.log(200.0), 0.25   # lognormal visit base cost, yuan
ALPHA = 20.0                        # gamma rate multiplier: sd 1/√α ≈ 0.22


def check_total_variance(values: np.ndarray, mean: float, var: float) -> None:
    w = len(values)
    centred = values - values.mean()
    m4 = float(np.mean(centred**4))
    se_mean = math.sqrt(var / w)
    se_var = math.sqrt(max(m4 - values.var() ** 2, 0.0) / w)
    assert abs(values.mean() - mean) < 3 * se_mean, (values.mean(), mean, se_mean)
    assert abs(values.var(ddof=1) - var) < 3 * se_var, (values.var(ddof=1), var, se_var)


def uncertain(tmp_path, param: dict):
    return degenerate(tmp_path, **{"uncertainty.enabled": True, "uncertainty.param": [param]})


@pytest.fixture(scope="module")
def lognormal_cost(tmp_path_factory):
    s = uncertain(tmp_path_factory.mktemp("lognormal"), {"key": "demand.outpatient.base_cost",
                                                          "distribution": "lognormal", "mean": MU, "sd": SIGMA})
    return s, simulator.run(s, replications=WORLDS, seed=11)


def test_lognormal_base_cost_follows_the_law_of_total_variance(lognormal_cost) -> None:
    _, r = lognormal_cost
    n, lam, k = N_PEOPLE, VISIT_RATE, FUND_SHARE
    e_m, e_m2 = math.exp(MU + SIGMA**2 / 2), math.exp(2 * MU + 2 * SIGMA**2)
    mean = n * lam * k * e_m
    var = n * lam * k**2 * (1 + COST_CV**2) * e_m2 + (n * lam * k) ** 2 * (e_m2 - e_m**2)
    check_total_variance(by_service(r, ["outpatient"])["fund"].to_numpy(), mean, var)
    # parameter variance dominates: without it the variance would be about 70x smaller
    assert (n * lam * k) ** 2 * (e_m2 - e_m**2) > 50 * n * lam * k**2 * (1 + COST_CV**2) * e_m2


def test_the_draws_are_recorded_and_follow_their_distribution(lognormal_cost) -> None:
    from scipy import stats

    _, r = lognormal_cost
    draws = r.worlds.groupby("world")["param.demand.outpatient.base_cost"].agg(["first", "nunique"])
    assert (draws["nunique"] == 1).all()  # one draw per world, the same in all its years
    z = (np.log(draws["first"].to_numpy()) - MU) / SIGMA
    assert stats.kstest(z, "norm").pvalue > 0.001


def test_gamma_rate_multiplier_follows_the_law_of_total_variance(tmp_path) -> None:
    s = uncertain(tmp_path, {"key": "demand.outpatient.rate_by_age", "scale": True,
                             "distribution": "gamma", "shape": ALPHA, "mean": 1.0})
    r = simulator.run(s, replications=WORLDS, seed=12)
    n, lam, k, m = N_PEOPLE, VISIT_RATE, FUND_SHARE, s.demand.outpatient.base_cost
    mean = n * lam * k * m
    var = n * lam * k**2 * m**2 * (1 + COST_CV**2) + (n * lam * k * m) ** 2 / ALPHA
    check_total_variance(by_service(r, ["outpatient"])["fund"].to_numpy(), mean, var)
