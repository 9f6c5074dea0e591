"""A scenario's settlement resolved from a rules file and inline parts (simulator.settlement.resolve).

One merge rule for every part (``docs/settlement.md``, "Rule file"): an inline table replaces only
the keys it names, an inline array replaces the whole array. The rules file's assessment
indicators are used unless the scenario gives its own; both are checked, each problem placed in
the file where the indicator was written.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import simulator
from simulator.errors import InputError
from simulator.prepare import prepare
from simulator.report.html import assessment_rows, settings_rows
from simulator.report.labels import Labels
from simulator.scenario import load_scenario
from simulator.settlement import load_rules, score_factor
from simulator.settlement.resolve import resolve_settlement
from tests.conftest import COUNTY_VISIT_INDICATOR, LOCAL_TIERED_HEAD, indicator_block

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"

RULES = LOCAL_TIERED_HEAD + """

[settlement.surplus]
min_rate = 0.01
cap_rate = 0.12
bands = [ {upto = 0.05, retain = 1.0},
          {upto = inf,  retain = 0.3} ]

[settlement.overspend]
min_rate = 0.02
bands = [ {upto = 0.05, fund_share = 0.6},
          {upto = inf,  fund_share = 0.0} ]

[settlement.assessment]
pass_score = 50
mode = "linear_above_pass"
applies_to = ["surplus", "withhold"]
""" + COUNTY_VISIT_INDICATOR + indicator_block("cost_growth_rate", "at_most", 0.05, 0.05, 1)

INDICATOR = indicator_block("primary_visit_share", "at_least", 0.6, 0.2, 5)


def scenario(tmp_path: Path, settlement: str, rules: str | None = RULES) -> Path:
    """The reference scenario with its ``[settlement]`` tables replaced (rules file beside it)."""
    text = REFERENCE.read_text(encoding="utf-8")
    text = re.sub(r"\n\[settlement\]\n.*?(?=\n\[dynamics\])", "\n" + settlement, text, flags=re.S)
    assert "county-tiered" not in text, "test set-up: the settlement section was not replaced"
    if rules is not None:
        (tmp_path / "rules.toml").write_text(rules, encoding="utf-8")
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def resolved(tmp_path: Path, settlement: str, *overrides: str, rules: str | None = RULES):
    s = load_scenario(scenario(tmp_path, settlement, rules), list(overrides))
    return resolve_settlement(s)


def file_rules(tmp_path: Path):
    path = tmp_path / "plain" / "rules.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(RULES, encoding="utf-8")
    return load_rules(path)


# ---------------------------------------------------------------------------------------------
# the merge rule
# ---------------------------------------------------------------------------------------------

def test_rules_file_alone_is_used_whole_with_its_indicators(tmp_path):
    rules, indicators = resolved(tmp_path, '[settlement]\nrules = "rules.toml"\n')
    assert rules == file_rules(tmp_path)
    assert rules.assessment.mode == "linear_above_pass"
    assert [i.key for i in indicators] == ["county_visit_share", "cost_growth_rate"]
    assert [i.weight for i in indicators] == [3, 1]


def test_inline_pass_score_keeps_the_files_mode_and_indicators(tmp_path):
    rules, indicators = resolved(tmp_path, '[settlement]\nrules = "rules.toml"\n\n'
                                           "[settlement.assessment]\npass_score = 70\n")
    a = rules.assessment
    assert (a.full_score, a.pass_score, a.mode) == (100, 70, "linear_above_pass")
    assert a.applies_to == ("surplus", "withhold")
    assert [i.key for i in indicators] == ["county_visit_share", "cost_growth_rate"]
    # hand-worked: g(85) = (85 − 70) / (100 − 70) = 0.5; g(70) = 0; g(100) = 1
    assert np.allclose(score_factor(a, [85.0, 70.0, 100.0]), [0.5, 0.0, 1.0])
    # the other parts are the file's
    plain = file_rules(tmp_path)
    assert (rules.surplus, rules.overspend, rules.withhold_rate) == (plain.surplus, plain.overspend, 0.04)


def test_inline_indicators_replace_the_files_as_a_whole(tmp_path):
    rules, indicators = resolved(tmp_path, '[settlement]\nrules = "rules.toml"\n' + INDICATOR)
    assert [(i.key, i.target, i.weight) for i in indicators] == [("primary_visit_share", 0.6, 5)]
    assert rules.assessment.indicators == tuple(indicators)
    assert rules.assessment.mode == "linear_above_pass" and rules.assessment.pass_score == 50


def test_inline_empty_indicators_mean_no_assessment(tmp_path):
    rules, indicators = resolved(tmp_path, '[settlement]\nrules = "rules.toml"\n\n'
                                           "[settlement.assessment]\nindicators = []\n")
    assert indicators == [] and rules.assessment.mode == "linear_above_pass"


def test_inline_surplus_min_rate_keeps_the_files_bands(tmp_path):
    rules, _ = resolved(tmp_path, '[settlement]\nrules = "rules.toml"\n\n'
                                  "[settlement.surplus]\nmin_rate = 0.03\n\n"
                                  "[settlement.overspend]\ncap_rate = 0.08\n")
    plain = file_rules(tmp_path)
    assert rules.surplus.min_rate == 0.03
    assert (rules.surplus.cap_rate, rules.surplus.bands) == (0.12, plain.surplus.bands)
    assert (rules.overspend.min_rate, rules.overspend.cap_rate) == (0.02, 0.08)
    assert rules.overspend.bands == plain.overspend.bands
    assert rules.withhold_rate == 0.04 and rules.assessment == plain.assessment


def test_inline_arrays_replace_whole_arrays(tmp_path):
    rules, _ = resolved(tmp_path, '[settlement]\nrules = "rules.toml"\nwithhold_rate = 0.1\n\n'
                                  "[settlement.surplus]\nbands = [{upto = inf, retain = 0.8}]\n\n"
                                  '[settlement.assessment]\napplies_to = ["overspend"]\n')
    assert [(b.upto, b.retain) for b in rules.surplus.bands] == [(math.inf, 0.8)]
    assert (rules.surplus.min_rate, rules.surplus.cap_rate) == (0.01, 0.12)
    assert rules.assessment.applies_to == ("overspend",)
    assert rules.withhold_rate == 0.1 and len(rules.assessment.indicators) == 2


def test_set_overrides_name_only_their_keys(tmp_path):
    rules, indicators = resolved(tmp_path, '[settlement]\nrules = "rules.toml"\n',
                                 "settlement.assessment.mode=pass_fail", "settlement.surplus.cap_rate=0.2")
    assert (rules.assessment.mode, rules.assessment.pass_score) == ("pass_fail", 50)
    assert rules.assessment.applies_to == ("surplus", "withhold") and len(indicators) == 2
    assert (rules.surplus.cap_rate, rules.surplus.min_rate, len(rules.surplus.bands)) == (0.2, 0.01, 2)


def test_preset_without_indicators_has_none(tmp_path):
    rules, indicators = resolved(tmp_path, '[settlement]\nrules = "mssp-basic-c"\n', rules=None)
    assert rules == load_rules("mssp-basic-c") and indicators == []


def test_reference_resolves_to_its_preset_with_its_inline_indicators():
    s = load_scenario(REFERENCE)
    rules, indicators = resolve_settlement(s)
    preset = load_rules("county-tiered")
    assert rules.model_dump(exclude={"assessment"}) == preset.model_dump(exclude={"assessment"})
    assert rules.assessment.model_dump(exclude={"indicators"}) == \
        preset.assessment.model_dump(exclude={"indicators"})
    assert [i.key for i in indicators] == [i["key"] for i in s.settlement.assessment["indicators"]]


def test_the_engine_scores_the_rules_files_indicators(tmp_path):
    # one indicator nobody can meet (every visit in county, no tolerance): the score is 0, not
    # the full score of "no indicators"
    rules = RULES.split("[[settlement.assessment.indicators]]")[0] + (
        '[[settlement.assessment.indicators]]\nkey = "county_visit_share"\ndirection = "at_least"\n'
        "target = 1.0\ntolerance = 0.0\nweight = 1\n")
    path = scenario(tmp_path, '[settlement]\nrules = "rules.toml"\n', rules)
    s = load_scenario(path, ["population.size=2000", "scenario.years=1", "scenario.replications=2"])
    assert [i.key for i in prepare(s).indicators] == ["county_visit_share"]
    result = simulator.run(s, seed=1)
    assert (result.worlds["assessment_score"] == 0.0).all()


# ---------------------------------------------------------------------------------------------
# indicator checks, wherever the indicators were written
# ---------------------------------------------------------------------------------------------

def test_unknown_indicator_in_rules_file_names_the_file_key_and_line(tmp_path):
    bad = RULES.replace('key = "cost_growth_rate"', 'key = "cost_growht_rate"')
    with pytest.raises(InputError) as info:
        resolved(tmp_path, '[settlement]\nrules = "rules.toml"\n', rules=bad)
    [problem] = info.value.problems
    assert Path(problem.file) == tmp_path / "rules.toml"
    assert problem.path == "settlement.assessment.indicators[1].key"
    assert problem.line == bad.splitlines().index('key = "cost_growht_rate"') + 1
    assert "unknown indicator 'cost_growht_rate'" in problem.message
    assert problem.hint == "did you mean 'cost_growth_rate'?"


def test_post_settlement_indicator_in_rules_file_is_refused(tmp_path):
    bad = RULES.replace('key = "county_visit_share"', 'key = "retained_surplus"')
    with pytest.raises(InputError) as info:
        resolved(tmp_path, '[settlement]\nrules = "rules.toml"\n', rules=bad)
    [problem] = info.value.problems
    assert Path(problem.file) == tmp_path / "rules.toml"
    assert problem.path == "settlement.assessment.indicators[0].key"
    assert "only known after settlement" in problem.message


def test_bad_rules_file_indicators_do_not_matter_when_the_scenario_replaces_them(tmp_path):
    bad = RULES.replace('key = "county_visit_share"', 'key = "no_such_indicator"')
    _, indicators = resolved(tmp_path, '[settlement]\nrules = "rules.toml"\n' + INDICATOR, rules=bad)
    assert [i.key for i in indicators] == ["primary_visit_share"]


def test_unknown_inline_indicator_points_at_the_scenario(tmp_path):
    text = '[settlement]\nrules = "rules.toml"\n' + INDICATOR.replace("primary_visit_share", "primary_visits")
    path = scenario(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    [problem] = info.value.problems
    assert Path(problem.file) == path and problem.path == "settlement.assessment.indicators[0].key"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert problem.line == lines.index('key = "primary_visits"') + 1
    assert problem.hint == "did you mean 'primary_visit_share'?"


def test_inline_indicators_not_an_array(tmp_path):
    with pytest.raises(InputError) as info:
        resolved(tmp_path, '[settlement]\nrules = "rules.toml"\n', "settlement.assessment.indicators=3")
    [problem] = info.value.problems
    assert problem.path == "settlement.assessment.indicators" and "array of tables" in problem.message


# ---------------------------------------------------------------------------------------------
# the report's settings show the resolved assessment
# ---------------------------------------------------------------------------------------------

def fake_results(s, rules, indicators):
    worlds = pd.DataFrame({"world": [0, 1], "year": [2026, 2026]})
    prepared = SimpleNamespace(rules=rules, indicators=tuple(indicators))
    return SimpleNamespace(scenario=s, prepared=prepared, worlds=worlds)


def test_report_settings_show_the_resolved_assessment(tmp_path):
    path = scenario(tmp_path, '[settlement]\nrules = "rules.toml"\n\n[settlement.assessment]\npass_score = 70\n')
    s = load_scenario(path)
    rules, indicators = resolve_settlement(s)
    en = dict(settings_rows(fake_results(s, rules, indicators), Labels("en")))
    assert en["Assessment"] == ("linear above the pass score (linear_above_pass); full score 100, "
                                "pass score 70; applies to: surplus kept, withhold")
    listed = en["Assessment indicators (weight)"]
    assert listed.startswith("In-county visit share ≥ 90.0% (tolerance 10.0%), weight 3; ")
    assert "Cost growth rate ≤ 5.00% (tolerance 5.00%), weight 1" in listed
    assert listed.endswith("(from the rules file)")
    zh = dict(settings_rows(fake_results(s, rules, indicators), Labels("zh")))
    assert zh["考核规则"].startswith("及格分以上按比例 (linear_above_pass); 满分 100, 及格分 70; 作用于: 结余留用, 质量保证金")
    assert zh["考核指标(权重)"].startswith("县域内就诊率 ≥ 90.0% (容差 10.0%), 权重 3; ")


def test_report_settings_without_indicators():
    rules = load_rules("aca-corridor")
    rows = dict(assessment_rows(rules, [], Labels("en")))
    assert rows["Assessment"].endswith("applies to: no settlement part")
    assert rows["Assessment indicators (weight)"] == "none (the score is the full score)"
