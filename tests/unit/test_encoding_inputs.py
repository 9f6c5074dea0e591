"""GBK/GB18030 inputs are detected (or chosen with --encoding) wherever mcsim reads a table, and
xlsx is accepted by the shared reader of case-mix and population files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.cli import mcsim
from simulator.settlement import OUTPUTS
from tests.conftest import DRG_RULES

ROOT = Path(__file__).resolve().parents[2]
SETTLE_ZH = "县,总额预算,基金支出,考核得分\n甲县,1e8,9e7,80\n乙县,1e8,1.08e8,\n"
SETTLE_EN = "县,budget,spending,score\n甲县,1e8,9e7,80\n乙县,1e8,1.08e8,\n"
DRG = DRG_RULES
CASES_ZH = ("编号,病组,总费用,个人负担,相对权重,医疗机构层级\n"
            "1,甲组,1000,100,1.0,县级医院\n2,甲组,1000,300,1.0,县级医院\n3,甲组,400,40,1.0,3\n"
            "4,甲组,5600,560,1.0,县级医院\n5,乙组,2000,200,2.0,乡镇卫生院\n6,乙组,2000,1900,2.0,township\n")


def run(*args: str):
    return CliRunner().invoke(mcsim, list(args))


def settled(result) -> list[dict]:
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(io.StringIO(result.stdout)))


@pytest.mark.parametrize("codec", ["gbk", "gb18030"])
def test_settle_gbk_detected_with_zh_headers(tmp_path, codec):
    (tmp_path / "utf8.csv").write_text(SETTLE_EN, encoding="utf-8")
    (tmp_path / "gbk.csv").write_bytes(SETTLE_ZH.encode(codec))
    a = settled(run("settle", "--rules", "county-tiered", "--input", str(tmp_path / "utf8.csv")))
    b = settled(run("settle", "--rules", "county-tiered", "--input", str(tmp_path / "gbk.csv")))
    assert [r["县"] for r in b] == ["甲县", "乙县"]
    assert [r["fund_payout"] for r in a] == [r["fund_payout"] for r in b]
    c = settled(run("settle", "--rules", "county-tiered", "--input", str(tmp_path / "gbk.csv"),
                    "--encoding", codec))
    assert [r["fund_payout"] for r in c] == [r["fund_payout"] for r in a]


def test_settle_wrong_or_unknown_encoding_exit_2(tmp_path):
    (tmp_path / "gbk.csv").write_bytes(SETTLE_ZH.encode("gbk"))
    result = run("settle", "--rules", "county-tiered", "--input", str(tmp_path / "gbk.csv"), "--encoding", "utf-8")
    assert result.exit_code == 2
    assert f"{tmp_path / 'gbk.csv'}:1: not valid utf-8" in result.stderr and "--encoding" in result.stderr
    result = run("settle", "--rules", "county-tiered", "--input", str(tmp_path / "gbk.csv"), "--encoding", "gbkk")
    assert result.exit_code == 2 and "--encoding: unknown encoding 'gbkk'" in result.stderr


def test_settle_undecodable_file_says_what_to_do(tmp_path):
    path = tmp_path / "bin.csv"
    path.write_bytes(b"budget,spending\n\x80\x80,1\n")
    result = run("settle", "--rules", "county-tiered", "--input", str(path))
    assert result.exit_code == 2
    assert f"{path}:2: neither UTF-8 nor GBK/GB18030" in result.stderr and "--encoding gbk" in result.stderr


def test_settle_utf8_bom_header(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(SETTLE_ZH.encode("utf-8-sig"))
    rows = settled(run("settle", "--rules", "county-tiered", "--input", str(path)))
    assert list(rows[0])[:4] == ["县", "budget", "spending", "score"]


def test_points_gbk_case_list_with_zh_headers(tmp_path):
    rules = tmp_path / "r.toml"
    rules.write_text(DRG, encoding="utf-8")
    (tmp_path / "utf8.csv").write_text(CASES_ZH, encoding="utf-8")
    (tmp_path / "gbk.csv").write_bytes(CASES_ZH.encode("gbk"))
    results = []
    for name, extra in (("utf8.csv", []), ("gbk.csv", []), ("gbk.csv", ["--encoding", "gbk"])):
        result = run("points", str(tmp_path / name), "--rules", str(rules), "--pool", "6000", "--json", *extra)
        assert result.exit_code == 0, result.output
        results.append(json.loads(result.stdout))
    for key in ("total_payment", "point_value", "n_high", "n_low", "n_zero"):
        assert results[0][key] == results[1][key] == results[2][key], key
    assert results[0]["n_zero"] == 1 and results[0]["total_payment"] == pytest.approx(6000.0)


def test_points_gbk_out_round_trip(tmp_path):
    rules = tmp_path / "r.toml"
    rules.write_text(DRG, encoding="utf-8")
    (tmp_path / "gbk.csv").write_bytes(CASES_ZH.encode("gbk"))
    out = tmp_path / "o.csv"
    result = run("points", str(tmp_path / "gbk.csv"), "--rules", str(rules), "--pool", "6000", "--out", str(out))
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and "县级医院".encode("utf-8") in data
    frame = pd.read_csv(out)
    assert frame["group"].tolist()[:2] == ["甲组", "甲组"] and list(frame.columns)[:2] == ["编号", "group"]


def test_claims_gbk_detected_and_chosen(tmp_path):
    from simulator.calibrate.claims import read_claims

    text = ("个人编码,险种,年龄,医疗机构等级,就诊类型,入院日期,出院日期,病组编码,医疗费用总额,政策范围内费用,统筹基金支付,个人自付\n"
            "张三,resident,40,county,inpatient,2024-03-01,2024-03-05,G1,5000,4500,3000,2000\n"
            "李四,employee,61,township,outpatient,2024-04-02,2024-04-02,,120,100,60,60\n")
    (tmp_path / "gbk.csv").write_bytes(text.encode("gbk"))
    (tmp_path / "utf8.csv").write_text(text, encoding="utf-8")
    a = read_claims(tmp_path / "utf8.csv")
    b = read_claims(tmp_path / "gbk.csv")
    c = read_claims(tmp_path / "gbk.csv", encoding="gbk")
    assert a.frame["person_id"].tolist() == ["张三", "李四"]
    pd.testing.assert_frame_equal(a.frame, b.frame)
    pd.testing.assert_frame_equal(a.frame, c.frame)


def test_calibrate_bad_encoding_and_out_exit_2_before_any_work(tmp_path):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = run("calibrate", str(tmp_path / "none.toml"), "--claims", str(tmp_path / "none.csv"),
                 "--encoding", "nonesuch", "--out", str(tmp_path / "no" / "c.toml"),
                 "--write-targets", str(tmp_path / "file" / "t.toml"))
    assert result.exit_code == 2, result.output
    err = result.stderr
    assert "--encoding: unknown encoding" in err
    assert "--out: cannot write" in err and "does not exist" in err
    assert "--write-targets: cannot write" in err and "is a file, not a folder" in err
    assert "none.toml" not in err  # the scenario was not read: options come first


def test_casemix_and_population_readers_take_gbk_and_xlsx(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    from simulator.errors import ProblemList
    from simulator.tabular import read_table

    text = "group,label,weight\nG1,阑尾切除,1.5\nG2,肺炎,0.8\n"
    (tmp_path / "m.csv").write_bytes(text.encode("gbk"))
    book = openpyxl.Workbook()
    for row in csv.reader(io.StringIO(text)):
        book.active.append([float(v) if v[:1].isdigit() else v for v in row])
    book.save(tmp_path / "m.xlsx")
    problems = ProblemList()
    a = read_table(tmp_path / "m.csv", key="casemix.file", what="case-mix", problems=problems)
    b = read_table(tmp_path / "m.xlsx", key="casemix.file", what="case-mix", problems=problems)
    assert not problems.items and a.encoding == "gb18030"
    assert a.columns["label"].tolist() == b.columns["label"].tolist() == ["阑尾切除", "肺炎"]
    assert a.numbers("weight")[0].tolist() == b.numbers("weight")[0].tolist() == [1.5, 0.8]
    assert b.lines.tolist() == [2, 3]


def test_every_settle_output_column_survives_gbk(tmp_path):
    (tmp_path / "gbk.csv").write_bytes(SETTLE_ZH.encode("gbk"))
    rows = settled(run("settle", "--rules", "county-tiered", "--input", str(tmp_path / "gbk.csv")))
    assert set(OUTPUTS) <= set(rows[0])


def test_batch_csvs_have_a_bom(tmp_path):
    from types import SimpleNamespace

    from simulator.batch.run import _write_variants

    variant = SimpleNamespace(id="v0", kind="grid", label="甲县 基准", params={"budget.risk_reserve": 0.07})
    _write_variants(SimpleNamespace(variants=[variant]), tmp_path)
    data = (tmp_path / "variants.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfvariant,kind,label")
    assert pd.read_csv(tmp_path / "variants.csv")["label"].tolist() == ["甲县 基准"]
