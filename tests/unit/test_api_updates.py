"""The Python API takes changes: ``load_scenario(..., overrides)`` with a mapping or a Scenario,
``Scenario.with_updates``, ``settle`` as floats or a frame, numeric frames that subtract, and
``Results.compare`` equal to ``mcsim compare``."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import simulator
from simulator.errors import InputError
from simulator.report.compare import COLUMNS, format_table

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"
SMALL = {"population.size": 3000, "scenario.years": 2}


@pytest.fixture(scope="module")
def reference() -> simulator.Scenario:
    return simulator.load_scenario(REFERENCE)


# ------------------------------------------------------------------------------- scenario changes
def test_with_updates_returns_a_new_validated_scenario(reference) -> None:
    changed = reference.with_updates({"budget.risk_reserve": 0.07, "tiers.enabled[2]": False})
    assert isinstance(changed, simulator.Scenario)
    assert changed.budget.risk_reserve == 0.07 and changed.tiers.enabled[2] is False
    assert reference.budget.risk_reserve == 0.05 and reference.tiers.enabled[2] is True  # untouched
    assert changed.with_updates(["budget.risk_reserve=0.05", "tiers.enabled[2]=true"]) == reference


def test_with_updates_rejects_a_bad_value_naming_the_key_path(reference) -> None:
    with pytest.raises(InputError) as info:
        reference.with_updates({"budget.risk_reserve": 1.7, "scenario.years": 0})
    paths = {p.path for p in info.value.problems}
    assert paths == {"budget.risk_reserve", "scenario.years"}
    assert "budget.risk_reserve" in str(info.value) and all(p.file == "--set" for p in info.value.problems)


def test_with_updates_checks_cross_table_rules_and_typos(reference) -> None:
    with pytest.raises(InputError) as info:
        reference.with_updates({"budget.risk_resrve": 0.07,
                                "settlement.surplus.bands": [{"upto": 0.1, "retain": 1.0}]})
    problems = {p.path: p for p in info.value.problems}
    assert problems["budget.risk_resrve"].hint == "did you mean 'risk_reserve'?"
    assert any(path.startswith("settlement.surplus.bands") for path in problems)


def test_with_updates_gives_the_same_problems_as_set(reference) -> None:
    updates = {"budget.risk_reserve": 1.7, "tiers.quality": [0.5] * 5}
    with pytest.raises(InputError) as from_python:
        reference.with_updates(updates)
    with pytest.raises(InputError) as from_set:
        simulator.load_scenario(REFERENCE, [f"{k}={v}" for k, v in updates.items()])
    assert [(p.path, p.message) for p in from_python.value.problems] == \
           [(p.path, p.message) for p in from_set.value.problems]


def test_load_scenario_takes_a_scenario_and_a_mapping(reference) -> None:
    assert simulator.load_scenario(reference) is reference
    changed = simulator.load_scenario(reference, {"budget.risk_reserve": np.float64(0.07)})
    assert changed.budget.risk_reserve == 0.07
    assert changed == simulator.load_scenario(REFERENCE, {"budget.risk_reserve": 0.07})


def test_run_applies_overrides_to_a_scenario(reference) -> None:
    small = reference.with_updates(SMALL)
    r = simulator.run(small, overrides={"budget.risk_reserve": 0.07}, replications=2, seed=1)
    assert r.scenario.budget.risk_reserve == 0.07 and r.scenario.population.size == 3000


# ------------------------------------------------------------------------------------- settle
def test_settle_one_row_gives_plain_floats() -> None:
    row = simulator.settle("county-tiered", budget=1e8, spending=9e7, score=80)
    assert isinstance(row, simulator.SettlementRow)
    values = row.to_dict()
    assert all(type(v) is float for v in values.values())
    assert values["balance"] == 1e7 and values["score"] == 80.0 and math.isinf(values["reasonable"])
    core = simulator.settlement.settle("county-tiered", 1e8, 9e7, 80)
    assert {k: float(v) for k, v in core.to_dict().items()} == \
           {k: v for k, v in values.items() if k in core.to_dict()}


def test_settle_many_rows_gives_a_frame() -> None:
    table = simulator.settle("county-tiered", budget=[1e8, 1e8, 1e8], spending=[9e7, 1e8, 1.1e8])
    assert isinstance(table, pd.DataFrame) and len(table) == 3
    assert list(table.columns[:4]) == ["budget", "spending", "score", "reasonable"]
    assert (table.dtypes == np.float64).all()
    assert table["balance"].tolist() == [1e7, 0.0, -1e7]
    one = simulator.settle("county-tiered", budget=1e8, spending=1.1e8)
    assert table.iloc[2].to_dict() == one.to_dict()


def test_settle_rejects_bad_amounts() -> None:
    with pytest.raises(InputError, match="budget"):
        simulator.settle("county-tiered", budget=-1.0, spending=9e7)


# ------------------------------------------------------------------------- results arithmetic
@pytest.fixture(scope="module")
def runs(reference) -> tuple[simulator.Results, simulator.Results]:
    small = reference.with_updates({**SMALL, "dynamics.epidemic.probability": 0.5})
    base = simulator.run(small, replications=3, seed=11)
    other = simulator.run(small.with_updates({"budget.risk_reserve": 0.08}), replications=3, seed=11)
    return base, other


def test_numeric_frames_subtract_world_by_world(runs) -> None:
    base, other = runs
    assert base.worlds["epidemic"].dtype == bool  # the file's schema is kept
    with pytest.raises(TypeError):
        other.worlds - base.worlds  # why numeric() exists
    diff = other.numeric() - base.numeric()
    assert list(diff.index.names) == ["world", "year"] and (diff.dtypes == np.float64).all()
    assert (diff["epidemic"] == 0).all()  # common random numbers: the same shocks
    assert base.numeric()["epidemic"].sum() == base.worlds["epidemic"].sum()
    assert (diff["budget"] < 0).all()  # a larger risk reserve leaves a smaller budget
    flows = other.numeric("flows") - base.numeric("flows")
    assert list(flows.index.names) == ["world", "year", "tier", "service", "scheme"]
    assert np.isfinite(flows.to_numpy()).all()
    with pytest.raises(ValueError):
        base.numeric("nope")


def test_compare_equals_the_compare_command(runs, tmp_path) -> None:
    from simulator.cli import mcsim

    base, other = runs
    folders = [base.write(tmp_path / "base", figures=False, report=False),
               other.write(tmp_path / "reserve", figures=False, report=False)]
    out = tmp_path / "cmp.csv"
    result = CliRunner().invoke(mcsim, ["compare", *map(str, folders), "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    table = base.compare(other, names=["base", "reserve"])
    assert list(table.columns) == list(COLUMNS)
    assert table["paired"].iloc[-1]
    from_cli = pd.read_csv(out, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(table.reset_index(drop=True), from_cli, check_dtype=False, rtol=1e-12)
    assert format_table(table, "en") in result.output


def test_compare_default_names(runs) -> None:
    base, other = runs
    assert set(base.compare(other)["run"]) == {"run0", "run1"}  # both runs are named 'reference'


def test_with_updates_keeps_a_vetted_file_reference_under_safe_paths(tmp_scenario, tmp_path, monkeypatch) -> None:
    from importlib import resources

    casemix = resources.files("simulator").joinpath("builtin", "casemix_reference.csv").read_text("utf-8")
    path = tmp_scenario(replace=(('source = "builtin:reference"', 'file = "cm.csv"'),), files={"cm.csv": casemix})
    monkeypatch.setenv("MCSIM_SAFE_PATHS", "1")
    s = simulator.load_scenario(path)  # cm.csv sits beside the scenario: allowed
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert s.with_updates({"budget.risk_reserve": 0.07}).casemix.file == s.casemix.file
    with pytest.raises(InputError) as info:  # a reference the change makes is checked
        s.with_updates({"casemix.file": str(path.parent / "cm.csv")})
    assert [p.path for p in info.value.problems] == ["casemix.file"]
