"""Excel in and out across the commands: xlsx inputs (first sheet or --sheet, zh-label headers)
and xlsx outputs (machine keys in row 1, a labels sheet) that read back with pandas."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.cli import mcsim
from simulator.settlement import OUTPUTS
from tests.conftest import DRG_RULES

openpyxl = pytest.importorskip("openpyxl")

ROOT = Path(__file__).resolve().parents[2]
DRG = DRG_RULES
CASES = [["id", "group", "cost", "oop", "weight", "tier"],
         [1, "A", 1000, 100, 1.0, "county"], [2, "A", 1000, 300, 1.0, "county"],
         [3, "A", 400, 40, 1.0, 3], [4, "A", 5600, 560, 1.0, "县级医院"],
         [5, "B", 2000, 200, 2.0, 1], [6, "B", 2000, 1900, 2.0, "township"]]


def run(*args: str):
    return CliRunner().invoke(mcsim, list(args))


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


# -- mcsim settle ------------------------------------------------------------------------------

SETTLE_ROWS = [["县", "总额预算", "基金支出", "考核得分", "合理超支"],
               ["甲县", 1e8, 9e7, None, None],
               ["乙县", 1e8, 1.08e8, 80, 4e6]]


def test_settle_xlsx_in_with_zh_headers_matches_csv(tmp_path):
    book = workbook(tmp_path / "in.xlsx", {"说明": [["notes"]], "2026": SETTLE_ROWS})
    text = "county,budget,spending,score,reasonable\n甲县,1e8,9e7,,\n乙县,1e8,1.08e8,80,4e6\n"
    (tmp_path / "in.csv").write_text(text, encoding="utf-8")
    by_csv = run("settle", "--rules", "county-tiered", "--input", str(tmp_path / "in.csv"))
    by_xlsx = run("settle", "--rules", "county-tiered", "--input", str(book), "--sheet", "2026")
    assert by_csv.exit_code == 0 and by_xlsx.exit_code == 0, by_xlsx.output
    a = list(csv.DictReader(io.StringIO(by_csv.stdout)))
    b = list(csv.DictReader(io.StringIO(by_xlsx.stdout)))
    assert list(b[0])[:5] == ["县", "budget", "spending", "score", "reasonable"]
    for name in OUTPUTS:
        assert [r[name] for r in a] == [r[name] for r in b], name


def test_settle_first_sheet_by_default_and_unknown_sheet(tmp_path):
    book = workbook(tmp_path / "in.xlsx", {"说明": [["notes"]], "2026": SETTLE_ROWS})
    result = run("settle", "--rules", "county-tiered", "--input", str(book))
    assert result.exit_code == 2 and "required column is missing" in result.stderr
    result = run("settle", "--rules", "county-tiered", "--input", str(book), "--sheet", "2025")
    assert result.exit_code == 2 and "--sheet: no sheet '2025'" in result.stderr and "2026" in result.stderr


def test_settle_xlsx_out_reads_back_with_pandas(tmp_path):
    book = workbook(tmp_path / "in.xlsx", {"data": SETTLE_ROWS})
    out = tmp_path / "清算.xlsx"
    result = run("settle", "--rules", "county-tiered", "--input", str(book), "--out", str(out))
    assert result.exit_code == 0, result.output
    frame = pd.read_excel(out)
    assert list(frame.columns) == ["县", "budget", "spending", "score", "reasonable", *OUTPUTS]
    assert frame["县"].tolist() == ["甲县", "乙县"]
    assert frame["budget"].tolist() == [1e8, 1e8]
    assert pd.isna(frame.loc[0, "score"]) and frame.loc[1, "score"] == 80  # empty stays empty
    csv_out = run("settle", "--rules", "county-tiered", "--input", str(book))
    expected = pd.read_csv(io.StringIO(csv_out.stdout))
    for name in OUTPUTS:
        np.testing.assert_allclose(frame[name].to_numpy(float), expected[name].to_numpy(float), err_msg=name)
    labels = pd.read_excel(out, sheet_name="labels")
    assert list(labels.columns) == ["key", "中文", "English"]
    assert labels.set_index("key").loc["fund_payout", "中文"] == "基金拨付"
    sheet = openpyxl.load_workbook(out)["data"]
    assert sheet["B2"].number_format == "#,##0.00"
    from simulator.tables_io import read_table

    back = read_table(out)  # the written workbook reads back as a table with the same keys
    assert list(back.columns) == list(frame.columns) and back.attrs["lines"] == [2, 3]


def test_settle_xlsx_bad_cells_named_by_sheet_row(tmp_path):
    rows = SETTLE_ROWS + [["丙县", "lots", 9e7, 80, None]]
    book = workbook(tmp_path / "in.xlsx", {"data": [rows[0], [], *rows[1:]]})  # a blank row 2
    result = run("settle", "--rules", "county-tiered", "--input", str(book))
    assert result.exit_code == 2
    assert "column budget: not a number: data row 3 (file line 5)" in result.stderr


def test_settle_parquet_and_json_out(tmp_path):
    book = workbook(tmp_path / "in.xlsx", {"data": SETTLE_ROWS})
    expected = pd.read_csv(io.StringIO(run("settle", "--rules", "county-tiered", "--input", str(book)).stdout))
    assert expected["fund_payout"].nunique() == 2
    for suffix in (".parquet", ".json"):
        out = tmp_path / f"o{suffix}"
        assert run("settle", "--rules", "county-tiered", "--input", str(book), "--out", str(out)).exit_code == 0
        frame = pd.read_parquet(out) if suffix == ".parquet" else pd.read_json(out)
        assert frame["fund_payout"].tolist() == expected["fund_payout"].tolist(), suffix
        assert frame["县"].tolist() == ["甲县", "乙县"]


# -- mcsim points ------------------------------------------------------------------------------

def test_points_xlsx_in_second_sheet_and_xlsx_out(tmp_path):
    (tmp_path / "r.toml").write_text(DRG, encoding="utf-8")
    zh = [["编号", "病组", "总费用", "个人负担", "相对权重", "医疗机构层级"], *CASES[1:]]
    book = workbook(tmp_path / "c.xlsx", {"封面": [["2026 病例"]], "病例": zh})
    out = tmp_path / "booked.xlsx"
    result = run("points", str(book), "--rules", str(tmp_path / "r.toml"), "--pool", "6000",
                 "--sheet", "病例", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    frame = pd.read_excel(out)
    assert list(frame.columns)[:6] == ["编号", "group", "cost", "oop", "weight", "tier"]
    assert frame["class"].tolist() == ["normal", "normal", "low", "high", "normal", "zero"]
    v = 1200 / 360
    np.testing.assert_allclose(frame["payment"], [100 * v - 100, 100 * v - 300, 360, 5040, 160 * v - 200, 0])
    labels = pd.read_excel(out, sheet_name="labels").set_index("key")
    assert labels.loc["payment", "中文"] == "基金支付 (元)" and labels.loc["group", "中文"] == "病组"
    # the booked workbook is a valid case list again (outputs clash only when --out is asked for)
    again = run("points", str(out), "--rules", str(tmp_path / "r.toml"), "--pool", "6000", "--json")
    assert again.exit_code == 0, again.output


def test_points_csv_out_has_a_bom(tmp_path):
    (tmp_path / "r.toml").write_text(DRG, encoding="utf-8")
    book = workbook(tmp_path / "c.xlsx", {"cases": CASES})
    out = tmp_path / "booked.csv"
    result = run("points", str(book), "--rules", str(tmp_path / "r.toml"), "--pool", "6000", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b'\xef\xbb\xbf"id","group"')  # arrow quotes the header
    assert pd.read_csv(out)["tier"].tolist()[3] == "县级医院"


def test_points_bad_out_checked_before_reading(tmp_path):
    (tmp_path / "r.toml").write_text(DRG, encoding="utf-8")
    result = run("points", str(tmp_path / "none.csv"), "--rules", str(tmp_path / "r.toml"), "--pool", "1",
                 "--out", str(tmp_path / "no" / "o.xlsx"))
    assert result.exit_code == 2 and "--out" in result.stderr and "does not exist" in result.stderr
    assert "case list not found" not in result.stderr


# -- mcsim calibrate --claims ------------------------------------------------------------------

CLAIMS_HEADER = ["person_id", "scheme", "age", "level", "setting", "admission_date", "discharge_date",
                 "case_group", "total_cost", "in_scope_cost", "fund_paid", "self_paid"]
CLAIMS = [["p1", "resident", 40, "county", "inpatient", "2024-03-01", "2024-03-05", "G1", 5000, 4500, 3000, 2000],
          ["p2", "employee", 61, "township", "outpatient", "2024-04-02", "2024-04-02", "", 120, 100, 60, 60],
          ["p3", "resident", 7, "village", "outpatient", "2024-05-09", "2024-05-09", "", 40.5, 40.5, 20, 20.5]]


def test_claims_xlsx_with_date_cells_and_zh_headers_equal_the_csv(tmp_path):
    from simulator.calibrate.claims import CLAIMS_LABELS, read_claims

    text = ",".join(CLAIMS_HEADER) + "\n" + "".join(",".join(map(str, r)) + "\n" for r in CLAIMS)
    (tmp_path / "c.csv").write_text(text, encoding="utf-8")
    zh = [CLAIMS_LABELS[name][0] for name in CLAIMS_HEADER]
    rows = [r[:5] + [datetime.datetime.fromisoformat(r[5]), datetime.datetime.fromisoformat(r[6])] + r[7:]
            for r in CLAIMS]
    book = workbook(tmp_path / "c.xlsx", {"claims": [zh, *rows]})
    a, b = read_claims(tmp_path / "c.csv"), read_claims(book)
    assert not a.problems and not b.problems
    pd.testing.assert_frame_equal(a.frame, b.frame)


def test_claims_xlsx_bad_row_named_by_sheet_row(tmp_path):
    from simulator.calibrate.claims import read_claims

    bad = CLAIMS[1][:2] + [200] + CLAIMS[1][3:]
    book = workbook(tmp_path / "c.xlsx", {"claims": [CLAIMS_HEADER, CLAIMS[0], [], bad]})
    claims = read_claims(book)
    assert len(claims.frame) == 1
    assert any(p.line == 4 and "age" in p.path for p in claims.problems), claims.problems


# -- mcsim compare -----------------------------------------------------------------------------

def test_compare_xlsx_out(tmp_path):
    import simulator

    reference = ROOT / "scenarios" / "reference.toml"
    small = ["population.size=2000", "scenario.years=1"]
    folders = []
    for name, extra in (("tiered", []), ("aca", ['settlement.rules="aca-corridor"'])):
        runs = simulator.run(reference, overrides=small + extra, replications=2, seed=5)
        folders.append(str(runs.write(tmp_path / name, figures=False, report=False)))
    out = tmp_path / "cmp.xlsx"
    result = run("compare", *folders, "--out", str(out), "--lang", "en")
    assert result.exit_code == 0, result.output
    frame = pd.read_excel(out)
    assert {"indicator", "run", "mean", "diff"} <= set(frame.columns)
    assert set(frame["run"]) == {"tiered", "aca"}
    labels = pd.read_excel(out, sheet_name="labels").set_index("key")
    assert labels.loc["mean", "中文"] == "均值"
    assert out.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
    csv_out = tmp_path / "cmp.csv"
    assert run("compare", *folders, "--out", str(csv_out)).exit_code == 0
    assert csv_out.read_bytes().startswith(b"\xef\xbb\xbf")
    bad = run("compare", *folders, "--out", str(tmp_path / "cmp.txt"))
    assert bad.exit_code == 2 and "--out" in bad.stderr


def test_batch_summary_written_as_xlsx_reads_back(tmp_path):
    """`mcsim batch --summary FILE.xlsx`: the summary table with keys in row 1 and a labels sheet."""
    import pandas as pd
    from click.testing import CliRunner

    from simulator.cli import mcsim

    sweep = Path(__file__).resolve().parents[2] / "scenarios" / "sweep-risk-reserve.toml"
    out, book = tmp_path / "batch", tmp_path / "summary.xlsx"
    result = CliRunner().invoke(mcsim, ["batch", str(sweep), "--out", str(out), "--executor", "processes",
                                        "--workers", "1", "--summary", str(book)])
    assert result.exit_code == 0, result.output
    csv = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    sheet = pd.read_excel(book, sheet_name=0)
    assert list(sheet.columns) == list(csv.columns) and len(sheet) == len(csv)
    with pd.ExcelFile(book) as workbook:
        assert "labels" in workbook.sheet_names


def test_batch_summary_file_checked_before_any_work(tmp_path):
    from click.testing import CliRunner

    from simulator.cli import mcsim

    sweep = Path(__file__).resolve().parents[2] / "scenarios" / "sweep-risk-reserve.toml"
    result = CliRunner().invoke(mcsim, ["batch", str(sweep), "--out", str(tmp_path / "b"),
                                        "--summary", str(tmp_path / "nowhere" / "s.xlsx")])
    assert result.exit_code == 2 and "--summary" in result.output, result.output
    assert not (tmp_path / "b").exists()
