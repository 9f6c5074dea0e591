"""One person's year of visits: count laws, outpatient and chronic-care visits, capitation (jit-compiled).

Each function draws from the caller's stream ``st`` and adds into ``flows[tier, service,
scheme, quantity]`` (one world's slice). They take plain arrays — the packed tables of
:mod:`simulator.kernels.layout` and the benefit tables ``in_scope[scheme, benefit, tier]``,
``fund_share[...]``, ``method[service, tier]`` (booking rules) — never the whole model tuple.

Formulas (docs/model.md):

* Counts: negative binomial with mean ``rate[age, scheme, chronic] × demand_factor[kind]`` drawn by
  inversion from precomputed laws (dispersion 0 = Poisson); chronic-care visits Poisson for
  people with a chronic flag.
* Visits are allocated to tiers by the person's logit probabilities. The cost of ``n`` visits
  at one tier is one lognormal with the sum's mean ``n·c`` and CV ``cv/√n`` (Fenton–Wilkinson
  moment matching; exact for n = 1; checked against visit-by-visit simulation by a KS test).
  Outpatient benefits per person-year: the yearly deductible is met by in-scope cost, split
  over tiers in proportion to in-scope cost (the expected split when visits come in random
  order); the fund pays ``fund_share × (in-scope − deductible)``, then the yearly limit scales
  every tier's fund payment down in proportion.
* Visits are paid fee-for-service, except a signed chronic patient's visits at tiers paid by
  capitation (按人头: a yearly amount per signed chronic patient covers them).
"""

from __future__ import annotations

import math

from simulator.constants import (
    CHRONIC, MAX_AGE_BANDS, N_TIERS, Q_COST, Q_DIRECT, Q_EPISODES, Q_FUND, Q_OOP,
)
from simulator.kernels import rng
from simulator.kernels.jit import jit
from simulator.kernels.layout import (
    BOOK_AFTER_YEAR, BOOK_CAPITATION, M_COST, M_DAY_OF_YEAR, M_DAYS, M_FUND, M_GROUP, M_IN_SCOPE,
    M_PERSON, M_SERVICE, M_TIER, M_VISITS,
)

#: count-law table layout: visits by (age, scheme, chronic), then admissions, then chronic care
ADMISSION_LAWS = MAX_AGE_BANDS * 4
CHRONIC_LAW = 2 * ADMISSION_LAWS
N_LAWS = CHRONIC_LAW + 1


@jit
def law_row(age, scheme, chronic):
    """Row of the visit count law of (age band, scheme, chronic flag)."""
    return (age * 2 + scheme) * 2 + chronic


@jit
def fill_laws(out_rate, in_rate, out_dispersion, in_dispersion, chronic_visits, demand_factor, laws):
    """Write this world-year's count laws into ``laws`` (float64[N_LAWS, 5]); ``demand_factor``:
    float64[3], multipliers of the visit, admission and chronic-visit rates (FACTOR_KINDS)."""
    for a in range(out_rate.shape[0]):
        for s in range(2):
            for c in range(2):
                row = law_row(a, s, c)
                rng.count_law(out_rate[a, s, c] * demand_factor[0], out_dispersion, laws, row)
                rng.count_law(in_rate[a, s, c] * demand_factor[1], in_dispersion, laws, ADMISSION_LAWS + row)
    rng.count_law(chronic_visits * demand_factor[2], 0.0, laws, CHRONIC_LAW)


@jit
def record_micro(micro, counter, person, tier, service, group, visits, days, cost, in_scope, fund, day):
    """Append one claim row to a world's microdata buffer (rows past its capacity are counted only)."""
    k = counter[0]
    counter[0] = k + 1
    if k < micro.shape[0]:
        micro[k, M_PERSON] = person
        micro[k, M_TIER] = tier
        micro[k, M_SERVICE] = service
        micro[k, M_GROUP] = group
        micro[k, M_VISITS] = visits
        micro[k, M_DAYS] = days
        micro[k, M_COST] = cost
        micro[k, M_IN_SCOPE] = in_scope
        micro[k, M_FUND] = fund
        micro[k, M_DAY_OF_YEAR] = day


@jit
def visits_year(st, n_visits, cdf, row, unit_cost, scheme, service, benefit, deductible, limit,
                in_scope, fund_share, method, cost_cv, counts, costs, sum_sigma2, flows,
                person, micro, counter, signed):
    """Allocate ``n_visits`` over tiers by ``cdf[row]``, price them, apply yearly deductible and limit.

    ``benefit`` is 0 (outpatient) or 2 (chronic); ``service`` the flows service index.
    ``counts``/``costs`` are scratch float64[6]; ``sum_sigma2[n]`` is the log-variance of the
    sum of n visits' costs, log(1 + cv²/n). Visits are paid FFS except a signed patient's
    visits at capitation tiers, which the yearly capitation covers (按人头 pays per signed
    chronic patient; unsigned patients' visits there are paid fee-for-service).
    ``person`` >= 0 records the visits in the microdata buffer ``micro`` (row count in
    ``counter[0]``).
    """
    for t in range(N_TIERS):
        counts[t] = 0.0
        costs[t] = 0.0
    for _ in range(n_visits):
        counts[rng.categorical(st, cdf, row, N_TIERS)] += 1.0
    in_scope_total = 0.0
    fund_before = 0.0  # Σ fund_share × in-scope cost, before the deductible and the limit
    for t in range(N_TIERS):
        n = counts[t]
        if n > 0.0:
            k = int(n)
            sigma2 = sum_sigma2[k] if k < sum_sigma2.shape[0] else math.log1p(cost_cv * cost_cv / n)
            cost = n * unit_cost[t] * math.exp(math.sqrt(sigma2) * rng.normal(st) - 0.5 * sigma2)
            costs[t] = cost
            covered = in_scope[scheme, benefit, t] * cost
            in_scope_total += covered
            fund_before += fund_share[scheme, benefit, t] * covered
    above = 0.0
    if in_scope_total > 0.0:
        above = max(0.0, 1.0 - deductible / in_scope_total)
    # the deductible scales every tier alike, then the yearly limit does
    factor = above
    if fund_before * above > limit:
        factor = limit / fund_before
    for t in range(N_TIERS):
        if counts[t] > 0.0:
            cost = costs[t]
            fund = fund_share[scheme, benefit, t] * in_scope[scheme, benefit, t] * cost * factor
            flows[t, service, scheme, Q_EPISODES] += counts[t]
            flows[t, service, scheme, Q_COST] += cost
            flows[t, service, scheme, Q_FUND] += fund
            flows[t, service, scheme, Q_OOP] += cost - fund
            book = method[service, t]
            # the yearly capitation covers a signed patient's visits; after-year methods pay later
            if (book != BOOK_CAPITATION or signed == 0) and book != BOOK_AFTER_YEAR:
                flows[t, service, scheme, Q_DIRECT] += fund
            if person >= 0:
                record_micro(micro, counter, person, t, service, -1, counts[t], 0.0, costs[t],
                             in_scope[scheme, benefit, t] * costs[t], fund, -1.0)


@jit
def capitation_year(cdf, row, scheme, method, rate, flows):
    """Book one signed chronic patient's capitation (按人头, ``rate`` yuan a year).

    The amount is split in proportion to the patient's chronic-care choice probabilities
    ``cdf[row]`` among tiers paid by capitation (where the patient is managed).
    """
    total = 0.0
    prev = 0.0
    for t in range(N_TIERS):
        if method[CHRONIC, t] == BOOK_CAPITATION:
            total += cdf[row, t] - prev
        prev = cdf[row, t]
    if total <= 0.0:
        return
    prev = 0.0
    for t in range(N_TIERS):
        if method[CHRONIC, t] == BOOK_CAPITATION:
            flows[t, CHRONIC, scheme, Q_DIRECT] += rate * (cdf[row, t] - prev) / total
        prev = cdf[row, t]
