"""simulator.explain and ``mcsim explain``: exact additivity, no change → no parts, one factor at a
time in its own part, bad input → exit 2 naming the key."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import simulator
from simulator.cli import mcsim
from simulator.explain import MEASURES, PARTS, explain
from simulator.explain.shapley import shapley_product

from tests.conftest import REFERENCE, write_scenario

SMALL = ["population.size=2000", "scenario.years=2", "population.seed=11"]
#: a county where a price, benefit or choice change moves nothing else world by world: one
#: case group of severity 1 (no referrals), costs without noise (cost_cv = 0), no choice
#: response to OOP, benefit rules proportional (no per-year deductible, no binding caps),
#: fee-for-service chronic care and a fixed DRG point value
SIMPLE = [*SMALL, "uncertainty.enabled=false", "choice.outpatient.b_oop_per_1000=0",
          "choice.inpatient.b_oop_per_1000=0", "tiers.cost_cv=0", "referral.down_referral_share=0",
          "payment.drg.mode=fixed", 'payment.chronic=["ffs","ffs","ffs","ffs","ffs","ffs"]',
          "benefits.employee.outpatient.deductible=0",
          *(f"benefits.{k}.{s}.annual_limit=1e7" for k in ("resident", "employee") for s in ("outpatient", "chronic")),
          *(f"benefits.{k}.inpatient.annual_cap=1e8" for k in ("resident", "employee"))]
CASEMIX = ("group,name,weight,severity,base_cost,los_mean,post_acute,long_stay,base_group,"
           "share_0-14,share_15-44,share_45-59,share_60-74,share_75+\n"
           "A01,one group,1.2,1,5000,5.0,0,0,0,1,1,1,1,1\n")
PRICES = ['tiers.cost_multiplier_outpatient=[0.22,0.385,0.495,1.1,1.705,1.815]',
          'tiers.cost_multiplier_inpatient=[0.0,0.715,0.825,1.1,1.485,1.595]']  # every tier's prices +10%
#: prices alone move only unit prices when the fund pays a fixed share of every bill
PROPORTIONAL = ['payment.inpatient=["ffs","ffs","ffs","ffs","ffs","ffs"]',
                *(f"benefits.{k}.inpatient.deductible=[0,0,0,0,0,0]" for k in ("resident", "employee"))]
BENEFITS = ['benefits.resident.outpatient.fund_share=[0.75,0.75,0.7,0.65,0.5,0.1]',
            'benefits.resident.inpatient.fund_share=[0.0,0.95,0.9,0.85,0.7,0.6]']
OUTSIDE_ASC = ['choice.outpatient.asc=[-0.709, -0.821, -1.678, 0.000, 0.305, 2.248]',
               'choice.inpatient.asc=[-0.687, -0.904, -1.807, 0.000, -0.085, 0.714]']
#: rounding of sums of a few thousand yuan amounts: far below any real part
EXACT = 1e-9


@pytest.fixture(scope="module")
def simple_path(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("explain_simple")
    return write_scenario(folder, replace=[('source = "builtin:reference"', 'file = "casemix.csv"')],
                          files={"casemix.csv": CASEMIX})


def _simple(path: Path, extra=(), worlds: int = 6) -> simulator.Results:
    return simulator.run(path, overrides=SIMPLE + list(extra), replications=worlds, seed=5)


@pytest.fixture(scope="module")
def reference_runs() -> dict[str, simulator.Results]:
    run = lambda extra=(), seed=3: simulator.run(REFERENCE, overrides=SMALL + list(extra), replications=6, seed=seed)  # noqa: E731
    return {"base": run(), "aca": run(['settlement.rules="aca-corridor"']), "other_seed": run(seed=4),
            "fewer": simulator.run(REFERENCE, overrides=SMALL, replications=4, seed=3)}


@pytest.fixture(scope="module")
def simple_base(simple_path) -> simulator.Results:
    return _simple(simple_path)


def _others(result, measure: str, own: str) -> np.ndarray:
    keep = [i for i, p in enumerate(PARTS) if p != own]
    return result.parts[measure][:, keep]


# ------------------------------------------------------------------------------- the method
def test_shapley_product_is_exact_and_symmetric():
    rng = np.random.default_rng(1)
    a, b = [rng.normal(size=5) for _ in range(4)], [rng.normal(size=5) for _ in range(4)]
    parts = shapley_product(a, b)
    np.testing.assert_allclose(sum(parts), np.prod(b, axis=0) - np.prod(a, axis=0), rtol=1e-12, atol=1e-12)
    swapped = shapley_product(a[::-1], b[::-1])[::-1]  # the order of the factors does not matter
    for x, y in zip(parts, swapped):
        np.testing.assert_allclose(x, y, rtol=1e-12, atol=1e-12)
    two = shapley_product([np.array(2.0), np.array(3.0)], [np.array(4.0), np.array(3.0)])
    assert two[0] == pytest.approx(6.0) and two[1] == 0.0  # an unchanged factor gets exactly 0


@pytest.mark.parametrize("pair", ["years", "runs"])
def test_parts_add_up_exactly_in_every_world(reference_runs, pair):
    runs = reference_runs
    result = explain(runs["base"]) if pair == "years" else explain(runs["base"], runs["aca"])
    for m in MEASURES:
        assert result.closure(m).max() < EXACT, m
        gap = np.abs(result.parts[m].sum(axis=1) - result.change[m])
        assert np.all(gap <= EXACT * np.maximum(np.abs(result.change[m]), 1.0)), m
    assert np.any(result.change["fund_spending"] != 0)
    d = result.to_dict()
    for m in MEASURES:
        assert set(d[m]["parts"]) == set(PARTS) == set(d[m]["lo90"]) == set(d[m]["hi90"])
        assert sum(d[m]["parts"].values()) == pytest.approx(d[m]["change"], rel=1e-9, abs=1e-6)


def test_no_change_gives_all_parts_zero(reference_runs):
    base = reference_runs["base"]
    year = int(base.worlds["year"].max())
    for result in (explain(base, base), explain(base, from_year=year, to_year=year)):
        for m in MEASURES:
            assert np.all(result.parts[m] == 0.0), m
            assert np.all(result.change[m] == 0.0), m


def test_settlement_rules_alone_move_only_the_community_net(simple_path, simple_base):
    other = _simple(simple_path, ['settlement.rules="aca-corridor"'])
    result = explain(simple_base, other)
    for m in ("fund_spending", "total_cost", "balance"):
        assert np.all(result.parts[m] == 0.0), m
    assert np.any(result.change["community_net"] != 0)
    np.testing.assert_allclose(result.parts["community_net"][:, PARTS.index("settlement")],
                               result.change["community_net"], rtol=1e-9, atol=1e-6)


# ------------------------------------------------------------------------------- one factor alone
def test_benefit_alone_is_the_benefit_part(simple_path, simple_base):
    result = explain(simple_base, _simple(simple_path, BENEFITS))
    fund = result.change["fund_spending"]
    assert np.all(fund > 0)
    np.testing.assert_allclose(result.parts["fund_spending"][:, PARTS.index("benefit")], fund, rtol=1e-9)
    assert np.abs(_others(result, "fund_spending", "benefit")).max() <= EXACT * np.abs(fund).max()
    assert np.all(result.change["total_cost"] == 0.0) and np.all(result.parts["total_cost"] == 0.0)


def test_prices_alone_are_the_unit_price_part(simple_path):
    base = _simple(simple_path, PROPORTIONAL)
    result = explain(base, _simple(simple_path, [*PROPORTIONAL, *PRICES]))
    for m in ("fund_spending", "total_cost"):
        change = result.change[m]
        np.testing.assert_allclose(change, 0.1 * result.start[m], rtol=1e-9)  # every price +10%
        np.testing.assert_allclose(result.parts[m][:, PARTS.index("unit_price")], change, rtol=1e-9)
        assert np.abs(_others(result, m, "unit_price")).max() <= EXACT * np.abs(change).max(), m


def test_outside_choice_constants_are_the_tier_shift(simple_path):
    """Only the choice moves; the kernels' one stream per world-year then draws the later visit
    counts from other numbers, so volume is unchanged only in expectation (within its standard
    error); every other part is 0 to rounding."""
    base, shifted = _simple(simple_path, worlds=16), _simple(simple_path, OUTSIDE_ASC, worlds=16)
    result = explain(base, shifted)
    for m in ("fund_spending", "total_cost"):
        parts = result.parts[m]
        tier = parts[:, PARTS.index("tier_shift")]
        volume = parts[:, PARTS.index("volume")]
        se = volume.std(ddof=1) / np.sqrt(len(volume))
        assert abs(volume.mean()) < 4 * se + EXACT, m
        assert abs(tier.mean()) > 4 * tier.std(ddof=1) / np.sqrt(len(tier)), m
        rest = [i for i, p in enumerate(PARTS) if p not in ("tier_shift", "volume")]
        assert np.abs(parts[:, rest]).max() <= EXACT * np.abs(parts).max(), m
    outside = shifted.worlds["county_visit_share"].mean() < base.worlds["county_visit_share"].mean()
    assert outside


def test_population_size_alone_is_mostly_enrolment():
    """A larger county is a new sample of people: volume, case mix and prices per cell move by
    sampling noise, so the enrolment part carries the change within that noise."""
    run = lambda size: simulator.run(REFERENCE, overrides=[f"population.size={size}", "scenario.years=1",  # noqa: E731
                                                           "population.seed=11", "uncertainty.enabled=false",
                                                           "choice.outpatient.b_oop_per_1000=0",
                                                           "choice.inpatient.b_oop_per_1000=0"],
                                     replications=8, seed=5)
    small, large = run(2000), run(3000)
    result = explain(small, large)
    ratio = result.end["fund_spending"] / result.start["fund_spending"]
    for m in ("fund_spending", "total_cost"):
        parts = result.parts[m].mean(axis=0)
        enrolment = parts[PARTS.index("enrolment")]
        assert enrolment == pytest.approx(result.change[m].mean(), rel=0.15), m
        assert enrolment == pytest.approx(0.5 * np.mean(result.start[m]), rel=0.15), m  # 1,000 more of 2,000
        assert abs(parts.sum() - enrolment) < 0.15 * enrolment, m
        assert abs(parts[PARTS.index("benefit")]) < 0.05 * enrolment, m
    assert np.all(ratio > 1.2)


# ------------------------------------------------------------------------------- the command
@pytest.fixture(scope="module")
def folders(reference_runs, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("explain_cli")
    return {name: r.write(root / name, figures=False, report=False) for name, r in reference_runs.items()}


def test_cli_json_parts_add_up(folders):
    out = CliRunner().invoke(mcsim, ["explain", str(folders["base"]), str(folders["aca"]), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert list(data) == list(MEASURES)
    for m, block in data.items():
        assert set(block["parts"]) == set(PARTS)
        assert sum(block["parts"].values()) == pytest.approx(block["change"], rel=1e-9, abs=1e-6)
        assert all(block["lo90"][p] <= block["parts"][p] + 1e-6 <= block["hi90"][p] + 2e-6 for p in PARTS)


def test_cli_text_and_out(folders, tmp_path):
    target = tmp_path / "explain.csv"
    out = CliRunner().invoke(mcsim, ["explain", str(folders["base"]), "--lang", "en", "--out", str(target)])
    assert out.exit_code == 0, out.output
    assert "Tier shift" in out.output and "Fund spending" in out.output
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")
    assert target.with_suffix(".png").stat().st_size > 1000


@pytest.mark.parametrize("args, named", [
    (["base", "--from-year", "1999"], "--from-year"),
    (["base", "--to-year", "3000"], "--to-year"),
    (["base", "other_seed"], "scenario.seed"),
    (["base", "fewer"], "scenario.replications"),
    (["not_results"], "not_results"),
])
def test_cli_bad_input_exits_2_naming_it(folders, tmp_path, args, named):
    (tmp_path / "not_results").mkdir()
    paths = {**{k: str(v) for k, v in folders.items()}, "not_results": str(tmp_path / "not_results")}
    out = CliRunner().invoke(mcsim, ["explain", *(paths.get(a, a) for a in args)])
    assert out.exit_code == 2, out.output
    assert named in out.output


def test_cli_runs_with_other_tiers_exit_2(simple_path, simple_base, tmp_path):
    other = _simple(simple_path, ["tiers.enabled=[true,true,false,true,true,true]"])
    a = simple_base.write(tmp_path / "a", figures=False, report=False)
    b = other.write(tmp_path / "b", figures=False, report=False)
    out = CliRunner().invoke(mcsim, ["explain", str(a), str(b)])
    assert out.exit_code == 2, out.output
    assert "tiers.enabled" in out.output
