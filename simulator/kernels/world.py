"""One simulated year for a block of worlds, in parallel over worlds (jit-compiled; fills outputs).

Each world-year has its own keyed stream (seed, world, year, block 0), runs its persons in
one sequential pass (beds are a shared resource of the world, so its persons cannot be split
across threads), and writes only its own slice of the outputs: no locks, and results that do
not depend on the thread count.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.constants import CHRONIC, INPATIENT, N_QUANTITIES, N_SCHEMES, N_SERVICES, N_TIERS, OUTPATIENT
from simulator.kernels import rng
from simulator.kernels.choice import SEVERITIES, cell_index, choice_tables
from simulator.kernels.admissions import admission
from simulator.kernels.visits import (
    ADMISSION_LAWS, CHRONIC_LAW, N_LAWS, capitation_year, fill_laws, law_row, visits_year,
)
from simulator.kernels.layout import P_CAPITATION, P_COST_CV
from simulator.kernels.jit import jit, prange

SIGMA_TABLE = 128  # tabulated log-variances of visit-cost sums, for 0..127 visits


@jit(parallel=True)
def simulate_year(m, age, scheme, chronic, signed, village, seed, year, world_offset,
                  demand_factor, cost_factor, out_tables, chronic_tables, in_tables, table_of,
                  flows, referrals, micro_fraction, micro, micro_n, budget_pv, review, review_n):
    """Simulate one year of every person in each of ``flows.shape[0]`` worlds (``m``: ModelArrays).

    Parameters
    ----------
    age, scheme, chronic, signed, village : int64[person] band, scheme, chronic, signed, village
    seed, year, world_offset : stream key parts (year from the base year, 0); global index of world 0
    demand_factor, cost_factor : float64[world, 3] rate and [world, 3, 6] unit-cost multipliers
        of visits, admissions (long stays too) and chronic visits (FACTOR_KINDS) at each tier
    out_tables, chronic_tables, in_tables, table_of : choice CDF tables from
        :func:`choice_table_rows`, one per distinct world state, and int64[world] each world's
    flows, referrals : zeroed float64[world, 6, 4, 2, Q] and [world, 6, 6], filled with the
        year's flows and transfers from -> to
    micro_fraction : share of person-years recorded as microdata (0 = none), chosen by a hash of
        (seed, world, year, person), so recording never changes results
    micro, micro_n : float64[world, capacity, M_COLUMNS] buffer (capacity may be 0) and zeroed
        int64[world, 1] rows recorded per world (may exceed capacity: overflow)
    budget_pv, review, review_n : float64[world, MAX_POINTS_METHODS] budget point values; special-
        review candidates float64[world, capacity, V_COLUMNS] (capacity may be 0), zeroed counts
    """
    n_worlds = flows.shape[0]
    n_people = age.shape[0]
    n_age = m.group_share.shape[0]
    for w in prange(n_worlds):
        st = np.empty(4, dtype=np.uint64)
        rng.seed_stream(st, seed, world_offset + w, year, 0)
        table = table_of[w]
        out_cdf, chronic_cdf, in_rows = out_tables[table], chronic_tables[table], in_tables[table]
        laws = np.empty((N_LAWS, 5))  # count laws of this world-year (docs/model.md, "Counts of episodes")
        fill_laws(m.out_rate, m.in_rate, m.out_dispersion, m.in_dispersion, m.chronic_visits,
                  demand_factor[w], laws)
        # arrays taken out of the model once per world: see simulator.kernels.layout
        grp, tiers, par = m.group_table, m.tier_table, m.params
        group_cdf, in_scope, fund_share = m.group_cdf, m.in_scope, m.fund_share
        in_deductible, method = m.in_deductible, m.method
        out_deductible, out_limit, chronic_limit, in_cap = m.out_deductible, m.out_limit, m.chronic_limit, m.in_cap
        cost_cv = par[P_COST_CV]
        sum_sigma2 = sigma_table(cost_cv)
        unit_out, unit_chronic = unit_visit_costs(m.out_base_cost, m.chronic_base_cost, m.cost_mult_out,
                                                  cost_factor[w])
        used, counts, costs = np.zeros(N_TIERS), np.empty(N_TIERS), np.empty(N_TIERS)  # beds; scratch
        capitation = par[P_CAPITATION]
        flows_w, referrals_w, cost_w = flows[w], referrals[w], cost_factor[w, INPATIENT]
        micro_w, counter = micro[w], micro_n[w]
        budget_w, review_w, review_nw = budget_pv[w], review[w], review_n[w]
        world_id = world_offset + w
        # a random starting person, so no one is always first in the queue for beds
        start = int(rng.uniform(st) * n_people) if n_people > 0 else 0
        for k in range(n_people):
            i = start + k
            if i >= n_people:
                i -= n_people
            a, sc, ch, sg = age[i], scheme[i], chronic[i], signed[i]
            cell = cell_index(village[i], sc, sg)
            person = -1
            if micro_fraction > 0.0 and rng.keyed_uniform(seed, world_id, year, i) < micro_fraction:
                person = i
            row = law_row(a, sc, ch)
            n = rng.count_inverse(st, laws, row)
            if n > 0:
                visits_year(st, n, out_cdf, cell, unit_out, sc, OUTPATIENT, 0, out_deductible[sc],
                            out_limit[sc], in_scope, fund_share, method, cost_cv, counts, costs,
                            sum_sigma2, flows_w, person, micro_w, counter, sg)
            if ch == 1:
                n = rng.count_inverse(st, laws, CHRONIC_LAW)
                if n > 0:
                    visits_year(st, n, chronic_cdf, cell, unit_chronic, sc, CHRONIC, 2, 0.0,
                                chronic_limit[sc], in_scope, fund_share, method, cost_cv, counts, costs,
                                sum_sigma2, flows_w, person, micro_w, counter, sg)
                if sg == 1:
                    capitation_year(chronic_cdf, cell, sc, method, capitation, flows_w)
            n = rng.count_inverse(st, laws, ADMISSION_LAWS + row)
            cap_left = in_cap[sc]
            for _ in range(n):
                cap_left = admission(st, grp, tiers, par, group_cdf, in_scope, fund_share, in_deductible,
                                     method, in_rows, (cell * n_age + a) * SEVERITIES, sc, a, sg, cost_w, used,
                                     cap_left, flows_w, referrals_w, person, micro_w, counter, k / n_people,
                                     budget_w, review_w, review_nw)


@jit
def sigma_table(cost_cv):
    """Log-variances ``log(1 + cv² / k)`` of the cost of a sum of k visits, for k < SIGMA_TABLE."""
    out = np.empty(SIGMA_TABLE)
    out[0] = 0.0
    for k in range(1, SIGMA_TABLE):
        out[k] = math.log1p(cost_cv * cost_cv / k)
    return out


@jit
def unit_visit_costs(out_base_cost, chronic_base_cost, cost_mult_out, cost_factor):
    """This world-year's cost of one visit and of one chronic-care visit per tier, yuan
    (``cost_factor``: float64[3, 6], rows :data:`~simulator.constants.FACTOR_KINDS`)."""
    unit_out = np.empty(N_TIERS)
    unit_chronic = np.empty(N_TIERS)
    for t in range(N_TIERS):
        unit_out[t] = out_base_cost * cost_mult_out[t] * cost_factor[OUTPATIENT, t]
        unit_chronic[t] = chronic_base_cost * cost_mult_out[t] * cost_factor[CHRONIC, t]
    return unit_out, unit_chronic


@jit(parallel=True)
def choice_table_rows(m, cost_factor, quality, asc_shift, out_tables, chronic_tables, in_tables):
    """Fill the choice tables of each distinct world state u (``cost_factor[u]``: float64[3, 6],
    ``quality[u]``, ``asc_shift[u]``).

    ``out_tables``/``chronic_tables``: float64[U, cells, 6]; ``in_tables``: float64[U, cells ×
    age bands × severities, 6] (rows as the admission kernel indexes them).
    """
    n_cells = out_tables.shape[1]
    n_age = m.group_share.shape[0]
    for u in prange(cost_factor.shape[0]):
        in_cdf = in_tables[u].reshape((n_cells, n_age, SEVERITIES, N_TIERS))
        choice_tables(m, cost_factor[u], quality[u], asc_shift[u], out_tables[u], chronic_tables[u], in_cdf)


def choice_table_arrays(m, n_states: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Empty choice tables for ``n_states`` distinct world states."""
    n_cells = m.village_distance.shape[0] * N_SCHEMES * 2  # village × scheme × signed
    rows = n_cells * m.group_share.shape[0] * SEVERITIES
    return (np.empty((n_states, n_cells, N_TIERS)), np.empty((n_states, n_cells, N_TIERS)),
            np.empty((n_states, rows, N_TIERS)))


def empty_outputs(n_worlds: int) -> tuple[np.ndarray, np.ndarray]:
    """Zeroed ``flows`` [world, 6, 4, 2, Q] and ``referrals`` [world, 6, 6] for one year."""
    return (np.zeros((n_worlds, N_TIERS, N_SERVICES, N_SCHEMES, N_QUANTITIES)),
            np.zeros((n_worlds, N_TIERS, N_TIERS)))


def microdata_buffers(n_worlds: int, n_people: int, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Buffer [world, capacity, M_COLUMNS] and zeroed row counts [world, 1] for one year.

    Capacity allows 8 rows per sampled person-year plus a margin (a person-year has about 3).
    """
    from simulator.kernels.layout import M_COLUMNS

    capacity = int(8 * fraction * n_people + 64) if fraction > 0 else 0
    return np.zeros((n_worlds, capacity, M_COLUMNS)), np.zeros((n_worlds, 1), dtype=np.int64)
