"""Population synthesis: the base-year insured persons drawn from the scenario's ``[population]``.

:func:`synthesize_population` draws each person independently (``[population]`` keys in brackets):

- age band ~ Categorical(``age_shares``); sex male with probability :data:`MALE_SHARE` (no source
  gives a sex ratio, docs/data-sources.md; sex does not enter the model yet);
- scheme employee (职工) with probability ``p_b = min(1, c x r_b)`` for age band b, where the
  propensity ``r_b`` is 1 for working ages 15-59, :data:`RETIREE_PROPENSITY` for 60+ (retired
  employees keep 职工医保) and :data:`CHILD_PROPENSITY` under 15 (children are insured as
  residents), averaged over the years a band spans; ``c`` solves ``sum_b age_share_b p_b =
  scheme_shares.employee``, so the overall employee share is exact in expectation;
- hypertension ~ Bernoulli(``hypertension_prevalence[b]``), diabetes ~
  Bernoulli(``diabetes_prevalence[b]``), independent given the band (comorbidity is not modelled);
- signed (家庭医生签约) ~ Bernoulli(``signing_rate_chronic``) for people with a chronic flag,
  Bernoulli(``signing_rate``) otherwise;
- geography: the ``villages`` villages are dealt evenly over the ``townships`` townships in a
  random order; village sizes are Gamma(shape :data:`VILLAGE_SIZE_SHAPE`) weights (coefficient of
  variation 0.71) and people are placed by those weights; each village has one distance to its
  township and one to the county seat, each Gamma with the scenario's mean and cv
  (shape ``1 / cv^2``, scale ``mean x cv^2``); people take their village's distances.

New entrants of a projected year (:mod:`simulator.population_projection`) are drawn by
:func:`draw_people` too, at that year's :func:`prevalence`. Randomness comes only from
``numpy.random.Generator`` streams built from ``SeedSequence([seed, tag, ...])``; no global RNG.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

import numpy as np

from simulator.population_columns import Population

#: Stream tag: synthesis uses SeedSequence([seed, POPULATION_TAG]). Other modules must use other tags.
POPULATION_TAG = 0x706F70   # "pop"

#: Probability that a synthetic person is male (assumption; no source gives it, docs/data-sources.md).
MALE_SHARE = 0.5
#: Relative propensity to be an employee-scheme member under 15, 15-59 and 60+ (assumptions).
CHILD_PROPENSITY = 0.02
WORKING_PROPENSITY = 1.0
RETIREE_PROPENSITY = 0.5
#: Gamma shape of village-size weights (assumption: villages differ, cv = 1/sqrt(2)).
VILLAGE_SIZE_SHAPE = 2.0


def synthesize_population(params: Any, seed: int) -> Population:
    """Draw ``params.size`` insured persons from the ``[population]`` parameters.

    Parameters
    ----------
    params : the ``[population]`` table (attributes named like its TOML keys).
    seed : scenario seed; the population uses stream ``SeedSequence([seed, POPULATION_TAG])``.

    Returns
    -------
    Population with ``params.size`` people (formulas in the module docstring).
    """
    n = int(params.size)
    streams = [np.random.default_rng(s)
               for s in np.random.SeedSequence([int(seed), POPULATION_TAG]).spawn(8)]
    village_township, village_weight, d_town, d_county = _villages(params, streams[0])
    village = streams[1].choice(len(village_weight), size=n, p=village_weight).astype(np.int32)
    people = draw_people(params, n, streams[2:8], year_index=0)
    return Population(**people, village=village, township=village_township[village],
                      dist_township_km=d_town[village], dist_county_km=d_county[village])


def employee_probability(age_bands: Sequence[str], age_shares: Sequence[float],
                         employee_share: float) -> np.ndarray:
    """Probability of the employee scheme by age band (module docstring), float64 (n_bands,)."""
    shares = np.asarray(age_shares, dtype=np.float64)
    shares = shares / shares.sum()
    propensity = np.array([_band_propensity(b) for b in age_bands], dtype=np.float64)
    target = float(employee_share)
    if target <= 0.0:
        return np.zeros(len(shares))
    if target >= 1.0:
        return np.ones(len(shares))
    lo, hi = 0.0, 1.0
    while float(shares @ np.minimum(1.0, hi * propensity)) < target:
        hi *= 2.0
    for _ in range(200):  # bisection on the scale c of min(1, c r); the mean is monotone in c
        mid = 0.5 * (lo + hi)
        if float(shares @ np.minimum(1.0, mid * propensity)) < target:
            lo = mid
        else:
            hi = mid
    return np.minimum(1.0, hi * propensity)


def _band_propensity(label: str) -> float:
    """Average employee propensity over the ages a band spans ('15-44', '75+'); 1 if unparsed."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)|\+)\s*", label)
    if not match:
        return WORKING_PROPENSITY
    lo = int(match.group(1))
    hi = int(match.group(2)) + 1 if match.group(2) else lo + 15
    ages = np.arange(lo, max(hi, lo + 1))
    value = np.where(ages < 15, CHILD_PROPENSITY,
                     np.where(ages < 60, WORKING_PROPENSITY, RETIREE_PROPENSITY))
    return float(value.mean())


def _gamma(rng: np.random.Generator, mean: float, cv: float, size: int) -> np.ndarray:
    """``size`` Gamma draws of mean ``mean`` and coefficient of variation ``cv`` (constant if cv <= 0)."""
    if cv <= 0.0:
        return np.full(size, float(mean))
    shape = 1.0 / cv**2
    return rng.gamma(shape, mean / shape, size=size)


def _villages(params: Any, rng: np.random.Generator):
    """Township id (int32), size weight (summing to 1) and km to the township and to the county
    seat of each village."""
    n_villages, n_townships = int(params.villages), int(params.townships)
    township = rng.permutation(np.arange(n_villages) % n_townships).astype(np.int32)
    weight = rng.gamma(VILLAGE_SIZE_SHAPE, 1.0, size=n_villages)
    d_town = _gamma(rng, float(params.distance_township_km.mean),
                    float(params.distance_township_km.cv), n_villages)
    d_county = _gamma(rng, float(params.distance_county_km.mean),
                      float(params.distance_county_km.cv), n_villages)
    return township, weight / weight.sum(), d_town, d_county


def prevalence(params: Any, year_index: int) -> tuple[np.ndarray, np.ndarray]:
    """Hypertension and diabetes prevalence by age band in year ``year_index``, float64 (n_bands,)
    each: ``min(1, prevalence_b x (1 + chronic_trend)^year_index)``."""
    growth = (1.0 + float(params.chronic_trend)) ** year_index
    ht = np.clip(np.asarray(params.hypertension_prevalence, dtype=np.float64) * growth, 0.0, 1.0)
    dm = np.clip(np.asarray(params.diabetes_prevalence, dtype=np.float64) * growth, 0.0, 1.0)
    return ht, dm


def draw_people(params: Any, n: int, rngs: Sequence[np.random.Generator],
                 year_index: int) -> dict[str, np.ndarray]:
    """Age, sex, scheme, chronic flags and signing of ``n`` new people (six streams)."""
    shares = np.asarray(params.age_shares, dtype=np.float64)
    age = rngs[0].choice(len(shares), size=n, p=shares / shares.sum()).astype(np.int8)
    sex = (rngs[1].random(n) < MALE_SHARE).astype(np.int8)
    p_employee = employee_probability(params.age_bands, shares, params.scheme_shares.employee)
    scheme = (rngs[2].random(n) < p_employee[age]).astype(np.int8)
    ht_prev, dm_prev = prevalence(params, year_index)
    hypertension = rngs[3].random(n) < ht_prev[age]
    diabetes = rngs[4].random(n) < dm_prev[age]
    rate = np.where(hypertension | diabetes, float(params.signing_rate_chronic),
                    float(params.signing_rate))
    signed = rngs[5].random(n) < rate
    return dict(age_band=age, sex=sex, scheme=scheme, hypertension=hypertension,
                diabetes=diabetes, signed=signed)
