"""``mcsim run``: the output contract (docs/outputs.md), exit codes and atomic results."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.cli import mcsim
from simulator.indicators import KEYS

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"
SMALL = ["--set", "population.size=2000", "--set", "scenario.years=2", "-n", "3", "--quiet"]
STATS = {"year", "mean", "sd", "p05", "p50", "p95"}


def invoke(*args: str):
    return CliRunner().invoke(mcsim, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("cli") / "ref"
    result = invoke("run", str(REFERENCE), *SMALL, "--seed", "5", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    return out, json.loads(result.stdout)


def test_summary_json_has_the_contract_keys(run_dir) -> None:
    out, printed = run_dir
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert printed == summary
    assert set(summary) >= {"mcsim_version", "scenario", "runtime", "indicators", "risk"}
    assert set(summary["scenario"]) >= {"name", "hash", "seed", "replications", "years", "start_year"}
    assert summary["scenario"]["seed"] == 5 and summary["scenario"]["replications"] == 3
    assert set(summary["runtime"]) >= {"seconds", "episodes", "episodes_per_second", "threads"}
    assert set(summary["indicators"]) >= set(KEYS)
    for key in KEYS:
        rows = summary["indicators"][key]
        assert [r["year"] for r in rows] == [2026, 2027]
        assert all(set(r) >= STATS for r in rows), key
    for key in ("prob_overspend", "overspend_var95", "overspend_cvar95"):
        assert len(summary["risk"][key]) == 2


def test_every_output_file_is_written(run_dir) -> None:
    out, _ = run_dir
    for name in ("summary.json", "worlds.parquet", "flows.parquet", "report.html", "scenario.resolved.toml"):
        assert (out / name).is_file(), name
    assert list((out / "figures").glob("*.png"))
    worlds = pd.read_parquet(out / "worlds.parquet")
    assert len(worlds) == 3 * 2 and set(KEYS) <= set(worlds.columns)
    flows = pd.read_parquet(out / "flows.parquet")
    assert {"world", "year", "tier", "service", "scheme", "episodes", "cost", "fund", "oop", "payment"} <= set(flows)
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary folders left


def test_resolved_scenario_reruns_to_the_same_worlds(run_dir, tmp_path) -> None:
    out, _ = run_dir
    again = tmp_path / "again"
    result = invoke("run", str(out / "scenario.resolved.toml"), "-n", "3", "--quiet", "--out", str(again))
    assert result.exit_code == 0, result.output
    assert pd.read_parquet(again / "worlds.parquet").equals(pd.read_parquet(out / "worlds.parquet"))


@pytest.mark.parametrize("args, expected", [
    (["--set", "budget.risk_reserv=0.07"], "budget.risk_reserv"),
    (["--set", "population.size=0"], "population.size"),
    (["-n", "0"], "--replications"),
    (["--seed", "-1"], "--seed"),
])
def test_bad_input_exits_2_and_writes_nothing(tmp_path, args, expected) -> None:
    out = tmp_path / "never"
    result = invoke("run", str(REFERENCE), "--quiet", "--out", str(out), *args)
    assert result.exit_code == 2
    assert expected in result.output and "Traceback" not in result.output
    assert not out.exists() and not list(tmp_path.iterdir())


def test_a_failed_write_leaves_the_old_results(run_dir, tmp_path, monkeypatch) -> None:
    import simulator

    out, _ = run_dir
    before = (out / "summary.json").read_bytes()
    r = simulator.run(REFERENCE, overrides=["population.size=1000", "scenario.years=1"], replications=1, seed=9)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(type(r), "_write_extras", broken)
    with pytest.raises(RuntimeError):
        r.write(out)
    assert (out / "summary.json").read_bytes() == before
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]
