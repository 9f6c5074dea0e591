"""``--set KEY=VALUE`` overrides: TOML values on dotted paths of the scenario."""

from __future__ import annotations

import copy

import math
from pathlib import Path

import numpy as np
import pytest

from simulator.errors import InputError
from simulator.scenario import load_scenario, parse_overrides
from simulator.settlement.resolve import resolve_settlement


@pytest.mark.parametrize("text, value", [
    ("budget.risk_reserve=0.07", 0.07),
    ("scenario.years=3", 3),
    ("referral.upward_in_county=false", False),
    ("tiers.enabled=[true, true, false, true, true, true]", [True, True, False, True, True, True]),
    ("population.scheme_shares={resident=0.9, employee=0.1}", {"resident": 0.9, "employee": 0.1}),
    ('scenario.name="two words"', "two words"),
    ("settlement.rules=aca-corridor", "aca-corridor"),
    ("settlement.rules=rules/my-rules.toml", "rules/my-rules.toml"),
    ("casemix.source=builtin:reference", "builtin:reference"),
    ("payment.drg.high_ratio = 4", 4),
    ("budget.tcm_tilt=1e-2", 0.01),
])
def test_values_are_parsed_as_toml(text, value) -> None:
    [(key, parsed)] = parse_overrides([text])
    assert key == text.partition("=")[0].strip()
    assert parsed == value
    assert type(parsed) is type(value)


def test_list_of_tables_with_inf() -> None:
    [(_, bands)] = parse_overrides(["settlement.surplus.bands=[{upto=0.05,retain=1.0},{upto=inf,retain=0.3}]"])
    assert bands[0] == {"upto": 0.05, "retain": 1.0}
    assert math.isinf(bands[1]["upto"]) and bands[1]["retain"] == 0.3


@pytest.mark.parametrize("text", ["budget.risk_reserve", "=0.1", "scenario.name=two words",
                                  "budget.risk_reserve=0.07\nbudget.growth=1", "x=[1, 2"])
def test_bad_syntax_is_an_input_error(text) -> None:
    with pytest.raises(InputError) as info:
        parse_overrides([text])
    assert all(p.file == "--set" for p in info.value.problems)


def test_apply_does_not_touch_the_input(reference_path) -> None:
    import tomllib

    data = tomllib.loads(reference_path.read_text(encoding="utf-8"))
    before = copy.deepcopy(data)
    s = load_scenario(data, ["tiers.enabled[2]=false", "budget.risk_reserve=0.07"], base_dir=reference_path.parent)
    assert s.tiers.enabled[2] is False and s.budget.risk_reserve == 0.07
    assert data == before


@pytest.mark.parametrize("key, message", [
    ("a.b[7]", "out of range"),
    ("a.x[0]", "not a list"),
    ("a.b.c", "not a table"),
    ("a..b", "bad segment"),
])
def test_apply_reports_paths_it_cannot_follow(key, message) -> None:
    with pytest.raises(InputError) as info:
        load_scenario({"a": {"b": [1, 2]}}, {key: 1})
    [problem] = info.value.problems
    assert problem.path == key and problem.file == "--set" and message in problem.message


def test_scalar_override(reference_path) -> None:
    s = load_scenario(reference_path, ["budget.risk_reserve=0.07"])
    assert s.budget.risk_reserve == 0.07


def test_list_inline_table_and_index(reference_path) -> None:
    s = load_scenario(reference_path, [
        "tiers.quality=[0.3, 0.5, 0.6, 0.85, 1.0, 1.0]",
        "population.scheme_shares={resident=0.9, employee=0.1}",
        "tiers.enabled[2]=false",
        "settlement.assessment.indicators[1].weight=10",
    ])
    assert s.tiers.quality[3] == 0.85
    assert (s.population.scheme_shares.resident, s.population.scheme_shares.employee) == (0.9, 0.1)
    assert s.tiers.enabled == [True, True, False, True, True, True]
    _, indicators = resolve_settlement(s)
    assert indicators[1].weight == 10


def test_surplus_bands_replace_only_the_bands(reference_path) -> None:
    base_rules, _ = resolve_settlement(load_scenario(reference_path))
    s = load_scenario(reference_path, ["settlement.surplus.bands=[{upto=0.05,retain=1.0},{upto=inf,retain=0.3}]"])
    rules, _ = resolve_settlement(s)
    assert [(b.upto, b.retain) for b in rules.surplus.bands] == [(0.05, 1.0), (math.inf, 0.3)]
    assert rules.overspend == base_rules.overspend
    assert rules.withhold_rate == base_rules.withhold_rate


def test_bare_preset_name(reference_path) -> None:
    s = load_scenario(reference_path, ["settlement.rules=aca-corridor"])
    assert s.settlement.rules == "aca-corridor"
    rules, _ = resolve_settlement(s)
    assert rules.name == "aca-corridor"


def test_rules_path_from_set_is_relative_to_the_scenario(tmp_scenario) -> None:
    from importlib import resources

    preset = resources.files("simulator").joinpath("settlement", "presets", "mssp-basic-c.toml")
    path = tmp_scenario(files={"rules/mine.toml": preset.read_text(encoding="utf-8")})
    s = load_scenario(path, ["settlement.rules=rules/mine.toml"])
    assert Path(s.settlement.rules) == path.parent.resolve() / "rules" / "mine.toml"


def test_later_overrides_win(reference_path) -> None:
    s = load_scenario(reference_path, ["scenario.years=2", "scenario.years=4"])
    assert s.scenario.years == 4


def test_mapping_overrides_accept_numpy_values(reference_path) -> None:
    s = load_scenario(reference_path, {"scenario.replications": np.int64(7),
                                       "budget.risk_reserve": np.float64(0.07),
                                       "tiers.quality": np.array([0.3, 0.5, 0.6, 0.8, 1.0, 1.0])})
    assert s.scenario.replications == 7 and type(s.scenario.replications) is int
    assert s.budget.risk_reserve == 0.07
    assert s.tiers.quality == [0.3, 0.5, 0.6, 0.8, 1.0, 1.0]


def test_strings_are_not_numbers(reference_path) -> None:
    with pytest.raises(InputError) as info:
        load_scenario(reference_path, ['scenario.years="3"'])
    assert info.value.problems[0].path == "scenario.years"


def test_override_problems_name_set_not_the_file(reference_path) -> None:
    with pytest.raises(InputError) as info:
        load_scenario(reference_path, ["budget.risk_resrve=0.07", "scenario.years=0"])
    problems = {p.path: p for p in info.value.problems}
    assert set(problems) == {"budget.risk_resrve", "scenario.years"}
    assert all(p.file == "--set" and p.line is None for p in problems.values())
    assert problems["budget.risk_resrve"].hint == "did you mean 'risk_reserve'?"
