"""First-contact tier choice: expected out-of-pocket cost and multinomial-logit tables (jit-compiled).

Utility of tier t for a person (DESIGN 2, "Pathway")::

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
    ``oop_in[s, a, t]`` for scheme s, age band a, tier t, at this world-year's costs."""
    n_age = m.group_share.shape[0]
    n_groups = m.group_share.shape[1]
    for s in range(2):
        mean_visits = 0.0
        for a in range(n_age):
            mean_visits += m.out_rate[a, s, 0] / n_age
        ded_per_visit = m.out_deductible[s] / max(1.0, mean_visits)
        for t in range(6):
            c = m.out_base_cost * m.cost_mult_out[t] * cost_factor[t]
            oop_out[s, t] = c - m.fund_share[s, 0, t] * max(0.0, m.in_scope[s, 0, t] * c - ded_per_visit)
            c = m.chronic_base_cost * m.cost_mult_out[t] * cost_factor[t]
            oop_chronic[s, t] = c - m.fund_share[s, 2, t] * m.in_scope[s, 2, t] * c
            for a in range(n_age):
                total = 0.0
                for g in range(n_groups):
                    c = m.group_cost[g] * m.cost_mult_in[t] * cost_factor[t]
                    oop = c - m.fund_share[s, 1, t] * max(0.0, m.in_scope[s, 1, t] * c - m.in_deductible[s, t])
                    total += m.group_share[a, g] * oop
                oop_in[s, a, t] = total


@jit
def logit_cdf(m, model, available, oop, distance, quality, asc_shift, signed, severity, out):
    """Fill ``out[:6]`` with the cumulative choice probabilities of one cell (0 where unavailable).

    ``severity`` > 0 (admissions) adds ``b_capable`` to the tiers whose capability covers it.
    """
    best = -np.inf
    util = np.empty(6)
    for t in range(6):
        if available[t]:
            primary = 1.0 if t <= 2 else 0.0
            u = (m.asc[model, t] + asc_shift[t]
                 + m.b_oop_per_1000[model] * oop[t] / 1000.0
                 + m.b_distance_per_10km[model] * distance[t] / 10.0
                 + m.b_quality[model] * quality[t]
                 + m.b_signed_primary[model] * signed * primary)
            if severity > 0 and m.capability[t] >= severity:
                u += m.b_capable[model]
            util[t] = u
            if u > best:
                best = u
        else:
            util[t] = -np.inf
    total = 0.0
    for t in range(6):
        if available[t]:
            total += math.exp(util[t] - best)
        out[t] = total
    for t in range(6):
        out[t] /= total


@jit
def choice_tables(m, cost_factor, quality, asc_shift, out_cdf, chronic_cdf, in_cdf):
    """Fill the choice CDF tables of one world-year.

    ``out_cdf[cell, t]`` and ``chronic_cdf[cell, t]`` for visits, ``in_cdf[cell, a, k, t]`` for
    admissions of age band a and severity k + 1; cells as :func:`cell_index`.
    """
    n_age = m.group_share.shape[0]
    oop_out = np.empty((2, 6))
    oop_chr = np.empty((2, 6))
    oop_in = np.empty((2, n_age, 6))
    expected_oop(m, cost_factor, oop_out, oop_chr, oop_in)
    visit_ok = np.empty(6, dtype=np.bool_)
    admit_ok = np.empty(6, dtype=np.bool_)
    for t in range(6):
        visit_ok[t] = m.enabled[t]
        admit_ok[t] = m.capability[t] > 0
    n_villages = m.village_distance.shape[0]
    for v in range(n_villages):
        distance = m.village_distance[v]
        for s in range(2):
            for signed in range(2):
                c = cell_index(v, s, signed)
                logit_cdf(m, OUT_MODEL, visit_ok, oop_out[s], distance, quality, asc_shift, signed, 0,
                          out_cdf[c])
                logit_cdf(m, OUT_MODEL, visit_ok, oop_chr[s], distance, quality, asc_shift, signed, 0,
                          chronic_cdf[c])
                for a in range(n_age):
                    for k in range(SEVERITIES):
                        logit_cdf(m, IN_MODEL, admit_ok, oop_in[s, a], distance, quality, asc_shift, signed,
                                  k + 1, in_cdf[c, a, k])
