"""Settlement rule models, presets and the loader (docs/settlement.md, "Rule file", "Presets")."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pydantic import ValidationError

from simulator.errors import InputError
from simulator.settlement import (
    AssessmentIndicator,
    AssessmentRules,
    ScenarioAssessment,
    SettlementRules,
    SurplusRules,
    list_presets,
    load_rules,
)
from tests.conftest import COUNTY_VISIT_INDICATOR

RULES = """\
[settlement]
name = "test"
withhold_rate = 0.05

[settlement.surplus]
min_rate = 0.0
cap_rate = inf
bands = [ {upto = 0.05, retain = 1.0},
          {upto = 0.15, retain = 0.5},
          {upto = inf,  retain = 0.0} ]

[settlement.overspend]
bands = [ {upto = 0.05, fund_share = 0.7},
          {upto = inf,  fund_share = 0.0} ]

[settlement.assessment]
mode = "linear"
applies_to = ["surplus", "withhold"]
"""


def write(tmp_path: Path, text: str, name: str = "rules.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def only_problem(exc: pytest.ExceptionInfo[InputError]):
    assert len(exc.value.problems) == 1, exc.value.format()
    return exc.value.problems[0]


# ---------------------------------------------------------------------------------------------
# presets
# ---------------------------------------------------------------------------------------------

def test_presets_listed_and_load():
    assert list_presets() == ["aca-corridor", "county-tiered", "full-carryover", "mssp-basic-c"]
    for name in list_presets():
        rules = load_rules(name)
        assert rules.name == name


def test_preset_files_cite_sources():
    folder = Path(__file__).resolve().parents[2] / "simulator" / "settlement" / "presets"
    for path in folder.glob("*.toml"):
        text = path.read_text(encoding="utf-8")
        assert "docs/settlement.md" in text and "docs/data-sources.md" in text, path.name


def test_county_tiered_preset_is_the_spec_file():
    rules = load_rules("county-tiered")
    assert rules.withhold_rate == 0.05
    assert [(b.upto, b.retain) for b in rules.surplus.bands] == [(0.05, 1.0), (0.15, 0.5), (math.inf, 0.0)]
    assert [(b.upto, b.fund_share) for b in rules.overspend.bands] == [(0.05, 0.7), (0.10, 0.5),
                                                                         (math.inf, 0.0)]
    assert rules.assessment.mode == "linear"
    assert rules.assessment.applies_to == ("surplus", "withhold")


def test_aca_corridor_preset():
    rules = load_rules("aca-corridor")
    assert [(b.upto, b.fund_share) for b in rules.overspend.bands] == [(0.03, 0.0), (0.08, 0.5),
                                                                         (math.inf, 0.8)]
    assert [(b.upto, b.retain) for b in rules.surplus.bands] == [(0.03, 1.0), (0.08, 0.5), (math.inf, 0.2)]
    assert rules.withhold_rate == 0.0 and rules.assessment.applies_to == ()


def test_mssp_basic_c_preset():
    rules = load_rules("mssp-basic-c")
    assert (rules.surplus.min_rate, rules.surplus.cap_rate) == (0.02, 0.10)
    assert [(b.upto, b.retain) for b in rules.surplus.bands] == [(math.inf, 0.5)]
    assert (rules.overspend.min_rate, rules.overspend.cap_rate) == (0.02, 0.01)
    assert [(b.upto, b.fund_share) for b in rules.overspend.bands] == [(math.inf, 0.7)]
    assert rules.assessment.mode == "linear" and rules.assessment.applies_to == ("surplus",)
    assert rules.withhold_rate == 0.0


def test_full_carryover_preset():
    rules = load_rules("full-carryover")
    assert [(b.upto, b.retain) for b in rules.surplus.bands] == [(math.inf, 1.0)]
    assert [(b.upto, b.fund_share) for b in rules.overspend.bands] == [(0.05, 0.6), (0.10, 0.4),
                                                                         (math.inf, 0.0)]
    assert rules.withhold_rate == 0.0 and rules.assessment.applies_to == ()


def test_unknown_preset_lists_presets_and_suggests():
    with pytest.raises(InputError) as exc:
        load_rules("county-tierd")
    problem = only_problem(exc)
    for name in list_presets():
        assert name in problem.message
    assert problem.hint == "did you mean 'county-tiered'?"


# ---------------------------------------------------------------------------------------------
# files
# ---------------------------------------------------------------------------------------------

def test_rules_file_relative_to_base_dir(tmp_path):
    write(tmp_path, RULES)
    rules = load_rules("rules.toml", base_dir=tmp_path)
    assert rules.name == "test" and rules.overspend.min_rate == 0.0
    assert rules.overspend.cap_rate == math.inf


def test_name_defaults_to_file_stem(tmp_path):
    path = write(tmp_path, RULES.replace('name = "test"\n', ""), name="my-county.toml")
    assert load_rules(path).name == "my-county"


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="rules file not found"):
        load_rules(tmp_path / "nope.toml")


def test_bands_not_increasing_names_key_file_and_line(tmp_path):
    path = write(tmp_path, RULES.replace("{upto = 0.15, retain = 0.5}", "{upto = 0.04, retain = 0.5}"))
    with pytest.raises(InputError) as exc:
        load_rules(path)
    problem = only_problem(exc)
    assert problem.path == "settlement.surplus.bands[1].upto"
    assert "strictly increasing" in problem.message
    assert problem.file == str(path) and problem.line == 9


def test_last_band_must_be_inf(tmp_path):
    path = write(tmp_path, RULES.replace("{upto = inf,  fund_share = 0.0}", "{upto = 0.2,  fund_share = 0.0}"))
    with pytest.raises(InputError) as exc:
        load_rules(path)
    problem = only_problem(exc)
    assert problem.path == "settlement.overspend.bands[1].upto"
    assert "inf" in problem.message and problem.line == 14


def test_share_out_of_range(tmp_path):
    path = write(tmp_path, RULES.replace("retain = 0.5", "retain = 1.5"))
    with pytest.raises(InputError) as exc:
        load_rules(path)
    problem = only_problem(exc)
    assert problem.path == "settlement.surplus.bands[1].retain"
    assert "less than or equal to 1" in problem.message


def test_negative_rate_and_withhold(tmp_path):
    text = RULES.replace("min_rate = 0.0", "min_rate = -0.01").replace("withhold_rate = 0.05",
                                                                      "withhold_rate = 1.2")
    with pytest.raises(InputError) as exc:
        load_rules(write(tmp_path, text))
    paths = {p.path: p.line for p in exc.value.problems}
    assert paths == {"settlement.withhold_rate": 3, "settlement.surplus.min_rate": 6}


def test_string_amount_rejected(tmp_path):
    with pytest.raises(InputError) as exc:
        load_rules(write(tmp_path, RULES.replace("min_rate = 0.0", 'min_rate = "0.0"')))
    assert only_problem(exc).path == "settlement.surplus.min_rate"


def test_unknown_key_did_you_mean(tmp_path):
    with pytest.raises(InputError) as exc:
        load_rules(write(tmp_path, RULES.replace("cap_rate = inf", "cap_rte = inf")))
    problem = only_problem(exc)
    assert problem.path == "settlement.surplus.cap_rte" and problem.line == 7
    assert problem.hint == "did you mean 'cap_rate'?"


def test_pass_score_above_full(tmp_path):
    text = RULES.replace('mode = "linear"', 'mode = "linear"\nfull_score = 100\npass_score = 120')
    with pytest.raises(InputError) as exc:
        load_rules(write(tmp_path, text))
    problem = only_problem(exc)
    assert problem.path == "settlement.assessment.pass_score" and "full_score = 100" in problem.message


def test_unknown_mode_and_part(tmp_path):
    text = RULES.replace('mode = "linear"', 'mode = "linaer"').replace('"withhold"]', '"witheld"]')
    with pytest.raises(InputError) as exc:
        load_rules(write(tmp_path, text))
    paths = sorted(p.path for p in exc.value.problems)
    assert paths == ["settlement.assessment.applies_to[1]", "settlement.assessment.mode"]


def test_no_settlement_table_and_extra_table(tmp_path):
    with pytest.raises(InputError, match=r"no \[settlement\] table"):
        load_rules(write(tmp_path, "[other]\nx = 1\n"))
    with pytest.raises(InputError) as exc:
        load_rules(write(tmp_path, RULES + "\n[settlment]\nx = 1\n"))
    problem = only_problem(exc)
    assert problem.path == "settlment" and problem.hint == "did you mean 'settlement'?"


def test_toml_syntax_error_has_line(tmp_path):
    with pytest.raises(InputError) as exc:
        load_rules(write(tmp_path, RULES.replace("withhold_rate = 0.05", "withhold_rate = ")))
    assert only_problem(exc).line == 3


def test_empty_bands(tmp_path):
    text = RULES.replace("""bands = [ {upto = 0.05, fund_share = 0.7},
          {upto = inf,  fund_share = 0.0} ]""", "bands = []")
    with pytest.raises(InputError) as exc:
        load_rules(write(tmp_path, text))
    assert only_problem(exc).path == "settlement.overspend.bands"


# ---------------------------------------------------------------------------------------------
# overrides
# ---------------------------------------------------------------------------------------------

def test_override_replaces_only_given_keys():
    bands = [{"upto": 0.05, "retain": 1.0}, {"upto": math.inf, "retain": 0.3}]
    rules = load_rules("mssp-basic-c", overrides={"surplus": {"bands": bands}, "withhold_rate": 0.1})
    assert [(b.upto, b.retain) for b in rules.surplus.bands] == [(0.05, 1.0), (math.inf, 0.3)]
    assert (rules.surplus.min_rate, rules.surplus.cap_rate) == (0.02, 0.10)
    assert rules.withhold_rate == 0.1
    assert rules.overspend == load_rules("mssp-basic-c").overspend


def test_override_assessment_with_indicators_and_model():
    indicator = {"key": "county_visit_share", "direction": "at_least", "target": 0.9,
                 "tolerance": 0.1, "weight": 30}
    rules = load_rules("county-tiered", overrides={"assessment": {"mode": "pass_fail",
                                                                  "indicators": [indicator]}})
    assert rules.assessment.mode == "pass_fail"
    assert rules.assessment.applies_to == ("surplus", "withhold")
    assert rules.assessment.indicators[0].key == "county_visit_share"
    model = ScenarioAssessment(mode="linear_above_pass")
    rules = load_rules("county-tiered", overrides={"assessment": model})
    assert rules.assessment.mode == "linear_above_pass"
    assert rules.assessment.applies_to == ("surplus", "withhold")


def test_override_errors_name_the_overrides_file():
    bands = [{"upto": 0.05, "retain": 1.0}, {"upto": 0.03, "retain": 0.3}, {"upto": math.inf, "retain": 0}]
    lines = {"settlement.surplus.bands": 42}
    with pytest.raises(InputError) as exc:
        load_rules("county-tiered", overrides={"surplus": {"bands": bands}},
                   overrides_file="scenario.toml", overrides_lines=lines)
    problem = only_problem(exc)
    assert problem.path == "settlement.surplus.bands[1].upto"
    assert (problem.file, problem.line) == ("scenario.toml", 42)


def test_override_unknown_part_and_not_a_table():
    with pytest.raises(InputError) as exc:
        load_rules("county-tiered", overrides={"surplis": {}, "overspend": 3})
    problems = {p.path: p for p in exc.value.problems}
    assert problems["settlement.surplis"].hint == "did you mean 'surplus'?"
    assert "must be a table" in problems["settlement.overspend"].message


INDICATORS = COUNTY_VISIT_INDICATOR


def test_assessment_override_keeps_the_files_mode_and_indicators(tmp_path):
    text = RULES.replace('mode = "linear"', 'mode = "linear_above_pass"\npass_score = 50') + INDICATORS
    rules = load_rules(write(tmp_path, text), overrides={"assessment": {"pass_score": 70}})
    assert (rules.assessment.mode, rules.assessment.pass_score) == ("linear_above_pass", 70)
    assert rules.assessment.applies_to == ("surplus", "withhold")
    assert [(i.key, i.weight) for i in rules.assessment.indicators] == [("county_visit_share", 3)]


def test_override_arrays_replace_whole_arrays(tmp_path):
    path = write(tmp_path, RULES + INDICATORS)
    indicator = {"key": "primary_visit_share", "direction": "at_least", "target": 0.6,
                 "tolerance": 0.2, "weight": 1}
    rules = load_rules(path, overrides={"assessment": {"applies_to": ["overspend"], "indicators": [indicator]},
                                        "overspend": {"bands": [{"upto": math.inf, "fund_share": 0.5}]}})
    assert rules.assessment.applies_to == ("overspend",)
    assert [i.key for i in rules.assessment.indicators] == ["primary_visit_share"]
    assert [(b.upto, b.fund_share) for b in rules.overspend.bands] == [(math.inf, 0.5)]
    assert rules.surplus == load_rules(path).surplus


def test_surplus_min_rate_override_keeps_the_files_bands(tmp_path):
    path = write(tmp_path, RULES)
    rules = load_rules(path, overrides={"surplus": {"min_rate": 0.02}})
    assert rules.surplus.min_rate == 0.02
    assert rules.surplus.bands == load_rules(path).surplus.bands


def test_check_problems_are_placed_where_the_key_was_written(tmp_path):
    from simulator.errors import Problem

    path = write(tmp_path, RULES + INDICATORS)

    def check(merged):
        keys = [i["key"] for i in merged["assessment"].get("indicators", [])]
        return [Problem(f"assessment.indicators[{n}].key", f"checked {key}") for n, key in enumerate(keys)]

    with pytest.raises(InputError) as exc:
        load_rules(path, check=check)
    problem = only_problem(exc)
    assert (problem.path, problem.message) == ("settlement.assessment.indicators[0].key", "checked county_visit_share")
    assert (Path(problem.file), problem.line) == (path, (RULES + INDICATORS).splitlines().index(
        'key = "county_visit_share"') + 1)
    indicator = {"key": "primary_visit_share", "direction": "at_least", "target": 0.6,
                 "tolerance": 0.2, "weight": 1}
    with pytest.raises(InputError) as exc:
        load_rules(path, check=check, overrides={"assessment": {"indicators": [indicator]}},
                   overrides_file="scenario.toml",
                   overrides_lines={"settlement.assessment.indicators[0].key": 17})
    problem = only_problem(exc)
    assert (problem.file, problem.line, problem.message) == ("scenario.toml", 17, "checked primary_visit_share")


def test_check_problems_come_with_the_schema_problems(tmp_path):
    from simulator.errors import Problem

    path = write(tmp_path, RULES.replace("retain = 0.5", "retain = 1.5"))
    with pytest.raises(InputError) as exc:
        load_rules(path, check=lambda merged: [Problem("assessment.mode", "also this")])
    assert sorted(p.path for p in exc.value.problems) == ["settlement.assessment.mode",
                                                          "settlement.surplus.bands[1].retain"]


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------

def test_models_are_frozen_and_strict():
    rules = load_rules("county-tiered")
    with pytest.raises(ValidationError):
        rules.withhold_rate = 0.5  # type: ignore[misc]
    with pytest.raises(ValidationError):
        SurplusRules(bands=[{"upto": math.inf, "retain": 1.0}], extra_key=1)
    with pytest.raises(ValidationError):
        SurplusRules(bands=[{"upto": math.inf, "retain": math.nan}])
    with pytest.raises(ValidationError):
        SurplusRules(bands=[{"upto": 0.0, "retain": 1.0}, {"upto": math.inf, "retain": 1.0}])


def test_assessment_defaults_and_indicator_validation():
    rules = AssessmentRules()
    assert (rules.full_score, rules.pass_score, rules.mode, rules.applies_to) == (100, 60, "linear", ())
    with pytest.raises(ValidationError):
        AssessmentIndicator(key="x", direction="at_least", target=0.9, tolerance=-0.1, weight=1)
    with pytest.raises(ValidationError):
        AssessmentIndicator(key="x", direction="above", target=0.9, tolerance=0.1, weight=1)
    with pytest.raises(ValidationError):
        AssessmentRules(full_score=0)
    assert SettlementRules.model_fields["assessment"].annotation is ScenarioAssessment
