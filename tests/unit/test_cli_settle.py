"""``mcsim settle`` (simulator.commands.settle) through click and as a real process."""

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
from simulator.settlement import OUTPUTS

ROOT = Path(__file__).resolve().parents[2]
JSON_KEYS = {"budget", "spending", "score", "reasonable", "rules", *OUTPUTS}


def run(*args: str):
    return CliRunner().invoke(mcsim, ["settle", *args])


def test_table_has_bilingual_labels_and_separators():
    result = run("--rules", "county-tiered", "--budget", "1e8", "--spending", "9e7", "--score", "80")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for label in ("结余留用 retained_surplus", "基金分担超支 fund_shared_overspend",
                  "未返还质量保证金 withheld_unreleased", "基金拨付 fund_payout", "总额预算 budget"):
        assert label in out
    assert "6,000,000.00" in out and "95,000,000.00" in out and "100,000,000.00" in out


def test_json_has_exactly_the_spec_keys_plus_inputs():
    result = run("--rules", "county-tiered", "--budget", "100,000,000", "--spending", "9e7", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) == JSON_KEYS
    assert data["rules"] == "county-tiered" and data["score"] == 100 and data["reasonable"] is None
    assert data["retained_surplus"] == 7_500_000


def test_rules_file_relative_to_cwd(tmp_path, monkeypatch):
    text = (Path(ROOT, "simulator/settlement/presets/aca-corridor.toml").read_text(encoding="utf-8")
            .replace('name = "aca-corridor"', 'name = "mine"'))
    (tmp_path / "mine.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("--rules", "mine.toml", "--budget", "1e8", "--spending", "1.1e8", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rules"] == "mine"


@pytest.mark.parametrize("args, expected", [
    (["--rules", "county-tierd", "--budget", "1", "--spending", "1"],
     ["unknown preset", "aca-corridor, county-tiered, full-carryover, mssp-basic-c",
      "did you mean 'county-tiered'?"]),
    (["--rules", "county-tiered", "--budget", "abc", "--spending", "-3"],
     ["--budget: not a number", "--spending: must be >= 0"]),
    (["--rules", "county-tiered", "--budget", "0", "--spending", "1"], ["--budget: must be > 0"]),
    (["--rules", "county-tiered", "--budget", "1", "--spending", "1", "--score", "101"],
     ["--score: must be in [0, full_score = 100]"]),
    (["--rules", "county-tiered", "--budget", "1", "--spending", "1", "--reasonable", "-1"],
     ["--reasonable: must be >= 0"]),
    (["--rules", "county-tiered", "--budget", "1e8"], ["--spending: required"]),
    (["--rules", "county-tiered"], ["--budget, --spending: required"]),
    (["--rules", "county-tiered", "--input", "x.csv", "--budget", "1"],
     ["--budget: cannot be combined with --input"]),
    (["--rules", "county-tiered", "--budget", "1", "--spending", "1", "--out", "o.csv"],
     ["--out: only with --input"]),
])
def test_bad_options_exit_2(args, expected):
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.stderr


@pytest.mark.parametrize("old, new, expected", [
    ("{upto = 0.08, fund_share = 0.5}", "{upto = 0.02, fund_share = 0.5}",
     "settlement.overspend.bands[1].upto: upto must be strictly increasing"),
    ("{upto = 0.08, fund_share = 0.5}", "{upto = 0.08, fund_share = 1.5}",
     "settlement.overspend.bands[1].fund_share: Input should be less than or equal to 1"),
])
def test_bad_rules_file_exit_2(tmp_path, old, new, expected):
    text = Path(ROOT, "simulator/settlement/presets/aca-corridor.toml").read_text(encoding="utf-8")
    path = tmp_path / "bad.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    result = run("--rules", str(path), "--budget", "1e8", "--spending", "1e8")
    assert result.exit_code == 2
    assert f"{path}:" in result.stderr and expected in result.stderr


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "in.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_to_stdout_keeps_inputs_and_adds_outputs(tmp_path):
    path = write_csv(tmp_path, "county,budget,spending,score,reasonable\n"
                               "a,1e8,9e7,80,\n"
                               "b,\"100,000,000\",108000000,100,4e6\n")
    result = run("--rules", "county-tiered", "--input", str(path))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["county", "budget", "spending", "score", "reasonable", *OUTPUTS]
    assert rows[0]["county"] == "a" and rows[0]["fund_payout"] == "95000000.00"
    assert rows[1]["fund_shared_overspend"] == "2800000.00"
    assert rows[1]["community_borne_overspend"] == "5200000.00"


def test_csv_out_written_atomically(tmp_path):
    path = write_csv(tmp_path, "budget,spending\n1e8,1.1e8\n")
    out = tmp_path / "out.csv"
    result = run("--rules", "aca-corridor", "--input", str(path), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0]["fund_payout"] == "104100000.00" and rows[0]["score_factor"] == "1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


def test_csv_bad_rows_all_reported_nothing_written(tmp_path):
    path = write_csv(tmp_path, "budget,spending,score\n"
                               "1e8,9e7,80\n"
                               "0,9e7,80\n"
                               "\n"
                               "1e8,lots,80\n"
                               "1e8,9e7,120\n"
                               "-1,9e7,80\n"
                               "1e8,9e7\n")
    out = tmp_path / "out.csv"
    result = run("--rules", "county-tiered", "--input", str(path), "--out", str(out))
    assert result.exit_code == 2
    err = result.stderr
    # blank lines are not data rows, so data rows and file lines part after line 4
    assert "column budget: must be > 0 and finite: data rows 2, 5 (file lines 3, 7)" in err
    assert "column spending: not a number: data row 3 (file line 5)" in err
    assert "column score: must be in [0, full_score = 100]: data row 4 (file line 6)" in err
    assert "expected 3 cells: data row 6 (file line 8)" in err
    assert not out.exists()


def test_csv_missing_column_suggests(tmp_path):
    path = write_csv(tmp_path, "budgett,spending\n1,1\n")
    result = run("--rules", "county-tiered", "--input", str(path))
    assert result.exit_code == 2
    assert "column budget: required column is missing (did you mean 'budgett'?)" in result.stderr


def test_csv_empty_and_missing_file(tmp_path):
    result = run("--rules", "county-tiered", "--input", str(write_csv(tmp_path, "")))
    assert result.exit_code == 2 and "empty file" in result.stderr
    result = run("--rules", "county-tiered", "--input", str(tmp_path / "none.csv"))
    assert result.exit_code == 2 and "input CSV not found" in result.stderr
    result = run("--rules", "county-tiered", "--input", str(write_csv(tmp_path, "budget,spending\n")))
    assert result.exit_code == 2 and "no data rows" in result.stderr


def test_help_has_an_example():
    result = run("--help")
    assert result.exit_code == 0
    assert "mcsim settle --rules county-tiered --budget" in result.stdout


def test_real_process_json():
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "simulator", "settle", "--rules", "county-tiered",
                           "--budget", "1e8", "--spending", "1.08e8", "--json"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert set(data) == JSON_KEYS
    assert data["fund_payout"] == 105_000_000


def test_real_process_bad_input_exit_2():
    proc = subprocess.run([sys.executable, "-m", "simulator", "settle", "--rules", "nope",
                           "--budget", "1e8", "--spending", "1e8"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60, check=False)
    assert proc.returncode == 2
    assert "unknown preset 'nope'" in proc.stderr and "Traceback" not in proc.stderr


def test_empty_score_cell_is_full_score(tmp_path):
    # county-tiered scales the retained surplus by the score: an empty cell must settle like 100
    path = write_csv(tmp_path, "county,budget,spending,score\n"
                               "a,1e8,9e7,\n"
                               "b,1e8,9e7,100\n"
                               "c,1e8,9e7,60\n")
    result = run("--rules", "county-tiered", "--input", str(path))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["score"] == ""  # the input cell passes through as written
    for name in OUTPUTS:
        assert rows[0][name] == rows[1][name], name
    assert rows[0]["retained_surplus"] != rows[2]["retained_surplus"]


def test_help_cites_a_page_inside_the_repository():
    text = run("--help").stdout
    assert "docs/settlement.md" in text and "spec/" not in text
    assert (ROOT / "docs" / "settlement.md").is_file()


@pytest.mark.parametrize("make, expected", [
    (lambda d: "", "--out: is empty"),
    (lambda d: str(d), "is a folder, not a file"),
    (lambda d: str(d / "missing" / "o.csv"), "does not exist"),
    (lambda d: str(d / "in.csv" / "o.csv"), "is a file, not a folder"),
])
def test_bad_out_file_exit_2_before_reading(tmp_path, make, expected):
    write_csv(tmp_path, "budget,spending\n1e8,9e7\n")
    result = run("--rules", "county-tiered", "--input", str(tmp_path / "none.csv"), "--out", make(tmp_path))
    assert result.exit_code == 2, result.output
    assert expected in result.stderr and "--out" in result.stderr
    assert "not found" not in result.stderr  # nothing was read: the output is checked first


def test_csv_out_has_a_bom_and_a_failed_write_leaves_nothing(tmp_path, monkeypatch):
    from simulator import tables_io

    path = write_csv(tmp_path, "budget,spending\n1e8,9e7\n")
    out = tmp_path / "o.csv"
    assert run("--rules", "county-tiered", "--input", str(path), "--out", str(out)).exit_code == 0
    assert out.read_bytes().startswith(b"\xef\xbb\xbfbudget,spending,balance")

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(tables_io, "_write_xlsx", boom)
    result = run("--rules", "county-tiered", "--input", str(path), "--out", str(tmp_path / "o.xlsx"))
    assert result.exit_code != 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "o.csv"]


def test_sheet_and_encoding_need_input():
    result = run("--rules", "county-tiered", "--budget", "1", "--spending", "1", "--sheet", "a",
                 "--encoding", "gbk")
    assert result.exit_code == 2
    assert "--sheet: only with --input" in result.stderr and "--encoding: only with --input" in result.stderr
