"""Validation in one round: a sweep file or a settlement rules file reports every problem at once
(field errors, the checks across fields that can still run, and the files they name), not one
stage per run."""

from __future__ import annotations

from pathlib import Path

import pytest

import simulator
from simulator.batch.spec import load_sweep
from simulator.errors import InputError
from simulator.settlement import load_rules

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line(text: str, fragment: str) -> int:
    return next(i for i, row in enumerate(text.splitlines(), 1) if fragment in row)


# --------------------------------------------------------------------------------- rules files
RULES = """\
[settlement]
withhold_rate = 1.5

[settlement.surplus]
bands = [ {upto = 0.05, retain = 1.5},
          {upto = 0.03, retain = 0.5},
          {upto = 0.2,  retain = 0.0} ]

[settlement.overspend]
bands = [ {upto = 0.05, fund_share = 0.7},
          {upto = 0.1,  fund_share = 0.0} ]

[settlment]
x = 1
"""


def test_a_rules_file_reports_fields_band_order_and_the_missing_inf_band_together(tmp_path) -> None:
    path = write(tmp_path, "rules.toml", RULES)
    with pytest.raises(InputError) as info:
        load_rules(path)
    found = {p.path: p for p in info.value.problems}
    assert set(found) == {"settlment", "settlement.withhold_rate", "settlement.surplus.bands[0].retain",
                          "settlement.surplus.bands[1].upto", "settlement.surplus.bands[2].upto",
                          "settlement.overspend.bands[1].upto"}
    assert "strictly increasing: 0.03 follows 0.05" in found["settlement.surplus.bands[1].upto"].message
    assert "upto = inf (got 0.2)" in found["settlement.surplus.bands[2].upto"].message
    assert "upto = inf (got 0.1)" in found["settlement.overspend.bands[1].upto"].message
    assert found["settlement.surplus.bands[1].upto"].line == line(RULES, "upto = 0.03")
    assert found["settlement.overspend.bands[1].upto"].line == line(RULES, "upto = 0.1,")
    assert all(p.file == str(path) for p in found.values())


def test_band_rules_are_not_reported_twice_when_the_fields_are_valid(tmp_path) -> None:
    text = RULES.replace("withhold_rate = 1.5", "withhold_rate = 0.05").replace("retain = 1.5", "retain = 1.0")
    with pytest.raises(InputError) as info:
        load_rules(write(tmp_path, "rules.toml", text.replace("[settlment]\nx = 1\n", "")))
    paths = [p.path for p in info.value.problems]
    assert sorted(paths) == ["settlement.overspend.bands[1].upto", "settlement.surplus.bands[1].upto",
                             "settlement.surplus.bands[2].upto"]


def test_a_band_without_a_usable_upto_is_left_to_the_schema(tmp_path) -> None:
    text = RULES.replace("{upto = 0.03, retain = 0.5}", '{upto = "x", retain = 0.5}')
    with pytest.raises(InputError) as info:
        load_rules(write(tmp_path, "rules.toml", text))
    paths = [p.path for p in info.value.problems]
    assert paths.count("settlement.surplus.bands[1].upto") == 1  # the type error, no order error
    assert "settlement.surplus.bands[2].upto" in paths  # the last band is still checked


def test_inline_bands_of_a_scenario_are_checked_in_the_same_round(reference_path) -> None:
    bands = [{"upto": 0.05, "retain": 2.0}, {"upto": 0.01, "retain": 0.5}]
    with pytest.raises(InputError) as info:
        simulator.load_scenario(reference_path, {"settlement.surplus.bands": bands})
    paths = sorted(p.path for p in info.value.problems)
    assert paths == ["settlement.surplus.bands[0].retain", "settlement.surplus.bands[1].upto",
                     "settlement.surplus.bands[1].upto"]
    messages = " ".join(p.message for p in info.value.problems)
    assert "strictly increasing" in messages and "upto = inf" in messages


# -------------------------------------------------------------------------------------- sweeps
SWEEP = f'''[sweep]
name = "t"
base = "{REFERENCE.as_posix()}"
chunk_world = 2
metrics = ["balance_rat"]
overrides = {{ "budget.risk_reserve" = 2.0 }}

[[vary]]
kind = "grid"
key = "budget.risk_reserv"
values = [0.03, 0.05]

[[vary]]
kind = "grd"
key = "budget.risk_reserve"
values = [0.03]

[[county]]
name = "a"
[[county]]
name = "a"
scenario = "nowhere.toml"
'''


def test_a_sweep_reports_every_stage_at_once(tmp_path) -> None:
    path = write(tmp_path, "sweep.toml", SWEEP)
    with pytest.raises(InputError) as info:
        load_sweep(path)
    found = {p.path: p for p in info.value.problems}
    # the schema, the blocks, the metrics, the counties and their files, each county's scenario
    # with the sweep's overrides, and the varied keys: seven problems of five stages, one round
    assert set(found) == {"sweep.chunk_world", "vary[1].kind", "sweep.metrics[0]", "county[1].name",
                          "county[1].scenario", "budget.risk_reserve", "vary[0].key"}
    assert found["sweep.chunk_world"].hint == "did you mean 'chunk_worlds'?"
    assert found["sweep.metrics[0]"].hint == "did you mean 'balance_rate'?"
    assert found["vary[0].key"].hint == "did you mean 'risk_reserve'?"
    override = found["budget.risk_reserve"]
    assert override.file == str(path) and override.line == line(SWEEP, "overrides =")
    assert "county[0] (a)" in override.message


def test_varied_keys_are_checked_when_the_scenario_with_the_overrides_fails(tmp_path) -> None:
    text = SWEEP.replace("chunk_world = 2\n", "").replace('metrics = ["balance_rat"]\n', "") \
                .replace('overrides = { "budget.risk_reserve" = 2.0 }', 'overrides = { "scenario.seed" = -1 }')
    text = text[:text.index("[[vary]]\nkind = \"grd\"")]
    with pytest.raises(InputError) as info:
        load_sweep(write(tmp_path, "sweep.toml", text))
    paths = {p.path for p in info.value.problems}
    assert {"scenario.seed", "vary[0].key"} <= paths  # the varied key is checked on the plain base


def test_a_county_override_problem_points_at_the_county(tmp_path) -> None:
    text = SWEEP[:SWEEP.index("chunk_world")] + '\n[[county]]\nname = "b"\noverrides = { "scenario.years" = 0 }\n'
    path = write(tmp_path, "sweep.toml", text)
    with pytest.raises(InputError) as info:
        load_sweep(path)
    [problem] = info.value.problems
    assert problem.path == "scenario.years" and problem.line == line(text, 'overrides = { "scenario.years"')
