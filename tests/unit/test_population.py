"""simulator.population: synthesis, projection and population files.

Statistical checks use fixed seeds and tolerances of 4 binomial standard errors
(``4 sqrt(p (1 - p) / n)``), not hand-tuned margins.
"""

from __future__ import annotations

import time
from pathlib import Path
from types import SimpleNamespace as NS

import numpy as np
import pytest

from simulator.errors import InputError
from simulator.population import (Population, employee_probability, project_population,
                                  read_population, synthesize_population, write_population)

REPO = Path(__file__).resolve().parents[2]
BANDS = ["0-14", "15-44", "45-59", "60-74", "75+"]
SEED = 20261125
N = 200_000
FIELDS = ("age_band", "sex", "scheme", "hypertension", "diabetes", "signed", "village",
          "township", "dist_township_km", "dist_county_km")


def reference_params(size: int = N, **changes) -> NS:
    """The reference scenario's [population] table (spec/reference_scenario.toml)."""
    values = dict(size=size, growth_rate=-0.004, age_bands=list(BANDS),
                  age_shares=[0.19, 0.36, 0.21, 0.17, 0.07], ageing_shift=0.004,
                  scheme_shares=NS(resident=0.88, employee=0.12),
                  hypertension_prevalence=[0.0, 0.08, 0.30, 0.48, 0.58],
                  diabetes_prevalence=[0.0, 0.03, 0.11, 0.17, 0.19], chronic_trend=0.01,
                  signing_rate=0.40, signing_rate_chronic=0.75, villages=220, townships=16,
                  distance_township_km=NS(mean=6.0, cv=0.6), distance_county_km=NS(mean=35.0, cv=0.5),
                  distance_outside_km=NS(agreement=120.0, other=300.0))
    values.update(changes)
    return NS(**values)


def within_4se(observed: float, p: float, n: int) -> bool:
    return abs(observed - p) <= 4.0 * np.sqrt(p * (1.0 - p) / n)


def same(a: Population, b: Population) -> bool:
    return all(np.array_equal(getattr(a, f), getattr(b, f)) for f in FIELDS)


@pytest.fixture(scope="module")
def params() -> NS:
    return reference_params()


@pytest.fixture(scope="module")
def pop(params) -> Population:
    return synthesize_population(params, SEED)


# -- synthesis ----------------------------------------------------------------------------------

def test_dtypes_and_sizes(pop):
    assert pop.size == N
    assert pop.age_band.dtype == np.int8 and pop.sex.dtype == np.int8 and pop.scheme.dtype == np.int8
    assert pop.hypertension.dtype == bool and pop.signed.dtype == bool
    assert pop.village.dtype == np.int32 and pop.dist_county_km.dtype == np.float64
    assert pop.counts_by_scheme().sum() == N
    assert pop.counts_by_age_scheme(len(BANDS)).sum() == N
    np.testing.assert_array_equal(pop.chronic, pop.hypertension | pop.diabetes)
    with pytest.raises(ValueError):
        pop.age_band[0] = 1  # read-only


def test_age_shares_within_sampling_error(pop, params):
    observed = np.bincount(pop.age_band, minlength=len(BANDS)) / N
    for got, p in zip(observed, params.age_shares):
        assert within_4se(got, p, N)


def test_scheme_share_within_sampling_error_and_concentrated_in_working_ages(pop):
    employee = pop.scheme == 1
    assert within_4se(employee.mean(), 0.12, N)
    working = (pop.age_band == 1) | (pop.age_band == 2)
    assert employee[working].mean() > 0.12 > employee[pop.age_band == 0].mean()


def test_employee_probability_is_exact_in_expectation():
    for share in (0.0, 0.12, 0.5, 0.9, 1.0):
        p = employee_probability(BANDS, [0.19, 0.36, 0.21, 0.17, 0.07], share)
        assert np.all((p >= 0) & (p <= 1))
        assert float(np.dot([0.19, 0.36, 0.21, 0.17, 0.07], p)) == pytest.approx(share, abs=1e-9)


def test_prevalence_by_band_within_sampling_error(pop, params):
    for band in range(len(BANDS)):
        in_band = pop.age_band == band
        n = int(in_band.sum())
        for flag, prevalence in ((pop.hypertension, params.hypertension_prevalence),
                                 (pop.diabetes, params.diabetes_prevalence)):
            p = prevalence[band]
            if p == 0.0:
                assert not flag[in_band].any()
            else:
                assert within_4se(flag[in_band].mean(), p, n)


def test_signing_within_sampling_error(pop):
    chronic = pop.chronic
    assert within_4se(pop.signed[chronic].mean(), 0.75, int(chronic.sum()))
    assert within_4se(pop.signed[~chronic].mean(), 0.40, int((~chronic).sum()))


def test_geography(pop, params):
    assert pop.village.min() >= 0 and pop.village.max() < params.villages
    assert pop.township.min() >= 0 and pop.township.max() < params.townships
    # one township and one pair of distances per village
    for column in ("township", "dist_township_km", "dist_county_km"):
        values = getattr(pop, column)
        first = np.full(params.villages, np.nan)
        first[pop.village[::-1]] = values[::-1]
        np.testing.assert_array_equal(first[pop.village], values)
    # village-level distances: Gamma(mean, cv); mean within 4 standard errors (sd = mean x cv)
    villages = np.unique(pop.village, return_index=True)[1]
    for column, dist in (("dist_township_km", params.distance_township_km),
                         ("dist_county_km", params.distance_county_km)):
        d = getattr(pop, column)[villages]
        assert np.all(d > 0)
        assert abs(d.mean() - dist.mean) <= 4 * dist.mean * dist.cv / np.sqrt(len(d))


def test_same_seed_same_population_other_seed_different(params):
    small = reference_params(size=20_000)
    a = synthesize_population(small, SEED)
    assert same(a, synthesize_population(small, SEED))
    b = synthesize_population(small, SEED + 1)
    assert not np.array_equal(a.age_band, b.age_band)
    assert not np.array_equal(a.dist_county_km, b.dist_county_km)


def test_global_rng_is_untouched(params):
    np.random.seed(1)
    before = np.random.random()
    np.random.seed(1)
    synthesize_population(reference_params(size=1_000), SEED)
    assert np.random.random() == before


def test_synthesizes_reference_size_quickly():
    params = reference_params(size=450_000)
    synthesize_population(params, 1)  # first call pays imports
    start = time.perf_counter()
    synthesize_population(params, SEED)
    assert time.perf_counter() - start < 1.0


# -- projection ---------------------------------------------------------------------------------

def test_year_zero_is_the_base(pop, params):
    assert project_population(pop, params, 0, SEED) is pop


def test_headcount_follows_growth(params):
    base = synthesize_population(reference_params(size=50_000), SEED)
    for k in (1, 2, 5):
        assert project_population(base, params, k, SEED).size == round(50_000 * 0.996**k)
    growing = reference_params(size=50_000, growth_rate=0.02)
    later = project_population(base, growing, 3, SEED)
    assert later.size == round(50_000 * 1.02**3)
    # newcomers live in existing villages, with those villages' township and distances
    new = slice(base.size, later.size)
    for village, township, dist in zip(later.village[new][:200], later.township[new][:200],
                                       later.dist_county_km[new][:200]):
        home = base.village == village
        assert np.all(base.township[home] == township) and np.all(base.dist_county_km[home] == dist)


def test_ageing_shifts_shares_up(pop):
    shift = 0.02
    params = reference_params(ageing_shift=shift, growth_rate=0.0)
    later = project_population(pop, params, 5, SEED)
    before = np.bincount(pop.age_band, minlength=5) / pop.size
    after = np.bincount(later.age_band, minlength=5) / later.size
    assert after[0] < before[0] and after[-1] > before[-1]
    expected = before.copy()
    for _ in range(5):  # s'_b = s_b (1 - a) + s_{b-1} a, last band keeps its people
        moved = expected[:-1] * shift
        expected[:-1] -= moved
        expected[1:] += moved
    for got, p in zip(after, expected):
        assert within_4se(got, p, later.size)


def test_prevalence_grows_by_chronic_trend(pop, params):
    k = 5
    later = project_population(pop, params, k, SEED)
    for band in range(1, len(BANDS)):
        in_band = later.age_band == band
        n = int(in_band.sum())
        for flag, prevalence in ((later.hypertension, params.hypertension_prevalence),
                                 (later.diabetes, params.diabetes_prevalence)):
            target = prevalence[band] * (1 + params.chronic_trend) ** k
            got = flag[in_band].mean()
            assert got >= target - 1.0 / n
            assert got <= target + 4 * np.sqrt(target * (1 - target) / n)
    assert not later.hypertension[later.age_band == 0].any()


def test_people_keep_flags_scheme_and_home_without_growth(pop):
    params = reference_params(growth_rate=0.0)
    later = project_population(pop, params, 3, SEED)  # no removals: same people, same order
    assert later.size == pop.size
    for flag in ("hypertension", "diabetes", "signed"):
        assert np.all(getattr(later, flag) >= getattr(pop, flag)), flag  # no remission, no un-signing
    for column in ("sex", "scheme", "village", "township", "dist_township_km", "dist_county_km"):
        np.testing.assert_array_equal(getattr(later, column), getattr(pop, column))
    assert np.all((later.age_band - pop.age_band >= 0) & (later.age_band - pop.age_band <= 3))


def test_newly_chronic_sign_like_the_chronic(pop, params):
    later = project_population(pop, params, 5, SEED)
    assert within_4se(later.signed[later.chronic].mean(), 0.75, int(later.chronic.sum()))
    assert later.signed.mean() > pop.signed.mean()


def test_projection_is_deterministic(params):
    base = synthesize_population(reference_params(size=20_000), SEED)
    a = project_population(base, params, 3, SEED)
    assert same(a, project_population(base, params, 3, SEED))
    assert not same(a, project_population(base, params, 3, SEED + 1))
    with pytest.raises(ValueError):
        project_population(base, params, -1, SEED)


# -- files ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["people.parquet", "people.csv"])
def test_write_read_round_trip(tmp_path, name):
    small = synthesize_population(reference_params(size=3_000), SEED)
    write_population(small, tmp_path / name, BANDS)
    assert same(read_population(tmp_path / name, age_bands=BANDS), small)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


def test_shipped_sample_file():
    sample = read_population(REPO / "data" / "synthetic" / "people_sample.parquet", age_bands=BANDS)
    assert sample.size == 5_000
    assert same(sample, synthesize_population(reference_params(size=5_000), SEED))


def test_codes_or_labels_accepted(tmp_path):
    (tmp_path / "p.csv").write_text(
        "age_band,sex,scheme,hypertension,diabetes,signed,village,township,dist_township_km,dist_county_km\n"
        "4,1,1,true,0,1,3,1,2.5,30\n"
        "75+,male,employee,1,false,True,3,1,2.5,30\n", encoding="utf-8")
    got = read_population(tmp_path / "p.csv", age_bands=BANDS)
    assert got.size == 2
    assert np.all(got.age_band == 4) and np.all(got.sex == 1) and np.all(got.scheme == 1)
    assert got.hypertension.all() and not got.diabetes.any() and got.signed.all()


GOOD_ROW = "45-59,0,resident,0,1,1,7,2,4.0,28.5"
HEADER = "age_band,sex,scheme,hypertension,diabetes,signed,village,township,dist_township_km,dist_county_km"


@pytest.mark.parametrize("column, value, expected", [
    ("age_band", "90-99", "unknown value '90-99'"),
    ("age_band", "7", "unknown value '7'"),
    ("sex", "2", "unknown value '2'"),
    ("scheme", "farmer", "unknown value 'farmer'"),
    ("hypertension", "maybe", "must be 0 or 1"),
    ("signed", "", "must be 0 or 1 (got empty)"),
    ("village", "-3", "must be an integer id >= 0 (got -3)"),
    ("township", "1.5", "must be an integer id >= 0 (got 1.5)"),
    ("dist_township_km", "-1", "must be a distance >= 0 km (got -1)"),
    ("dist_county_km", "far", "not a number"),
])
def test_bad_population_cell_reports_line_and_column(tmp_path, column, value, expected):
    cells = GOOD_ROW.split(",")
    cells[HEADER.split(",").index(column)] = value
    (tmp_path / "p.csv").write_text("\n".join([HEADER, GOOD_ROW, GOOD_ROW, ",".join(cells), GOOD_ROW])
                                    + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_population(tmp_path / "p.csv", age_bands=BANDS)
    assert len(info.value.problems) == 1
    assert f"p.csv:4: column {column}: {expected}" in str(info.value)


def test_many_bad_rows_are_summarised(tmp_path):
    bad = GOOD_ROW.replace("resident", "nobody")
    (tmp_path / "p.csv").write_text("\n".join([HEADER] + [bad] * 50) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_population(tmp_path / "p.csv", age_bands=BANDS)
    assert len(info.value.problems) == 21 and "30 more rows" in str(info.value)


def test_missing_columns_and_file(tmp_path):
    (tmp_path / "p.csv").write_text("age_band,sex\n0-14,1\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_population(tmp_path / "p.csv", age_bands=BANDS)
    assert "missing columns: scheme, hypertension" in str(info.value)
    with pytest.raises(InputError) as info:
        read_population(tmp_path / "none.parquet", age_bands=BANDS)
    assert info.value.problems[0].path == "population.file"


def test_bad_parquet_rows_reported(tmp_path):
    import pandas as pd

    small = synthesize_population(reference_params(size=10), SEED)
    write_population(small, tmp_path / "p.parquet", BANDS)
    frame = pd.read_parquet(tmp_path / "p.parquet")
    frame["sex"] = frame["sex"].astype("int64")
    frame.loc[1, "sex"] = 5
    frame["dist_county_km"] = frame["dist_county_km"].astype("float64")
    frame.loc[6, "dist_county_km"] = float("nan")
    frame.to_parquet(tmp_path / "p.parquet", index=False)
    with pytest.raises(InputError) as info:
        read_population(tmp_path / "p.parquet", age_bands=BANDS)
    text = str(info.value)
    assert "p.parquet: row 2, column sex: unknown value 5" in text
    assert "row 7, column dist_county_km: not a number (empty)" in text
