"""``mcsim points`` (simulator.commands.points, simulator.payment.caselist) on hand-worked case lists."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import mcsim
from tests.conftest import DRG_RULES

ROOT = Path(__file__).resolve().parents[2]
OUTPUTS = ["base_points", "coefficient", "points", "standard", "class", "reviewed", "payment"]
JSON_KEYS = {"method", "mode", "point_value", "budget_point_value", "pool", "n_cases", "total_points",
             "total_payment", "outlier_payment", "n_normal", "n_high", "n_low", "n_review_candidates",
             "n_special_review", "n_zero", "points_pool_deficit", "cases", "rules"}

DRG = DRG_RULES
# Group A at the county (coefficient 1): mean cost (1000 + 1000 + 400 + 5600) / 4 = 2000, so
# high above 4000 (case 4: paid its fund share 5040 outright) and low below 1000 (case 3: 360).
# Cases 1, 2: 100 points each, standard 100 × 1 × 10 = 1000 yuan, oop 100 and 300.
# Group B at the township (tier "1" and "township" alike; coefficient 0.8): mean 2000, no
# outliers; 200 × 0.8 = 160 points, standard 1600: case 5 normal (oop 200), case 6's oop 1900 >
# 1600, so the fund pays it nothing (class zero).
# Σ points 360, Σ oop 100 + 300 + 200 = 600, Σ yuan 5040 + 360 = 5400.
DRG_CASES = """id,group,cost,oop,weight,tier
1,A,1000,100,1.0,county
2,A,1000,300,1.0,county
3,A,400,40,1.0,3
4,A,5600,560,1.0,县级医院
5,B,2000,200,2.0,1
6,B,2000,1900,2.0,township
"""

DIP = """[payment.dip]
point_value = 3.0
"""
# DIP defaults: standard basis, high 2 (adjusted points), low 0.5 (scaled points), coefficient 1.
# Scores from the list: mean cost of all cases (6000 + 12000) / 6 = 3000; X's mean 2000 → score
# 2000 / 3000 × 1000 = 666.667, standard 666.667 × 3 = 2000; Y's mean 4000 → 1333.333, 4000.
# X 900 < 1000: low, 900 / 2000 × 666.667 = 300 points; X 1600, 3500: normal, 666.667 each.
# Y 1000 < 2000: low, 1000 / 4000 × 1333.333 = 333.333; Y 2500 normal 1333.333;
# Y 8500 > 8000: high, 1333.333 × (8500 / 4000 − 2 + 1) = 1500 points.
# Σ points 300 + 666.667 × 2 + 333.333 + 1333.333 + 1500 = 4800; Σ oop (10 %) = 1800; no yuan.
DIP_CASES = """group,cost,oop
X,900,90
X,1600,160
X,3500,350
Y,1000,100
Y,2500,250
Y,8500,850
"""


def run(*args: str):
    return CliRunner().invoke(mcsim, ["points", *args])


@pytest.fixture
def files(tmp_path):
    """Write name -> text into tmp_path; return a function giving the paths as strings."""
    def write(name: str, text: str) -> str:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return str(path)
    return write


def as_json(*args: str) -> dict:
    result = run(*args, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == JSON_KEYS
    return data


def test_drg_floating_pool_by_hand(files):
    data = as_json(files("c.csv", DRG_CASES), "--rules", files("r.toml", DRG), "--pool", "6000")
    # v = (pool − yuan + oop) / points = (6000 − 5400 + 600) / 360 = 3.3333
    assert data["point_value"] == pytest.approx(1200 / 360, rel=1e-12)
    assert data["budget_point_value"] == 10.0 and data["pool"] == 6000.0 and data["mode"] == "floating"
    assert data["total_points"] == pytest.approx(360.0)
    assert data["total_payment"] == pytest.approx(6000.0)
    assert data["outlier_payment"] == pytest.approx(5400.0)
    assert (data["n_cases"], data["n_high"], data["n_low"], data["n_zero"], data["n_special_review"],
            data["n_normal"]) == (6, 1, 1, 1, 0, 3)
    assert data["points_pool_deficit"] == 0.0 and data["method"] == "drg"


def test_drg_fixed_point_value_by_hand(files):
    data = as_json(files("c.csv", DRG_CASES), "--rules", files("r.toml", DRG), "--point-value", "10")
    # 5400 + 360 × 10 − 600 = 8400; no pool, so no deficit
    assert data["point_value"] == 10.0 and data["budget_point_value"] == 10.0 and data["pool"] is None
    assert data["total_payment"] == pytest.approx(8400.0)
    assert data["points_pool_deficit"] == 0.0 and data["mode"] == "fixed"


def test_drg_band_leaves_a_deficit(files):
    rules = files("r.toml", DRG + "point_value_band = [0.8, 1.2]\n")
    data = as_json(files("c.csv", DRG_CASES), "--rules", rules, "--pool", "6000")
    # 3.333 is below 0.8 × 10: v = 8, payment 5400 + 360 × 8 − 600 = 7680, deficit 7680 − 6000
    assert data["point_value"] == pytest.approx(8.0)
    assert data["total_payment"] == pytest.approx(7680.0)
    assert data["points_pool_deficit"] == pytest.approx(1680.0)


def test_budget_point_value_sets_the_standard(files):
    data = as_json(files("c.csv", DRG_CASES), "--rules", files("r.toml", DRG), "--pool", "6000",
                   "--budget-point-value", "20")
    # at V = 20 case 6's standard is 160 × 20 = 3200 > its oop 1900: a normal case now.
    # points 520, oop 2500, yuan 5400 (group means do not depend on V): v = 3100 / 520
    assert data["n_zero"] == 0 and data["budget_point_value"] == 20.0
    assert data["total_points"] == pytest.approx(520.0)
    assert data["point_value"] == pytest.approx(3100 / 520, rel=1e-12)
    # at v case 6 would be paid 160 v − 1900 < 0: it is paid 0 (never below 0), so the fund pays
    # the pool plus that shortfall, 1900 − 160 v, and records it as the deficit
    shortfall = 1900 - 160 * 3100 / 520
    assert data["total_payment"] == pytest.approx(6000.0 + shortfall)
    assert data["points_pool_deficit"] == pytest.approx(shortfall)


def test_drg_output_file_rows(files, tmp_path):
    out = tmp_path / "booked.csv"
    result = run(files("c.csv", DRG_CASES), "--rules", files("r.toml", DRG), "--pool", "6000", "--out", str(out))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert list(rows[0]) == ["id", "group", "cost", "oop", "weight", "tier", *OUTPUTS]
    assert rows[3]["tier"] == "县级医院"  # input cells pass through as written
    assert [r["class"] for r in rows] == ["normal", "normal", "low", "high", "normal", "zero"]
    assert [float(r["coefficient"]) for r in rows] == [1, 1, 1, 1, 0.8, 0.8]
    assert [float(r["base_points"]) for r in rows] == [100, 100, 100, 100, 200, 200]
    assert [float(r["standard"]) for r in rows] == pytest.approx([1000] * 4 + [1600] * 2)
    assert [float(r["points"]) for r in rows] == pytest.approx([100, 100, 0, 0, 160, 0])
    v = 1200 / 360  # payment = yuan + points × v − oop
    assert [float(r["payment"]) for r in rows] == pytest.approx(
        [100 * v - 100, 100 * v - 300, 360, 5040, 160 * v - 200, 0])
    assert {r["reviewed"] for r in rows} == {"false"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["booked.csv", "c.csv", "r.toml"]


def test_dip_scores_from_the_list_by_hand(files):
    cases, rules = files("c.csv", DIP_CASES), files("r.toml", DIP)
    data = as_json(cases, "--rules", rules, "--point-value", "3")
    assert data["method"] == "dip" and data["total_points"] == pytest.approx(4800.0)
    assert data["total_payment"] == pytest.approx(4800 * 3 - 1800)  # 12,600
    assert (data["n_high"], data["n_low"], data["n_zero"], data["n_special_review"]) == (1, 2, 0, 0)
    data = as_json(cases, "--rules", rules, "--pool", "10000")
    assert data["point_value"] == pytest.approx((10000 + 1800) / 4800, rel=1e-12)
    assert data["total_payment"] == pytest.approx(10000.0)


def test_dip_special_review_by_hand(files, tmp_path):
    # scores given: 100 each, V = 10, standard 1000; review above 5 × 1000, quota 0.25 × 4 = 1 case.
    # R1 2400 > 2 × 1000: high, 100 × (2.4 − 2 + 1) = 140 points; R2 6000, R3 8000: candidates
    # (100 × 5 = 500 and 700 points as booked); R3, the costliest, is reviewed: paid its fund share
    # 7200 instead. R4 1000: normal, 100 points, oop 100.
    # Payments 1400, 5000 − 600, 7200, 1000 − 100: 13,900; points 140 + 500 + 100 = 740.
    cases = files("c.csv", "group,cost,oop,score\nR,2400,0,100\nR,6000,600,100\nR,8000,800,100\nR,1000,100,100\n")
    rules = files("r.toml", DIP + "special_review = {quota = 0.25}\n")
    out = tmp_path / "booked.parquet"
    data = as_json(cases, "--rules", rules, "--point-value", "10", "--out", str(out))
    assert data["total_points"] == pytest.approx(740.0)
    assert data["total_payment"] == pytest.approx(13_900.0)
    assert data["outlier_payment"] == pytest.approx(7200.0)
    assert (data["n_high"], data["n_review_candidates"], data["n_special_review"]) == (3, 2, 1)
    import pandas as pd

    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["group", "cost", "oop", "score", *OUTPUTS]
    assert frame["class"].tolist() == ["high", "review", "review", "normal"]
    assert frame["reviewed"].tolist() == [False, False, True, False]
    assert frame["points"].tolist() == pytest.approx([140, 500, 0, 100])
    assert frame["payment"].tolist() == pytest.approx([1400, 4400, 7200, 900])


def test_table_zh_and_en(files):
    args = (files("c.csv", DRG_CASES), "--rules", files("r.toml", DRG), "--pool", "6,000")
    zh = run(*args)
    assert zh.exit_code == 0, zh.output
    assert "DRG点数法" in zh.stdout and "结算点值 (元/点)" in zh.stdout and "3.3333" in zh.stdout
    assert "6,000.00" in zh.stdout and "reading " in zh.stderr and "6 cases" in zh.stderr
    en = run(*args, "--lang", "en", "--quiet")
    assert "settlement point value (yuan/point)" in en.stdout and "high-cost outliers" in en.stdout
    assert en.stderr == ""


def test_scenario_file_and_method_choice(files, tmp_path):
    scenario = ROOT / "scenarios" / "reference.toml"
    data = as_json(files("c.csv", DRG_CASES), "--rules", str(scenario), "--point-value", "62")
    assert data["method"] == "drg" and data["n_cases"] == 6
    both = files("both.toml", DRG + "\n" + DIP)
    result = run(files("c.csv", DRG_CASES), "--rules", both, "--pool", "6000")
    assert result.exit_code == 2 and "both [payment.drg] and [payment.dip]" in result.stderr
    data = as_json(files("c.csv", DRG_CASES), "--rules", both, "--pool", "6000", "--method", "dip")
    assert data["method"] == "dip"


@pytest.mark.parametrize("args, expected", [
    (["--pool", "6000", "--method", "xyz"], ["Invalid value for '--method'"]),
    (["--pool", "6000", "--point-value", "10"], ["--pool, --point-value: give one, not both"]),
    ([], ["--pool, --point-value: one of them is required"]),
    (["--pool", "lots"], ["--pool: not a number (got 'lots')"]),
    (["--point-value", "-1"], ["--point-value: must be a finite number > 0"]),
    (["--point-value", "10", "--budget-point-value", "9"], ["--budget-point-value: only with --pool"]),
    (["--pool", "1", "--out", "x.txt"], ["--out: x.txt: the name must end in .csv, .xlsx"]),
    (["--pool", "1", "--method", "dip"], ["payment.dip: the file has no [payment.dip] table"]),
])
def test_bad_options_exit_2(files, args, expected):
    result = run(files("c.csv", DRG_CASES), "--rules", files("r.toml", DRG), *args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.stderr


@pytest.mark.parametrize("old, new, expected", [
    ("low_ratio = 0.5", "low_ratio = 2.5", ":7: payment.drg.low_ratio: must be below high_ratio (2)"),
    ("base_groups_uniform = true\n", "", "payment.drg.base_groups_uniform: required key is missing"),
    ("high_ratio = 2.0", "high_ratio = \"2\"", ":6: payment.drg.high_ratio: Input should be a valid number"),
    ("low_ratio = 0.5", "low_ratio = 0.5\nlow_rato = 1",
     ":8: payment.drg.low_rato: unknown key (did you mean 'low_ratio'?)"),
])
def test_bad_rules_file_exit_2(files, tmp_path, old, new, expected):
    rules = files("r.toml", DRG.replace(old, new))
    out = tmp_path / "o.csv"
    result = run(files("c.csv", DRG_CASES), "--rules", rules, "--pool", "6000", "--out", str(out))
    assert result.exit_code == 2, result.output
    assert f"{rules}" in result.stderr and expected in result.stderr
    assert not out.exists()


def test_bad_rows_listed_by_line_nothing_written(files, tmp_path):
    text = ("group,cost,oop,weight,tier\n"
            "A,1000,100,1,county\n"
            "\n"                              # a blank line: later rows keep their file lines
            "A,abc,100,1,county\n"            # line 4
            "A,-5,0,1,county\n"               # line 5
            "A,100,200,1,county\n"            # line 6: oop above cost
            "A,100,10,,county\n"              # line 7: no weight
            "A,100,10,1,moon\n")              # line 8
    cases = files("c.csv", text)
    out = tmp_path / "o.csv"
    result = run(cases, "--rules", files("r.toml", DRG), "--pool", "6000", "--out", str(out))
    assert result.exit_code == 2, result.output
    err = result.stderr
    assert f"{cases}:4: column cost: not a number (got 'abc')" in err
    assert f"{cases}:5: column cost: must be a finite number >= 0 yuan (got '-5')" in err
    assert f"{cases}:6: column oop: the patient's share exceeds the cost (200 > 100)" in err
    assert f"{cases}:7: column weight: not a number (got empty)" in err
    assert f"{cases}:8: column tier: unknown tier 'moon'" in err
    assert not out.exists()


def test_missing_columns_and_empty_lists(files):
    rules = files("r.toml", DRG)
    result = run(files("c.csv", "group,cost,wieght\nA,1,1\n"), "--rules", rules, "--pool", "1")
    assert result.exit_code == 2 and "missing column: weight" in result.stderr
    assert "did you mean 'wieght'?" in result.stderr
    result = run(files("c.csv", "group,cost,weight\n"), "--rules", rules, "--pool", "1")
    assert result.exit_code == 2 and "no cases" in result.stderr
    result = run(str(Path(files("c.csv", "")).with_name("none.csv")), "--rules", rules, "--pool", "1")
    assert result.exit_code == 2 and "case list not found" in result.stderr


def test_output_columns_must_not_clash(files, tmp_path):
    cases = files("c.csv", "group,cost,weight,payment\nA,1000,1,3\n")
    result = run(cases, "--rules", files("r.toml", DRG), "--pool", "1", "--out", str(tmp_path / "o.csv"))
    assert result.exit_code == 2 and "input columns named like outputs: payment" in result.stderr


def test_parquet_in_and_bad_parquet_rows(files, tmp_path):
    import pandas as pd

    frame = pd.read_csv(io.StringIO(DRG_CASES), dtype={"tier": str})
    frame.to_parquet(tmp_path / "c.parquet", index=False)
    data = as_json(str(tmp_path / "c.parquet"), "--rules", files("r.toml", DRG), "--pool", "6000")
    assert data["total_payment"] == pytest.approx(6000.0) and data["n_zero"] == 1
    frame.loc[2, "cost"] = -1.0
    frame.to_parquet(tmp_path / "bad.parquet", index=False)
    result = run(str(tmp_path / "bad.parquet"), "--rules", files("r.toml", DRG), "--pool", "6000")
    assert result.exit_code == 2 and "row 3, column cost: must be a finite number >= 0" in result.stderr


def test_xlsx_in(files, tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for row in csv.reader(io.StringIO(DRG_CASES)):
        sheet.append([float(v) if v.replace(".", "").isdigit() and i in (2, 3, 4) else v
                      for i, v in enumerate(row)])
    sheet.append([7, "A", "text", 0, 1, "county"])  # sheet row 8
    book.save(tmp_path / "bad.xlsx")
    rules = files("r.toml", DRG)
    result = run(str(tmp_path / "bad.xlsx"), "--rules", rules, "--pool", "6000")
    assert result.exit_code == 2 and f"{tmp_path / 'bad.xlsx'}:8: column cost: not a number" in result.stderr
    sheet.delete_rows(8)
    book.save(tmp_path / "c.xlsx")
    data = as_json(str(tmp_path / "c.xlsx"), "--rules", rules, "--pool", "6000")
    assert data["total_payment"] == pytest.approx(6000.0) and data["n_zero"] == 1


def test_library_matches_the_command(files):
    from simulator.payment.caselist import calculate, load_rules, read_cases

    method, params = load_rules(Path(files("r.toml", DRG)))
    cases = read_cases(Path(files("c.csv", DRG_CASES)), method)
    result = calculate(cases, method, params, pool=6000.0)
    assert result.payments().sum() == pytest.approx(result.total_payment)
    assert result.booking.standard.tolist() == pytest.approx([1000] * 4 + [1600] * 2)
    with pytest.raises(ValueError):
        calculate(cases, method, params, pool=1.0, point_value=1.0)


def test_threads_do_not_change_the_booking():
    import numba
    import numpy as np

    from simulator.payment.caselist import CaseList, calculate
    from simulator.payment.params import DipParams

    rng = np.random.default_rng(7)
    n = 20_000
    group = rng.integers(0, 30, n)
    cost = rng.lognormal(8.0, 0.8, n)
    cases = CaseList("x", group, cost, cost * rng.uniform(0.1, 0.5, n), None, None, rng.integers(0, 6, n), {})
    params = DipParams(tier_coefficient=[0.5, 0.8, 0.9, 1.0, 1.2, 1.3], special_review={"quota": 0.01})
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = calculate(cases, "dip", params, pool=float(cost.sum() * 0.6))
    finally:
        numba.set_num_threads(threads)
    many = calculate(cases, "dip", params, pool=float(cost.sum() * 0.6))
    for name in ("points", "oop", "yuan", "klass", "reviewed"):
        assert np.array_equal(getattr(one.booking, name), getattr(many.booking, name)), name
    assert one.total_payment == many.total_payment and one.point_value == many.point_value
    summary = one.summary()  # fewer candidates than the quota's ⌊0.01 × 20,000⌋: all reviewed
    assert 0 < summary["n_special_review"] == summary["n_review_candidates"] <= 200


def test_real_process_json(files):
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "simulator", "points", files("c.csv", DRG_CASES),
                           "--rules", files("r.toml", DRG), "--pool", "6000", "--json"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["total_payment"] == pytest.approx(6000.0)
    assert proc.stderr == ""
