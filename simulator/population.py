"""Insured population: synthesis from the scenario, projection across years, file input/output.

People are columns (one numpy array per attribute, DESIGN.md section 2 "Population"). The
synthesizer and the projection state these assumptions (``[population]`` keys in brackets):

Synthesis (:func:`synthesize_population`), each person independently:

- age band ~ Categorical(``age_shares``); sex male with probability :data:`MALE_SHARE` (facts.md
  gives no sex ratio; sex does not enter the model yet);
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

Projection (:func:`project_population`), year k built from year k-1 with its own stream
``SeedSequence([seed, PROJECTION_TAG, k])``, in this order:

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

Scheme, sex, village and distances do not change for a person. Randomness comes only from
``numpy.random.Generator`` streams built from ``SeedSequence([seed, tag, ...])``; no global RNG.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from simulator.atomic import write_with
from simulator.errors import ProblemList, file_stamp
from simulator.tabular import read_table

#: Stream tags: synthesis uses SeedSequence([seed, POPULATION_TAG]), projection year k
#: SeedSequence([seed, PROJECTION_TAG, k]). Other modules must use other tags.
POPULATION_TAG = 0x706F70   # "pop"
PROJECTION_TAG = 0x70726A   # "prj"

#: Probability that a synthetic person is male (assumption; not in facts.md).
MALE_SHARE = 0.5
#: Relative propensity to be an employee-scheme member under 15, 15-59 and 60+ (assumptions).
CHILD_PROPENSITY = 0.02
WORKING_PROPENSITY = 1.0
RETIREE_PROPENSITY = 0.5
#: Gamma shape of village-size weights (assumption: villages differ, cv = 1/sqrt(2)).
VILLAGE_SIZE_SHAPE = 2.0

#: Scheme codes: index = code in ``Population.scheme``.
SCHEMES = ("resident", "employee")
SEXES = ("female", "male")

#: Columns of a population file, in the order :func:`write_population` writes them.
COLUMNS = ("age_band", "sex", "scheme", "hypertension", "diabetes", "signed", "village",
           "township", "dist_township_km", "dist_county_km")

_DTYPES = {"age_band": np.int8, "sex": np.int8, "scheme": np.int8, "hypertension": np.bool_,
           "diabetes": np.bool_, "signed": np.bool_, "village": np.int32, "township": np.int32,
           "dist_township_km": np.float64, "dist_county_km": np.float64}


@dataclass(frozen=True)
class Population:
    """Insured persons, one entry per person in each (read-only) array.

    Attributes
    ----------
    age_band : int8, index into ``[population].age_bands``.
    sex : int8, 0 female, 1 male.
    scheme : int8, 0 resident (城乡居民), 1 employee (职工).
    hypertension, diabetes : bool chronic flags.
    signed : bool, family-doctor signing (家庭医生签约).
    village, township : int32 ids of the home village and its township.
    dist_township_km, dist_county_km : float64 km from the home village to the township seat /
        sub-centre and to the county seat.
    """

    age_band: np.ndarray
    sex: np.ndarray
    scheme: np.ndarray
    hypertension: np.ndarray
    diabetes: np.ndarray
    signed: np.ndarray
    village: np.ndarray
    township: np.ndarray
    dist_township_km: np.ndarray
    dist_county_km: np.ndarray

    def __post_init__(self) -> None:
        n = None
        for f in fields(self):
            value = np.array(getattr(self, f.name), dtype=_DTYPES[f.name])
            if value.ndim != 1:
                raise ValueError(f"Population.{f.name} must be one-dimensional")
            if n is None:
                n = len(value)
            elif len(value) != n:
                raise ValueError(f"Population.{f.name} has {len(value)} entries, age_band has {n}")
            value.setflags(write=False)
            object.__setattr__(self, f.name, value)

    @property
    def size(self) -> int:
        return len(self.age_band)

    @property
    def chronic(self) -> np.ndarray:
        """bool, hypertension or diabetes (两病)."""
        return self.hypertension | self.diabetes

    def counts_by_scheme(self) -> np.ndarray:
        """int64 (2,): people in [resident, employee]."""
        return self._scheme_counts.copy()

    @functools.cached_property
    def _scheme_counts(self) -> np.ndarray:
        return np.bincount(self.scheme, minlength=len(SCHEMES)).astype(np.int64)

    @functools.cached_property
    def kernel_columns(self) -> tuple[np.ndarray, ...]:
        """(age_band, scheme, chronic, signed, village) as contiguous int64 arrays, the world
        kernel's person arguments; computed once per population (a batch reuses populations)."""
        columns = tuple(np.ascontiguousarray(a, dtype=np.int64) for a in
                        (self.age_band, self.scheme, self.chronic, self.signed, self.village))
        for a in columns:
            a.setflags(write=False)
        return columns

    def counts_by_age_scheme(self, n_bands: int) -> np.ndarray:
        """int64 (n_bands, 2): people by age band and scheme."""
        cell = self.age_band.astype(np.int64) * len(SCHEMES) + self.scheme
        counts = np.bincount(cell, minlength=n_bands * len(SCHEMES))
        return counts.reshape(n_bands, len(SCHEMES)).astype(np.int64)

    def take(self, index: np.ndarray) -> Population:
        """The people selected by a bool mask or an index array, in that order."""
        return Population(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: Sequence[Population]) -> Population:
        return Population(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                             for f in fields(Population)})


# ---------------------------------------------------------------------------------------------
# Synthesis
# ---------------------------------------------------------------------------------------------

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
    people = _draw_people(params, n, streams[2:8], year_index=0)
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
    if cv <= 0.0:
        return np.full(size, float(mean))
    shape = 1.0 / cv**2
    return rng.gamma(shape, mean / shape, size=size)


def _villages(params: Any, rng: np.random.Generator):
    n_villages, n_townships = int(params.villages), int(params.townships)
    township = rng.permutation(np.arange(n_villages) % n_townships).astype(np.int32)
    weight = rng.gamma(VILLAGE_SIZE_SHAPE, 1.0, size=n_villages)
    d_town = _gamma(rng, float(params.distance_township_km.mean),
                    float(params.distance_township_km.cv), n_villages)
    d_county = _gamma(rng, float(params.distance_county_km.mean),
                      float(params.distance_county_km.cv), n_villages)
    return township, weight / weight.sum(), d_town, d_county


def _prevalence(params: Any, year_index: int) -> tuple[np.ndarray, np.ndarray]:
    growth = (1.0 + float(params.chronic_trend)) ** year_index
    ht = np.clip(np.asarray(params.hypertension_prevalence, dtype=np.float64) * growth, 0.0, 1.0)
    dm = np.clip(np.asarray(params.diabetes_prevalence, dtype=np.float64) * growth, 0.0, 1.0)
    return ht, dm


def _draw_people(params: Any, n: int, rngs: Sequence[np.random.Generator],
                 year_index: int) -> dict[str, np.ndarray]:
    """Age, sex, scheme, chronic flags and signing of ``n`` new people (six streams)."""
    shares = np.asarray(params.age_shares, dtype=np.float64)
    age = rngs[0].choice(len(shares), size=n, p=shares / shares.sum()).astype(np.int8)
    sex = (rngs[1].random(n) < MALE_SHARE).astype(np.int8)
    p_employee = employee_probability(params.age_bands, shares, params.scheme_shares.employee)
    scheme = (rngs[2].random(n) < p_employee[age]).astype(np.int8)
    ht_prev, dm_prev = _prevalence(params, year_index)
    hypertension = rngs[3].random(n) < ht_prev[age]
    diabetes = rngs[4].random(n) < dm_prev[age]
    rate = np.where(hypertension | diabetes, float(params.signing_rate_chronic),
                    float(params.signing_rate))
    signed = rngs[5].random(n) < rate
    return dict(age_band=age, sex=sex, scheme=scheme, hypertension=hypertension,
                diabetes=diabetes, signed=signed)


# ---------------------------------------------------------------------------------------------
# Projection
# ---------------------------------------------------------------------------------------------

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
        people = _draw_people(params, m, rngs[2:8], year_index=k)
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

    ht_prev, dm_prev = _prevalence(params, k)
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


# ---------------------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------------------

def read_population(path: str | Path, *, age_bands: Sequence[str],
                    key: str = "population.file") -> Population:
    """Read a population file (parquet, or CSV by suffix), one row per insured person.

    Columns (:data:`COLUMNS`): ``age_band`` (a label of ``age_bands`` or its 0-based index),
    ``sex`` (0/1 or female/male), ``scheme`` (resident/employee or 0/1), ``hypertension``,
    ``diabetes``, ``signed`` (0/1 or true/false), ``village``, ``township`` (integer ids >= 0),
    ``dist_township_km``, ``dist_county_km`` (km >= 0). Other columns are ignored.

    Raises
    ------
    InputError
        with every problem: missing file or columns, bad cells by column and CSV line / row.

    A file is parsed once per :func:`~simulator.errors.file_stamp` (validating a scenario and
    running it read the same file; a Population's arrays are read-only, so sharing is safe).
    """
    stamp = file_stamp(Path(path))
    if stamp is not None:
        return _read_population_cached(stamp, tuple(age_bands), key)
    return _read_population(Path(path), tuple(age_bands), key)


@functools.lru_cache(maxsize=4)
def _read_population_cached(stamp: tuple[str, int, int], age_bands: tuple[str, ...], key: str) -> Population:
    return _read_population(Path(stamp[0]), age_bands, key)


def _read_population(path: Path, age_bands: tuple[str, ...], key: str) -> Population:
    problems = ProblemList(title="invalid population file")
    table = read_table(Path(path), key=key, what="population", problems=problems)
    table.require(problems, COLUMNS)
    if table.n_rows == 0:
        problems.items.append(table.problem(None, None, "the population file has no people"))
    out: dict[str, np.ndarray] = {}
    for column, labels in (("age_band", tuple(age_bands)), ("sex", SEXES), ("scheme", SCHEMES)):
        if column in table.columns:
            codes, bad = table.codes(column, labels)
            allowed = ", ".join(labels)
            table.report(problems, column, bad, lambda r, c=column: f"unknown value {table.shown(c, r)}",
                         hint=f"use one of {allowed} or its index 0-{len(labels) - 1}")
            out[column] = codes
    table.flag_columns(problems, ("hypertension", "diabetes", "signed"), out)
    for column in ("village", "township"):
        if column in table.columns:
            values, bad = table.numbers(column)
            table.report(problems, column, bad, lambda r, c=column: f"not a number ({table.shown(c, r)})")
            invalid = ~bad & ~((values >= 0) & (values == np.round(values)) & (values < 2**31))
            table.report(problems, column, invalid,
                         lambda r, v=values: f"must be an integer id >= 0 (got {v[r]:g})")
            out[column] = np.where(bad | invalid, 0, values)
    for column in ("dist_township_km", "dist_county_km"):
        if column in table.columns:
            values, bad = table.numbers(column)
            table.report(problems, column, bad, lambda r, c=column: f"not a number ({table.shown(c, r)})")
            invalid = ~bad & ~(np.isfinite(values) & (values >= 0))
            table.report(problems, column, invalid,
                         lambda r, v=values: f"must be a distance >= 0 km (got {v[r]:g})")
            out[column] = values
    problems.raise_if_any()
    return Population(**out)


def write_population(pop: Population, path: str | Path, age_bands: Sequence[str]) -> None:
    """Write ``pop`` as parquet (CSV if ``path`` ends in ``.csv``), atomically.

    ``age_band`` and ``scheme`` are written as labels, flags as booleans; :func:`read_population`
    reads the file back to an identical population.
    """
    import pyarrow as pa

    path = Path(path)
    bands = pa.array(list(age_bands), type=pa.string())
    columns = {
        "age_band": pa.DictionaryArray.from_arrays(pa.array(pop.age_band, type=pa.int8()), bands),
        "sex": pa.array(pop.sex, type=pa.int8()),
        "scheme": pa.DictionaryArray.from_arrays(pa.array(pop.scheme, type=pa.int8()),
                                                 pa.array(list(SCHEMES), type=pa.string())),
        "hypertension": pa.array(pop.hypertension), "diabetes": pa.array(pop.diabetes),
        "signed": pa.array(pop.signed),
        "village": pa.array(pop.village, type=pa.int32()),
        "township": pa.array(pop.township, type=pa.int32()),
        "dist_township_km": pa.array(pop.dist_township_km, type=pa.float64()),
        "dist_county_km": pa.array(pop.dist_county_km, type=pa.float64()),
    }
    if path.suffix.lower() == ".csv":
        import pyarrow.csv as pacsv

        plain = pa.table({name: (col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col)
                          for name, col in columns.items()})
        write_with(path, lambda tmp: pacsv.write_csv(plain, tmp))
    else:
        import pyarrow.parquet as pq

        write_with(path, lambda tmp: pq.write_table(pa.table(columns), tmp))
