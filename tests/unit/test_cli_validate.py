"""``mcsim validate``: the summary line, then the resolved settlement rules (rules file or preset
with the scenario's inline parts), in a few readable lines."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from simulator.cli import mcsim
from tests.conftest import COUNTY_VISIT_INDICATOR, LOCAL_TIERED_HEAD

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"
SUMMARY = re.compile(r"^ok: \S+ — [\d,]+ insured, \d+ years from \d{4}, \d+ worlds, "
                     r"settlement '[^']+', hash [0-9a-f]{16}$")

RULES = LOCAL_TIERED_HEAD + """

[settlement.surplus]
min_rate = 0.01
bands = [ {upto = 0.05, retain = 1.0},
          {upto = inf,  retain = 0.3} ]

[settlement.overspend]
cap_rate = 0.08
bands = [ {upto = 0.05, fund_share = 0.6},
          {upto = inf,  fund_share = 0.0} ]

[settlement.assessment]
pass_score = 50
mode = "linear_above_pass"
applies_to = ["surplus"]
""" + COUNTY_VISIT_INDICATOR


def validate(path: Path, *args: str):
    result = CliRunner().invoke(mcsim, ["validate", str(path), *args])
    return result, result.output


def with_rules_file(tmp_path: Path, settlement: str, rules: str = RULES) -> Path:
    text = REFERENCE.read_text(encoding="utf-8")
    text = re.sub(r"\n\[settlement\]\n.*?(?=\n\[dynamics\])", "\n" + settlement, text, flags=re.S)
    (tmp_path / "rules.toml").write_text(rules, encoding="utf-8")
    path = tmp_path / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_first_line_is_the_summary_then_the_resolved_settlement():
    result, output = validate(REFERENCE)
    assert result.exit_code == 0, output
    lines = output.splitlines()
    assert SUMMARY.match(lines[0]), lines[0]
    assert "'county-tiered'" in lines[0]
    rest = "\n".join(lines[1:])
    assert lines[1] == "settlement: county-tiered (preset), withhold 5%"
    assert "surplus (retain):       min rate 0%, cap none, bands [0%–5%: 100%; 5%–15%: 50%; 15%–∞: 0%]" in rest
    assert "overspend (fund share): min rate 0%, cap none, bands [0%–5%: 70%; 5%–10%: 50%; 10%–∞: 0%]" in rest
    assert "assessment: mode linear, full score 100, pass score 60, applies to surplus, withhold" in rest
    assert "indicators (from the scenario): 4, total weight 100" in rest
    for key, weight in (("county_visit_share", 30), ("primary_visit_share", 25), ("cost_growth_rate", 20),
                        ("effective_reimbursement_rate", 25)):
        [row] = [line for line in lines if line.strip().startswith(key + " ")]
        assert row.endswith(f"weight {weight} ({weight}%)"), row
    head = next(i for i, line in enumerate(lines) if line.startswith("uncertainty: "))
    assert head <= 12, "compact: a few lines of settlement"
    assert len(lines) - head == 1 + 6, "then one line per uncertain param of the reference"


def test_rules_file_assessment_with_an_inline_pass_score(tmp_path):
    path = with_rules_file(tmp_path, '[settlement]\nrules = "rules.toml"\n\n[settlement.assessment]\npass_score = 70\n')
    result, output = validate(path)
    assert result.exit_code == 0, output
    assert f"settlement: local-tiered (file {tmp_path / 'rules.toml'}), withhold 4%" in output
    assert "min rate 1%, cap none, bands [0%–5%: 100%; 5%–∞: 30%]" in output
    assert "min rate 0%, cap 8% of B, bands [0%–5%: 60%; 5%–∞: 0%]" in output
    assert "assessment: mode linear_above_pass, full score 100, pass score 70, applies to surplus\n" in output
    assert "indicators (from the rules file): 1, total weight 3" in output
    assert re.search(r"county_visit_share +at_least 0\.9 +tolerance 0\.1 +weight 3 \(100%\)", output)


def test_set_overrides_show_in_the_resolved_settlement(tmp_path):
    path = with_rules_file(tmp_path, '[settlement]\nrules = "rules.toml"\n')
    result, output = validate(path, "--set", "settlement.assessment.mode=pass_fail",
                              "--set", "settlement.assessment.indicators=[]")
    assert result.exit_code == 0, output
    assert "assessment: mode pass_fail, full score 100, pass score 50" in output
    assert "indicators: none (score = full score 100)" in output


def test_unknown_indicator_in_the_rules_file_exits_2_naming_it(tmp_path):
    path = with_rules_file(tmp_path, '[settlement]\nrules = "rules.toml"\n',
                           RULES.replace('key = "county_visit_share"', 'key = "county_visits_share"'))
    result, output = validate(path)
    assert result.exit_code == 2, output
    line = RULES.splitlines().index('key = "county_visit_share"') + 1
    assert f"rules.toml:{line}: settlement.assessment.indicators[0].key: unknown indicator" in output
    assert "did you mean 'county_visit_share'?" in output
    assert "ok:" not in output and "Traceback" not in output
