"""Bad scenarios through the real CLI: exit code 2, the key path, the line, a hint, no traceback.

Each case writes a modified copy of ``scenarios/reference.toml`` (text edits keep its line
numbers) and runs ``mcsim validate`` on it. ``line`` names a fragment of the written scenario:
the output must point at ``scenario.toml:<line of that fragment>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from simulator.cli import mcsim

SURPLUS_AT = "[settlement.assessment]\n"

CASEMIX_CSV = (
    "group,name,weight,severity,base_cost,los_mean,post_acute,long_stay,base_group,"
    "share_0-14,share_15-44,share_45-59,share_60-74,share_75+\n"
    "A1,Pneumonia,0.8,1,5000,6,0,0,1,0.5,0.4,0.3,0.3,0.3\n"
    "B2,Stroke,2.0,3,15000,12,1,0,0,0.3,0.3,0.4,0.4,0.4\n"
    "C4,Cardiac surgery,6.0,4,60000,15,0,0,0,0.1,0.2,0.2,0.2,0.2\n"
    "R1,Rehabilitation,1.5,2,20000,40,0,1,0,0.1,0.1,0.1,0.1,0.1\n"
)
USE_CASEMIX_FILE = ('source = "builtin:reference"', 'file = "casemix.csv"')


@dataclass(frozen=True)
class Case:
    id: str
    expect: tuple[str, ...]
    replace: tuple[tuple[str, str], ...] = ()
    edits: dict[str, Any] = field(default_factory=dict)
    files: dict[str, str | bytes] = field(default_factory=dict)
    args: tuple[str, ...] = ()
    raw: tuple[bytes, bytes] | None = None  # byte substitution after writing
    line: str | None = None


def surplus(bands: str) -> tuple[str, str]:
    return (SURPLUS_AT, f"[settlement.surplus]\nbands = {bands}\n\n{SURPLUS_AT}")


CASES = [
    # --- types --------------------------------------------------------------------------------
    Case("years_string", ("scenario.years", "valid integer", "'five'"),
         replace=(("years = 5", 'years = "five"'),), line='years = "five"'),
    Case("size_float_string", ("population.size", "valid integer"),
         replace=(("size = 450_000", 'size = "450000"'),), line='size = "450000"'),
    Case("bool_as_string", ("referral.upward_in_county", "valid boolean"),
         replace=(("upward_in_county = true", 'upward_in_county = "yes"'),), line="upward_in_county ="),
    Case("list_item_string", ("tiers.quality[1]", "valid number"),
         replace=(("quality = [0.30, 0.50,", 'quality = [0.30, "high",'),), line='quality = [0.30, "high"'),
    Case("table_as_number", ("population.scheme_shares", "dictionary or instance"),
         replace=(("scheme_shares = { resident = 0.88, employee = 0.12 }", "scheme_shares = 0.88"),),
         line="scheme_shares = 0.88"),
    Case("bad_enum", ("payment.drg.mode", "'fixed' or 'floating'"),
         replace=(('mode = "floating"', 'mode = "float"'),), line='mode = "float"'),
    Case("infinite_cost_cv", ("tiers.cost_cv", "finite"),
         replace=(("cost_cv = 0.8", "cost_cv = inf"),), line="cost_cv = inf"),
    Case("name_with_slash", ("scenario.name", "folder name"),
         replace=(('name = "reference-county"', 'name = "a/b"'),), line='name = "a/b"'),
    # --- missing keys and tables -----------------------------------------------------------------
    Case("missing_key", ("tiers.cost_cv", "required key is missing"),
         replace=(("cost_cv = 0.8", ""),), line="[tiers]"),
    Case("missing_table", ("referral", "required key is missing"), edits={"referral": None}),
    # --- unknown keys, with a did-you-mean ---------------------------------------------------------
    Case("typo_key", ("budget.risk_reserv", "unknown key", "did you mean 'risk_reserve'?"),
         replace=(("risk_reserve = 0.05", "risk_reserv = 0.05"),), line="risk_reserv ="),
    Case("typo_table", ("dynamic", "unknown key", "did you mean 'dynamics'?"),
         replace=(("[dynamics]", "[dynamic]"),), line="[dynamic]"),
    Case("typo_nested_key", ("choice.outpatient.b_qualty", "did you mean 'b_quality'?"),
         replace=(("b_quality = 1.5", "b_qualty = 1.5"),), line="b_qualty = 1.5"),
    Case("typo_settlement_assessment", ("settlement.assessment.pass_scor", "did you mean 'pass_score'?"),
         replace=(("pass_score = 60", "pass_scor = 60"),), line="pass_scor = 60"),
    # --- vector lengths ------------------------------------------------------------------------------
    Case("per_tier_short", ("tiers.beds", "expected 6", "one per tier"),
         replace=(("beds = [0, 480, 160, 1150, 0, 0]", "beds = [0, 480, 160, 1150, 0]"),), line="beds ="),
    Case("per_tier_payment_long", ("payment.outpatient", "expected 6"),
         replace=(('outpatient = ["ffs", "ffs", "ffs", "ffs", "ffs", "ffs"]',
                   'outpatient = ["ffs", "ffs", "ffs", "ffs", "ffs", "ffs", "ffs"]'),),
         line='outpatient = ["ffs"'),
    Case("per_age_short", ("demand.outpatient.rate_by_age", "expected 5 values", "age band"),
         replace=(("rate_by_age = [3.8, 2.8, 4.8, 7.0, 8.5]", "rate_by_age = [3.8, 2.8, 4.8, 7.0]"),),
         line="rate_by_age = [3.8"),
    Case("per_age_prevalence_long", ("population.diabetes_prevalence", "expected 5 values"),
         replace=(("diabetes_prevalence = [0.0, 0.03, 0.11, 0.17, 0.19]",
                   "diabetes_prevalence = [0.0, 0.03, 0.11, 0.17, 0.19, 0.2]"),),
         line="diabetes_prevalence ="),
    # --- shares --------------------------------------------------------------------------------------
    Case("share_above_one", ("population.signing_rate", "less than or equal to 1"),
         replace=(("signing_rate = 0.40", "signing_rate = 1.40"),), line="signing_rate = 1.40"),
    Case("share_negative_in_vector", ("benefits.resident.inpatient.fund_share[1]", "greater than or equal to 0"),
         replace=(("fund_share = [0.0, 0.90,", "fund_share = [0.0, -0.90,"),), line="fund_share = [0.0, -0.90"),
    Case("age_shares_sum", ("population.age_shares", "sum to 1"),
         replace=(("age_shares = [0.19, 0.36,", "age_shares = [0.29, 0.36,"),), line="age_shares ="),
    Case("scheme_shares_sum", ("population.scheme_shares", "sum to 1"),
         replace=(("resident = 0.88, employee = 0.12", "resident = 0.80, employee = 0.12"),),
         line="scheme_shares ="),
    # --- negative amounts ------------------------------------------------------------------------------
    Case("negative_deductible", ("benefits.employee.outpatient.deductible", "greater than or equal to 0"),
         replace=(("deductible = 200.0", "deductible = -200.0"),), line="deductible = -200.0"),
    Case("negative_cap", ("benefits.resident.inpatient.annual_cap", "greater than or equal to 0"),
         replace=(("annual_cap = 200_000.0", "annual_cap = -1.0"),), line="annual_cap = -1.0"),
    Case("negative_rate", ("payment.capitation.per_signed_chronic_patient", "greater than or equal to 0"),
         replace=(("per_signed_chronic_patient = 180.0", "per_signed_chronic_patient = -180.0"),),
         line="per_signed_chronic_patient ="),
    Case("years_zero", ("scenario.years", "greater than or equal to 1"),
         replace=(("years = 5", "years = 0"),), line="years = 0"),
    Case("replications_zero", ("scenario.replications", "greater than or equal to 1"),
         replace=(("replications = 200", "replications = 0"),), line="replications = 0"),
    # --- settlement ------------------------------------------------------------------------------------
    Case("bands_not_increasing", ("settlement.surplus.bands[1].upto", "strictly increasing"),
         replace=(surplus("[{upto = 0.05, retain = 1.0}, {upto = 0.02, retain = 0.5}, "
                          "{upto = inf, retain = 0.0}]"),), line="bands = [{upto = 0.05"),
    Case("bands_not_ending_inf", ("settlement.surplus.bands[1].upto", "upto = inf"),
         replace=(surplus("[{upto = 0.05, retain = 1.0}, {upto = 0.5, retain = 0.3}]"),),
         line="bands = [{upto = 0.05"),
    Case("unknown_preset", ("settlement.rules", "unknown preset", "did you mean 'county-tiered'?"),
         replace=(('rules = "county-tiered"', 'rules = "county-tierd"'),), line='rules = "county-tierd"'),
    Case("rules_file_missing", ("settlement.rules", "not found", "rules/mine.toml"),
         replace=(('rules = "county-tiered"', 'rules = "rules/mine.toml"'),), line='rules = "rules/mine.toml"'),
    Case("unknown_indicator", ("settlement.assessment.indicators[0].key", "unknown indicator",
                               "did you mean 'county_visit_share'?"),
         replace=(('key = "county_visit_share"', 'key = "county_visits_share"'),),
         line='key = "county_visits_share"'),
    # --- cross-table rules -----------------------------------------------------------------------------
    Case("no_tier_for_severity_4", ("tiers.capability", "severity 4"),
         replace=(("enabled = [true, true, true, true, true, true]",
                   "enabled = [true, true, true, true, false, false]"),), line="capability ="),
    Case("capability_above_4", ("tiers.capability", "0-4"),
         replace=(("capability = [0, 1, 2, 3, 4, 4]", "capability = [0, 1, 2, 3, 4, 5]"),), line="capability ="),
    Case("capitation_for_inpatient", ("payment.inpatient[0]", "'capitation' cannot pay inpatient care"),
         replace=(('inpatient = ["drg", "drg"', 'inpatient = ["capitation", "drg"'),),
         line='inpatient = ["capitation"'),
    Case("low_ratio_not_below_high", ("payment.drg.low_ratio", "below high_ratio"),
         replace=(("low_ratio = 0.4", "low_ratio = 3.0"),), line="low_ratio = 3.0"),
    Case("reserve_plus_serious_illness", ("budget.serious_illness_share.resident", "leaves no budget"),
         replace=(("risk_reserve = 0.05", "risk_reserve = 0.95"),), line="serious_illness_share ="),
    Case("population_file_missing_for_source_file", ("population.file", "needs the population file"),
         replace=(('source = "synthetic"', 'source = "file"'),), line="[population]"),
    # --- referenced files ------------------------------------------------------------------------------
    Case("casemix_file_missing", ("casemix.file", "not found", "casemix.csv"),
         replace=(USE_CASEMIX_FILE,), line='file = "casemix.csv"'),
    Case("casemix_missing_column", ("casemix.csv", "casemix.file", "missing column", "los_mean"),
         replace=(USE_CASEMIX_FILE,),
         files={"casemix.csv": CASEMIX_CSV.replace(",los_mean", "").replace(",6,0,0,1", ",0,0,1")
                .replace(",12,1,0,0", ",1,0,0").replace(",15,0,0,0", ",0,0,0").replace(",40,0,1,0", ",0,1,0")}),
    Case("casemix_non_numeric_cost", ("casemix.csv:3", "column base_cost", "not a number", "'15k'"),
         replace=(USE_CASEMIX_FILE,), files={"casemix.csv": CASEMIX_CSV.replace(",15000,", ",15k,")}),
    Case("population_parquet_broken", ("people.parquet", "population.file", "parquet"),
         replace=(('source = "synthetic"', 'file = "people.parquet"'),),
         files={"people.parquet": b"PAR1 this is not parquet"}),
    # --- the scenario file itself -----------------------------------------------------------------------
    Case("non_utf8", ("UTF-8",), replace=(("Rural county", "Rural c@unty"),),
         raw=(b"c@unty", b"c\xff\xfeunty"), line="Rural c"),
    Case("duplicate_key", ("scenario.years", "duplicate key"),
         replace=(("years = 5", "years = 5\nyears = 6"),), line="years = 6"),
    Case("duplicate_table", ("duplicate key or table",),
         replace=(("[dynamics]", "[budget]  # again\n[dynamics]"),), line="[budget]  # again"),
    Case("toml_syntax_error", ("TOML error", "check the TOML syntax"),
         replace=(("years = 5", "years = = 5"),), line="years = = 5"),
    # --- --set ---------------------------------------------------------------------------------------
    Case("set_without_value", ("--set", "KEY=VALUE"), args=("--set", "budget.risk_reserve")),
    Case("set_bad_toml", ("--set", "scenario.name", "not valid TOML"), args=("--set", "scenario.name=my county")),
    Case("set_unknown_key", ("--set: budget.risk_resrve", "unknown key", "did you mean 'risk_reserve'?"),
         args=("--set", "budget.risk_resrve=0.07")),
    Case("set_unknown_table", ("--set: budgt", "did you mean 'budget'?"), args=("--set", "budgt.risk_reserve=0.07")),
    Case("set_index_out_of_range", ("--set: tiers.enabled[6]", "out of range"),
         args=("--set", "tiers.enabled[6]=false")),
    Case("set_bad_value", ("--set: scenario.replications", "greater than or equal to 1"),
         args=("--set", "scenario.replications=0")),
]


def run_validate(path: Path, *args: str):
    result = CliRunner().invoke(mcsim, ["validate", str(path), *args])
    return result, result.output  # stdout and stderr (click >= 8.2)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_exits_2_with_key_and_line(case: Case, tmp_scenario, line_number) -> None:
    path = tmp_scenario(case.edits or None, replace=case.replace, files=case.files)
    if case.raw is not None:
        data = path.read_bytes()
        assert case.raw[0] in data
        path.write_bytes(data.replace(*case.raw))
    result, output = run_validate(path, *case.args)
    assert result.exit_code == 2, output
    assert "Traceback" not in output
    assert "internal error" not in output
    for fragment in case.expect:
        assert fragment in output, f"{fragment!r} missing from:\n{output}"
    if case.line is not None:
        expected = f"scenario.toml:{line_number(path, case.line)}:"
        assert expected in output, f"{expected!r} missing from:\n{output}"


def test_cases_are_many_and_distinct() -> None:
    assert len(CASES) >= 30
    assert len({c.id for c in CASES}) == len(CASES)


def test_every_problem_is_reported_in_one_run(tmp_scenario, line_number) -> None:
    path = tmp_scenario(replace=(("years = 5", "years = 0"),
                                 ("risk_reserve = 0.05", "risk_reserv = 0.05"),
                                 surplus("[{upto = 0.05, retain = 1.0}, {upto = 0.5, retain = 0.3}]")))
    result, output = run_validate(path)
    assert result.exit_code == 2
    assert "Traceback" not in output
    assert "3 problems" in output
    for fragment, line in (("scenario.years", "years = 0"), ("budget.risk_reserv", "risk_reserv ="),
                           ("settlement.surplus.bands[1].upto", "bands = [{upto")):
        assert fragment in output
        assert f"scenario.toml:{line_number(path, line)}:" in output


def test_missing_scenario_file_exits_2(tmp_path) -> None:
    result, output = run_validate(tmp_path / "nope.toml")
    assert result.exit_code == 2
    assert "scenario file not found" in output
    assert "Traceback" not in output
