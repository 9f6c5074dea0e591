"""First-contact tier choice: expected out-of-pocket cost and multinomial-logit tables (jit-compiled).

Utility of tier t for a person (docs/model.md, "Tier choice")::

    U_t = asc_t + shift_t + b_oop · E[OOP_t] / 1000 + b_distance · distance_t / 10
          + b_quality · quality_t + b_signed · signed · primary_t [+ b_capable · capable_t]

over the tiers able to take the episode (enabled; for admissions, capability > 0). For
admissions, ``capable_t`` = 1 where the tier's capability covers the case's severity (an
mcsim extension, 0 by default: patients who know they are seriously ill go where they can be
treated), so admission probabilities are tabulated per severity as well. E[OOP_t]
applies the benefit rules to the tier's mean cost (deductible per admission; the yearly
outpatient deductible spread over the scheme's mean yearly visits). Persons are grouped in
choice cells (village, scheme, signed) — and age band for admissions, whose expected cost
follows the age band's case mix — so probabilities are computed once per world-year.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.constants import N_SCHEMES, N_TIERS, SUBCENTER
from simulator.kernels.jit import jit

OUT_MODEL = 0
IN_MODEL = 1
SEVERITIES = 4  # case severity levels 1-4


@jit
def cell_index(village, scheme, signed):
    """Choice cell of a person: (village × 2 + scheme) × 2 + signed."""
    return (village * 2 + scheme) * 2 + signed


@jit
def expected_oop(m, cost_factor, oop_out, oop_chronic, oop_in):
    """Fill expected OOP per visit/admission, yuan: ``oop_out[s, t]``, ``oop_chronic[s, t]``,
    ``oop_in[s, a, t]`` for scheme s, age band a, tier t, at this world-year's costs
    (``cost_factor``: float64[3, 6], rows outpatient, inpatient, chronic)."""
    n_age = m.group_share.shape[0]
    n_groups = m.group_share.shape[1]
    for s in range(N_SCHEMES):
        mean_visits = 0.0
        for a in range(n_age):
            mean_visits += m.out_rate[a, s, 0] / n_age
        ded_per_visit = m.out_deductible[s] / max(1.0, mean_visits)
        for t in range(N_TIERS):
            c = m.out_base_cost * m.cost_mult_out[t] * cost_factor[0, t]
            oop_out[s, t] = c - m.fund_share[s, 0, t] * max(0.0, m.in_scope[s, 0, t] * c - ded_per_visit)
            c = m.chronic_base_cost * m.cost_mult_out[t] * cost_factor[2, t]
            oop_chronic[s, t] = c - m.fund_share[s, 2, t] * m.in_scope[s, 2, t] * c
            for a in range(n_age):
                total = 0.0
                for g in range(n_groups):
                    c = m.group_cost[g] * m.cost_mult_in[t] * cost_factor[1, t]
                    oop = c - m.fund_share[s, 1, t] * max(0.0, m.in_scope[s, 1, t] * c - m.in_deductible[s, t])
                    total += m.group_share[a, g] * oop
                oop_in[s, a, t] = total


@jit
def logit_cdf(asc, b_oop, b_distance, b_quality, b_signed, b_capable, capability, available, oop,
              distance, quality, asc_shift, signed, severity, util, out):
    """Fill ``out[:N_TIERS]`` with the cumulative choice probabilities of one cell (0 where unavailable).

    Takes plain arrays and scalars (one model's ``asc`` row and coefficients), not the model
    tuple: numba reference-counts every array taken out of a tuple on each call. ``severity`` > 0
    (admissions) adds ``b_capable`` to the tiers whose capability covers it; ``util`` is scratch.
    """
    best = -np.inf
    for t in range(N_TIERS):
        if available[t]:
            primary = 1.0 if t <= SUBCENTER else 0.0  # 基层: village, township, sub-centre
            u = (asc[t] + asc_shift[t] + b_oop * oop[t] / 1000.0 + b_distance * distance[t] / 10.0
                 + b_quality * quality[t] + b_signed * signed * primary)
            if severity > 0 and capability[t] >= severity:
                u += b_capable
            util[t] = u
            if u > best:
                best = u
        else:
            util[t] = -np.inf
    total = 0.0
    for t in range(N_TIERS):
        if available[t]:
            total += math.exp(util[t] - best)
        out[t] = total
    for t in range(N_TIERS):
        out[t] /= total


@jit
def choice_tables(m, cost_factor, quality, asc_shift, out_cdf, chronic_cdf, in_cdf):
    """Fill the choice CDF tables of one world-year.

    ``out_cdf[cell, t]`` and ``chronic_cdf[cell, t]`` for visits, ``in_cdf[cell, a, k, t]`` for
    admissions of age band a and severity k + 1; cells as :func:`cell_index`.
    """
    n_age = m.group_share.shape[0]
    oop_out = np.empty((N_SCHEMES, N_TIERS))
    oop_chr = np.empty((N_SCHEMES, N_TIERS))
    oop_in = np.empty((N_SCHEMES, n_age, N_TIERS))
    expected_oop(m, cost_factor, oop_out, oop_chr, oop_in)
    visit_ok = np.empty(N_TIERS, dtype=np.bool_)
    admit_ok = np.empty(N_TIERS, dtype=np.bool_)
    for t in range(N_TIERS):
        visit_ok[t] = m.enabled[t]
        admit_ok[t] = m.capability[t] > 0
    asc, capability, dist = m.asc, m.capability, m.village_distance
    b_oop, b_dist, b_q = m.b_oop_per_1000, m.b_distance_per_10km, m.b_quality
    b_signed, b_capable = m.b_signed_primary, m.b_capable
    util = np.empty(N_TIERS)
    o, i = OUT_MODEL, IN_MODEL
    for v in range(dist.shape[0]):
        distance = dist[v]
        for s in range(N_SCHEMES):
            for signed in range(2):
                c = cell_index(v, s, signed)
                logit_cdf(asc[o], b_oop[o], b_dist[o], b_q[o], b_signed[o], b_capable[o], capability, visit_ok,
                          oop_out[s], distance, quality, asc_shift, signed, 0, util, out_cdf[c])
                logit_cdf(asc[o], b_oop[o], b_dist[o], b_q[o], b_signed[o], b_capable[o], capability, visit_ok,
                          oop_chr[s], distance, quality, asc_shift, signed, 0, util, chronic_cdf[c])
                for a in range(n_age):
                    for k in range(SEVERITIES):
                        logit_cdf(asc[i], b_oop[i], b_dist[i], b_q[i], b_signed[i], b_capable[i], capability,
                                  admit_ok, oop_in[s, a], distance, quality, asc_shift, signed, k + 1, util,
                                  in_cdf[c, a, k])
