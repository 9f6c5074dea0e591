"""Outpatient visits priced per person-year and tier (Fenton–Wilkinson) versus visit by visit.

The kernel draws the cost of a person's n visits at one tier as one lognormal with the sum's
mean and variance. Here the per-person annual totals of that method are compared with summing
individual lognormal visit costs, by a two-sample Kolmogorov–Smirnov test at a fixed seed.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from scipy import stats

from simulator.kernels import rng
from simulator.kernels.visits import visits_year
from simulator.kernels.world import SIGMA_TABLE

CV = 0.8
UNIT = np.array([50.0, 80.0, 100.0, 230.0, 350.0, 370.0])
CDF = np.cumsum([0.24, 0.26, 0.10, 0.33, 0.05, 0.02]).reshape(1, 6)
MEAN_VISITS = 6.0
DISPERSION = 0.8


@numba.njit
def aggregated(n_people, seed, out):
    st = np.empty(4, dtype=np.uint64)
    rng.seed_stream(st, seed, 0, 0, 0)
    laws = np.empty((1, 5))
    rng.count_law(MEAN_VISITS, DISPERSION, laws, 0)
    in_scope = np.ones((2, 3, 6))
    fund_share = np.zeros((2, 3, 6))
    method = np.zeros((4, 6), dtype=np.int64)
    sig = np.empty(SIGMA_TABLE)
    sig[0] = 0.0
    for k in range(1, SIGMA_TABLE):
        sig[k] = math.log1p(CV * CV / k)
    flows = np.zeros((6, 4, 2, 10))
    counts = np.empty(6)
    costs = np.empty(6)
    micro = np.zeros((0, 10))
    counter = np.zeros(1, dtype=np.int64)
    for i in range(n_people):
        n = rng.count_inverse(st, laws, 0)
        total = 0.0
        if n > 0:
            visits_year(st, n, CDF, 0, UNIT, 0, 0, 0, 0.0, 1e18, in_scope, fund_share, method, CV,
                        counts, costs, sig, flows, -1, micro, counter, 1)
            for t in range(6):
                total += costs[t]
        out[i] = total


@numba.njit
def visit_by_visit(n_people, seed, out):
    st = np.empty(4, dtype=np.uint64)
    rng.seed_stream(st, seed, 1, 0, 0)
    laws = np.empty((1, 5))
    rng.count_law(MEAN_VISITS, DISPERSION, laws, 0)
    for i in range(n_people):
        n = rng.count_inverse(st, laws, 0)
        total = 0.0
        for _ in range(n):
            t = rng.categorical(st, CDF, 0, 6)
            total += rng.lognormal_mean_cv(st, UNIT[t], CV)
        out[i] = total


def test_per_person_annual_costs_match_visit_by_visit() -> None:
    n = 20000
    a = np.empty(n)
    b = np.empty(n)
    aggregated(n, 11, a)
    visit_by_visit(n, 11, b)
    result = stats.ks_2samp(a, b)
    assert result.pvalue > 0.01, result
    assert abs(a.mean() / b.mean() - 1) < 0.03
