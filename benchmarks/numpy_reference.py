"""The simplified model written as a careful analyst would in vectorised numpy, and the same model in mcsim.

The simplified model is the reference scenario with its pathway switched off by overrides
(:data:`SIMPLE_OVERRIDES`): beds unconstrained, every inpatient tier able to treat every
severity (no upward referral), no down-referral, fee-for-service everywhere, no epidemics. What is
left, per person-year and world (docs/model.md):

* counts: outpatient visits ~ NB(rate[age, scheme, chronic], dispersion), chronic-care visits
  ~ Poisson(visits_per_patient) for people with a chronic flag, admissions ~ NB(...);
* tier choice: multinomial logit per choice cell (village, scheme, signed; + age band for
  admissions) with the expected-OOP utilities of :mod:`simulator.kernels.choice`, re-derived
  here in numpy; visits are split over tiers by one multinomial per person;
* costs: the n visits at a tier cost one lognormal with mean n·c and CV cv/√n; an admission's
  case group is drawn from its age band's case mix, its cost is lognormal with mean
  base_cost[group] × tier multiplier (long-stay groups: per day of a 1 + NB length of stay);
* benefits: yearly outpatient deductible met pro rata by in-scope cost, fund share, yearly
  limit scaling the fund payment down; inpatient deductible per admission, fund share, yearly
  cap per person across admissions (cumulative).

Arrays are [world, person] (and [world, person, tier] for visits) with one
``numpy.random.Generator`` per year. Parameters come from the same compiled scenario
(:func:`simulator.compile.compile_scenario`) and the same population (the engine's), so only the
simulation differs. ``tests/unit/test_numpy_reference.py`` checks the two agree in expectation.

Child process (for timing and peak memory):
``python -m benchmarks.numpy_reference {numpy|mcsim} PEOPLE WORLDS YEARS [--threads T] [--repeats R]``.
"""

from __future__ import annotations

import numpy as np

from benchmarks.common import REFERENCE
from simulator.kernels import layout as L

SIMPLE_OVERRIDES = [
    "tiers.beds=[0, 0, 0, 0, 0, 0]",
    "tiers.capability=[0, 4, 4, 4, 4, 4]",
    "referral.down_referral_share=0.0",
    'payment.outpatient=["ffs", "ffs", "ffs", "ffs", "ffs", "ffs"]',
    'payment.chronic=["ffs", "ffs", "ffs", "ffs", "ffs", "ffs"]',
    'payment.inpatient=["ffs", "ffs", "ffs", "ffs", "ffs", "ffs"]',
    'payment.long_stay=["ffs", "ffs", "ffs", "ffs", "ffs", "ffs"]',
    "dynamics.epidemic.probability=0.0",
]
#: totals per [world, year] both implementations return
FIELDS = ("visits", "admissions", "cost", "fund")


def simplified_scenario(people: int, years: int, extra: list[str] | tuple = ()):
    """The reference scenario reduced to the simplified model, ``people`` insured, ``years`` years."""
    from simulator.scenario import load_scenario

    return load_scenario(REFERENCE, [*SIMPLE_OVERRIDES, f"population.size={people}",
                                     f"scenario.years={years}", *extra])


# ------------------------------------------------------------------------------------ choice
def choice_probabilities(m, cost_factor: np.ndarray, quality: np.ndarray):
    """Logit probabilities: visits ``[cell, 6]``, chronic ``[cell, 6]``, admissions ``[cell, age, 6]``."""
    n_age = m.group_share.shape[0]
    out_c = m.out_base_cost * m.cost_mult_out * cost_factor                       # [6]
    chr_c = m.chronic_base_cost * m.cost_mult_out * cost_factor
    grp_c = m.group_cost[:, None] * m.cost_mult_in[None, :] * cost_factor[None, :]  # [G, 6]
    mean_visits = m.out_rate[:, :, 0].mean(axis=0)                                # [scheme]
    ded = m.out_deductible / np.maximum(1.0, mean_visits)
    oop_out = out_c - m.fund_share[:, 0, :] * np.maximum(0.0, m.in_scope[:, 0, :] * out_c - ded[:, None])
    oop_chr = chr_c - m.fund_share[:, 2, :] * m.in_scope[:, 2, :] * chr_c          # [scheme, 6]
    oop_grp = grp_c[None] - m.fund_share[:, None, 1, :] * np.maximum(
        0.0, m.in_scope[:, None, 1, :] * grp_c[None] - m.in_deductible[:, None, :])  # [scheme, G, 6]
    oop_in = np.einsum("ag,sgt->sat", m.group_share, oop_grp)                     # [scheme, age, 6]

    n_v = m.village_distance.shape[0]
    primary = (np.arange(6) <= 2).astype(float)

    def logit(model: int, oop: np.ndarray, available: np.ndarray) -> np.ndarray:
        # oop [scheme, ..., 6] -> probabilities [village, scheme, signed, ..., 6]
        extra = oop.ndim - 2
        dist = m.village_distance.reshape((n_v, 1, 1) + (1,) * extra + (6,))
        signed = np.arange(2.0).reshape((1, 1, 2) + (1,) * extra + (1,))
        u = (m.asc[model] + m.b_oop_per_1000[model] * oop[None, :, None] / 1000.0
             + m.b_distance_per_10km[model] * dist / 10.0 + m.b_quality[model] * quality
             + m.b_signed_primary[model] * signed * primary)
        u = np.where(available, u, -np.inf)
        e = np.exp(u - u.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    p_out = logit(0, oop_out, m.enabled).reshape(n_v * 4, 6)
    p_chr = logit(0, oop_chr, m.enabled).reshape(n_v * 4, 6)
    p_in = logit(1, oop_in, m.capability > 0).reshape(n_v * 4, n_age, 6)
    return p_out, p_chr, p_in


# ------------------------------------------------------------------------------------ model
def _negbin(gen: np.random.Generator, mean: np.ndarray, dispersion: float) -> np.ndarray:
    if dispersion <= 0.0:
        return gen.poisson(mean)
    r = 1.0 / dispersion
    return gen.negative_binomial(r, r / (r + np.maximum(mean, 1e-300)))


def _visit_year(gen, counts, unit, cv, in_scope, fund_share, deductible, limit):
    """Costs and fund of visits ``counts[w, p, t]`` with per-person benefit rows ``[p, t]``."""
    n = counts.astype(np.float64)
    has = n > 0
    sigma2 = np.log1p(cv * cv / np.where(has, n, 1.0))
    z = gen.standard_normal(n.shape)
    cost = np.where(has, n * unit * np.exp(np.sqrt(sigma2) * z - 0.5 * sigma2), 0.0)
    scope = in_scope[None] * cost
    scope_total = scope.sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        above = np.where(scope_total > 0, np.maximum(0.0, 1.0 - deductible[None] / scope_total), 0.0)
    fund = fund_share[None] * scope * above[..., None]
    total = fund.sum(axis=2)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(total > limit[None], limit[None] / total, 1.0)
    fund *= scale[..., None]
    return cost.sum(axis=(1, 2)), fund.sum(axis=(1, 2))


def numpy_year(m, pop, n_worlds: int, gen: np.random.Generator, demand: float, cost_factor: np.ndarray,
               quality: np.ndarray) -> dict[str, np.ndarray]:
    """One year of the simplified model for ``n_worlds`` worlds; totals per world."""
    age = pop.age_band.astype(np.int64)
    scheme = pop.scheme.astype(np.int64)
    chronic = pop.chronic.astype(np.int64)
    signed = pop.signed.astype(np.int64)
    cell = (pop.village.astype(np.int64) * 2 + scheme) * 2 + signed
    p_out, p_chr, p_in = choice_probabilities(m, cost_factor, quality)
    n_age = m.group_share.shape[0]
    W, P = n_worlds, age.size
    cv = float(m.params[L.P_COST_CV])

    # outpatient visits
    n_out = _negbin(gen, np.broadcast_to(m.out_rate[age, scheme, chronic] * demand, (W, P)), m.out_dispersion)
    counts = gen.multinomial(n_out, p_out[cell][None])                              # [W, P, 6]
    cost_o, fund_o = _visit_year(gen, counts, m.out_base_cost * m.cost_mult_out * cost_factor, cv,
                                 m.in_scope[scheme, 0], m.fund_share[scheme, 0], m.out_deductible[scheme],
                                 m.out_limit[scheme])
    visits = n_out.sum(axis=1).astype(float)
    del counts
    # chronic-care visits of people with a chronic flag
    idx = np.flatnonzero(chronic)
    n_chr = gen.poisson(m.chronic_visits * demand, size=(W, idx.size))
    counts = gen.multinomial(n_chr, p_chr[cell[idx]][None])
    cost_c, fund_c = _visit_year(gen, counts, m.chronic_base_cost * m.cost_mult_out * cost_factor, cv,
                                 m.in_scope[scheme[idx], 2], m.fund_share[scheme[idx], 2],
                                 np.zeros(idx.size), m.chronic_limit[scheme[idx]])
    visits += n_chr.sum(axis=1)
    del counts

    # admissions: one row each, ordered by (world, person) for the yearly cap
    n_in = _negbin(gen, np.broadcast_to(m.in_rate[age, scheme, chronic] * demand, (W, P)), m.in_dispersion)
    flat = n_in.reshape(-1)
    owner = np.repeat(np.arange(W * P), flat)                                         # world * P + person
    world = owner // P
    person = owner % P
    a, s = age[person], scheme[person]
    u = gen.random(owner.size)
    group = np.empty(owner.size, dtype=np.int64)
    for band in range(n_age):
        sel = a == band
        cdf = m.group_cdf[band]
        group[sel] = np.minimum(np.searchsorted(cdf, u[sel] * cdf[-1], side="right"), cdf.size - 1)
    rows = p_in[cell[person], a].cumsum(axis=1)
    tier = np.minimum((gen.random(owner.size)[:, None] * rows[:, -1:] >= rows).sum(axis=1), 5)
    los = m.group_table[group, L.G_LOS] * m.tier_table[tier, L.T_LOS]
    days = 1.0 + _negbin(gen, np.maximum(los - 1.0, 0.0), m.params[L.P_LOS_DISPERSION])
    mean_cost = m.group_cost[group] * m.cost_mult_in[tier] * cost_factor[tier]
    mean_cost = np.where(m.group_table[group, L.G_LONG_STAY] > 0, mean_cost / los * days, mean_cost)
    sigma2 = np.log1p(cv * cv)
    cost_i = mean_cost * np.exp(np.sqrt(sigma2) * gen.standard_normal(owner.size) - 0.5 * sigma2)
    claim = m.fund_share[s, 1, tier] * np.maximum(0.0, m.in_scope[s, 1, tier] * cost_i - m.in_deductible[s, tier])
    before = np.cumsum(claim) - claim                                                 # claims of earlier rows
    first = np.concatenate(([0], np.cumsum(flat)[:-1]))[owner]                        # each owner's first row
    before -= np.concatenate(([0.0], np.cumsum(claim)))[first]
    fund_i = np.clip(m.in_cap[s] - before, 0.0, claim)
    return {"visits": visits, "admissions": n_in.sum(axis=1).astype(float),
            "cost": cost_o + cost_c + np.bincount(world, weights=cost_i, minlength=W),
            "fund": fund_o + fund_c + np.bincount(world, weights=fund_i, minlength=W)}


def numpy_run(s, worlds: int, seed: int) -> dict[str, np.ndarray]:
    """Simulate base year + ``s.scenario.years`` years in numpy; totals ``[world, year]`` (base year first)."""
    from simulator.population import project_population
    from simulator.prepare import prepare

    model = prepare(s)
    base = model.base_population()
    m = model.arrays(base)
    quality = np.asarray(s.tiers.quality, dtype=float)
    dyn = s.dynamics
    out = {k: np.zeros((worlds, s.scenario.years + 1)) for k in FIELDS}
    pop = base
    for y in range(s.scenario.years + 1):
        if y > 0:
            pop = project_population(base, s.population, y, model.population_seed)
        gen = np.random.default_rng([seed, 77, y])
        cost_factor = np.full(6, (1.0 + dyn.cost_inflation) ** y)
        year = numpy_year(m, pop, worlds, gen, (1.0 + dyn.utilisation_trend) ** y, cost_factor, quality)
        for k in FIELDS:
            out[k][:, y] = year[k]
    return out


def mcsim_run(s, worlds: int, seed: int, threads: int | None = None) -> dict[str, np.ndarray]:
    """The same scenario through mcsim's engine; totals ``[world, year]`` for the reported years."""
    from simulator.constants import CHRONIC, INPATIENT, LONG_STAY, OUTPATIENT
    from simulator.engine import FLOW_FIELDS, run_worlds

    out = run_worlds(s, worlds=range(worlds), seed=seed, threads=threads)
    f = out.flows  # [world, year, tier, service, scheme, field]
    ep = f[..., FLOW_FIELDS.index("episodes")].sum(axis=(2, 4))  # [world, year, service]
    return {"visits": ep[..., OUTPATIENT] + ep[..., CHRONIC], "admissions": ep[..., INPATIENT] + ep[..., LONG_STAY],
            "cost": f[..., FLOW_FIELDS.index("cost")].sum(axis=(2, 3, 4)),
            "fund": f[..., FLOW_FIELDS.index("fund")].sum(axis=(2, 3, 4))}


def main() -> None:
    import argparse
    import time

    from benchmarks.common import emit, spread

    parser = argparse.ArgumentParser()
    parser.add_argument("impl", choices=["numpy", "mcsim"])
    parser.add_argument("people", type=int)
    parser.add_argument("worlds", type=int)
    parser.add_argument("years", type=int)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    s = simplified_scenario(args.people, args.years)
    seed = int(s.scenario.seed)
    warmup = None
    if args.impl == "mcsim":  # JIT warm-up (cache load or compile) on a tiny run, excluded
        t = time.perf_counter()
        mcsim_run(simplified_scenario(500, 1), 2, seed, args.threads)
        warmup = time.perf_counter() - t
    times = []
    for _ in range(args.repeats):
        t = time.perf_counter()
        totals = numpy_run(s, args.worlds, seed) if args.impl == "numpy" else \
            mcsim_run(s, args.worlds, seed, args.threads)
        times.append(time.perf_counter() - t)
    emit({"impl": args.impl, "people": args.people, "worlds": args.worlds, "years": args.years,
          "threads": args.threads, "warmup_seconds": warmup, "seconds": spread(times),
          "per_person": {k: float(v[:, -1].mean() / args.people) for k, v in totals.items()}})


if __name__ == "__main__":
    main()
