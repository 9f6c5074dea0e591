"""Population projection: the insured persons of each later year, built from the year before.

Year k is built from year k-1 with its own stream ``SeedSequence([seed, PROJECTION_TAG, k])``,
in this order (``[population]`` keys in brackets):

1. headcount: ``N_k = round(N_0 x (1 + growth_rate)^k)`` (the yearly factor compounded on the base,
   so rounding does not drift). When ``N_k < N_{k-1}`` people are removed uniformly at random
   (deaths and lapses are folded into the natural flow of note 2); when larger, new people are
   drawn as in the synthesizer (age from ``age_shares``, chronic flags at year-k prevalence) and
   live in the village of a uniformly drawn existing person (villages grow in proportion).
2. ageing: the natural flow between bands (births, people growing out of a band, deaths) is
   assumed to keep age shares stationary; beyond it each person of every band but the last moves
   one band up with probability ``ageing_shift`` (down from every band but the first if negative).
   Expected shares after one step: ``s'_b = s_b (1 - a) + s_{b-1} a``.
3. chronic incidence: the prevalence target of band b in year k is
   ``min(1, prevalence_b x (1 + chronic_trend)^k)`` for each condition; in each band enough
   people without the flag are drawn uniformly to reach ``round(target x n_b)`` flagged people.
   Existing flags are kept (no remission), so a band above its target stays there.
4. signing: a person who becomes chronic in step 3 and has not signed signs with probability
   ``(signing_rate_chronic - signing_rate) / (1 - signing_rate)``, so that newly chronic people
   are signed with overall probability ``signing_rate_chronic``, as in the synthesizer (people
   without a chronic flag sign at ``signing_rate``). Nobody un-signs.

Scheme, sex, village and distances do not change for a person.
"""

from __future__ import annotations

from typing import Any, Iterator

import numpy as np

from simulator.population_columns import Population
from simulator.population_synthesis import draw_people, prevalence

#: Stream tag: projection year k uses SeedSequence([seed, PROJECTION_TAG, k]). Other modules must
#: use other tags.
PROJECTION_TAG = 0x70726A   # "prj"


def project_population(base: Population, params: Any, year_index: int, seed: int) -> Population:
    """The insured population ``year_index`` years after ``base`` (0 returns ``base``).

    Built year by year (year k from year k-1 with stream ``SeedSequence([seed,
    PROJECTION_TAG, k])``), so it is deterministic for (base, params, seed, year_index) and year
    k+1 extends year k. Steps and formulas: module docstring (headcount, ageing, incidence,
    signing).
    """
    if year_index < 0:
        raise ValueError(f"year_index must be >= 0, got {year_index}")
    for population in projected_years(base, params, year_index, seed):
        pass
    return population


def projected_years(base: Population, params: Any, years: int, seed: int) -> Iterator[Population]:
    """``base``, then the population of each of the next ``years`` years, one step at a time
    (:func:`project_step`): projecting Y years costs O(Y), not O(Y²)."""
    population = base
    yield population
    for k in range(1, years + 1):
        population = project_step(population, params, k, base.size, int(seed))
        yield population


def project_step(pop: Population, params: Any, k: int, base_size: int, seed: int) -> Population:
    """Year ``k`` from year ``k − 1`` (one step of :func:`projected_years`, same streams)."""
    rngs = [np.random.default_rng(s)
            for s in np.random.SeedSequence([seed, PROJECTION_TAG, k]).spawn(12)]
    target = int(round(base_size * (1.0 + float(params.growth_rate)) ** k))
    if target < pop.size:
        drop = rngs[0].choice(pop.size, size=pop.size - target, replace=False)
        keep = np.ones(pop.size, dtype=bool)
        keep[drop] = False
        pop = pop.take(keep)
    elif target > pop.size and pop.size > 0:
        m = target - pop.size
        donor = rngs[1].integers(0, pop.size, size=m)
        people = draw_people(params, m, rngs[2:8], year_index=k)
        entrants = Population(**people, village=pop.village[donor], township=pop.township[donor],
                              dist_township_km=pop.dist_township_km[donor],
                              dist_county_km=pop.dist_county_km[donor])
        pop = Population.concat([pop, entrants])

    n_bands = len(params.age_bands)
    age = pop.age_band.astype(np.int64)
    shift = float(params.ageing_shift)
    u = rngs[8].random(pop.size)
    if shift >= 0:
        age = age + ((u < shift) & (age < n_bands - 1))
    else:
        age = age - ((u < -shift) & (age > 0))

    ht_prev, dm_prev = prevalence(params, k)
    hypertension = _incidence(pop.hypertension, age, ht_prev, rngs[9])
    diabetes = _incidence(pop.diabetes, age, dm_prev, rngs[10])
    newly = (hypertension | diabetes) & ~pop.chronic & ~pop.signed
    rate, rate_chronic = float(params.signing_rate), float(params.signing_rate_chronic)
    q = 1.0 if rate >= 1.0 else min(1.0, max(0.0, (rate_chronic - rate) / (1.0 - rate)))
    signed = pop.signed | (newly & (rngs[11].random(pop.size) < q))
    return Population(age_band=age, sex=pop.sex, scheme=pop.scheme, hypertension=hypertension,
                      diabetes=diabetes, signed=signed, village=pop.village, township=pop.township,
                      dist_township_km=pop.dist_township_km, dist_county_km=pop.dist_county_km)


def _incidence(flag: np.ndarray, age: np.ndarray, target: np.ndarray,
               rng: np.random.Generator) -> np.ndarray:
    """Flag uniformly drawn unflagged people of each band up to round(target_b x n_b)."""
    out = flag.copy()
    n_b = np.bincount(age, minlength=len(target))
    flagged_b = np.bincount(age, weights=flag, minlength=len(target))
    for band in range(len(target)):
        need = int(round(target[band] * n_b[band])) - int(flagged_b[band])
        if need > 0:
            candidates = np.flatnonzero((age == band) & ~flag)
            out[rng.choice(candidates, size=min(need, len(candidates)), replace=False)] = True
    return out
