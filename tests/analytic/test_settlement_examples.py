"""Settlement arithmetic against hand-worked tables (docs/settlement.md, "Worked examples").

Every case is worked by hand in the comment beside it; B = 100,000,000 yuan throughout.
Checked to the yuan through the API and, for the spec's table, through ``mcsim settle --json``.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from simulator.cli import mcsim
from simulator.settlement import load_rules, settle

B = 100_000_000.0
YUAN = 1.0  # "to the yuan"

# rules, S, q, R, F, L, U, fund_payout — the spec's table
SPEC_TABLE = [
    ("county-tiered", 90_000_000, 100, 7_500_000, 0, 0, 0, 97_500_000),
    ("county-tiered", 90_000_000, 80, 6_000_000, 0, 0, 1_000_000, 95_000_000),
    ("county-tiered", 108_000_000, 100, 0, 5_000_000, 3_000_000, 0, 105_000_000),
    ("aca-corridor", 110_000_000, None, 0, 4_100_000, 5_900_000, 0, 104_100_000),
]


def check(out, R, F, L, U, payout, S):
    assert float(out.retained_surplus) == pytest.approx(R, abs=YUAN)
    assert float(out.fund_shared_overspend) == pytest.approx(F, abs=YUAN)
    assert float(out.community_borne_overspend) == pytest.approx(L, abs=YUAN)
    assert float(out.withheld_unreleased) == pytest.approx(U, abs=YUAN)
    assert float(out.fund_payout) == pytest.approx(payout, abs=YUAN)
    assert float(out.community_net) == pytest.approx(payout - S, abs=YUAN)
    assert float(out.balance) == pytest.approx(B - S, abs=YUAN)


@pytest.mark.parametrize("rules, S, q, R, F, L, U, payout", SPEC_TABLE)
def test_spec_worked_examples_api(rules, S, q, R, F, L, U, payout):
    check(settle(load_rules(rules), B, S, q), R, F, L, U, payout, S)


@pytest.mark.parametrize("rules, S, q, R, F, L, U, payout", SPEC_TABLE)
def test_spec_worked_examples_cli_json(rules, S, q, R, F, L, U, payout):
    args = ["settle", "--rules", rules, "--budget", str(B), "--spending", str(S), "--json"]
    if q is not None:
        args += ["--score", str(q)]
    result = CliRunner().invoke(mcsim, args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    expected = {"retained_surplus": R, "fund_shared_overspend": F, "community_borne_overspend": L,
                "withheld_unreleased": U, "fund_payout": payout, "community_net": payout - S,
                "balance": B - S}
    for key, value in expected.items():
        assert data[key] == pytest.approx(value, abs=YUAN), key


HAND_WORKED = [
    # county-tiered: D = 20M: 5M × 1.0 + 10M × 0.5 + 5M × 0 = 10M; q = 100
    ("county-tiered", 80e6, 100, None, 10e6, 0, 0, 0, 90e6),
    # county-tiered: O = 12M: F = 5M × 0.7 + 5M × 0.5 + 2M × 0 = 6M (score not on overspend);
    # L = 6M; W = 5M, released 5M × 0.5 → U = 2.5M; payout = B + F − U
    ("county-tiered", 112e6, 50, None, 0, 6e6, 6e6, 2.5e6, 103.5e6),
    # county-tiered: reasonable 4M of O = 8M: F = 4M × 0.7 = 2.8M; L = 5.2M
    ("county-tiered", 108e6, 100, 4e6, 0, 2.8e6, 5.2e6, 0, 102.8e6),
    # full-carryover: all of D = 15M retained, score ignored
    ("full-carryover", 85e6, 0, None, 15e6, 0, 0, 0, 100e6),
    # full-carryover: O = 7M: F = 5M × 0.6 + 2M × 0.4 = 3.8M; L = 3.2M
    ("full-carryover", 107e6, 0, None, 0, 3.8e6, 3.2e6, 0, 103.8e6),
    # full-carryover: O = 30M: F = 3M + 2M + 0 = 5M; L = 25M
    ("full-carryover", 130e6, 100, None, 0, 5e6, 25e6, 0, 105e6),
    # aca-corridor: D = 5M: 3M × 1.0 + 2M × 0.5 = 4M
    ("aca-corridor", 95e6, None, None, 4e6, 0, 0, 0, 99e6),
    # aca-corridor: D = 20M: 3M + 5M × 0.5 + 12M × 0.2 = 7.9M
    ("aca-corridor", 80e6, None, None, 7.9e6, 0, 0, 0, 87.9e6),
    # aca-corridor: O = 2M inside the ±3% corridor: the community bears all
    ("aca-corridor", 102e6, None, None, 0, 0, 2e6, 0, 100e6),
    # mssp-basic-c: s = 1% < minimum savings rate 2%: nothing shared
    ("mssp-basic-c", 99e6, 100, None, 0, 0, 0, 0, 99e6),
    # mssp-basic-c: D = 10M: 50% from the first yuan × g = 0.8 → 4M
    ("mssp-basic-c", 90e6, 80, None, 4e6, 0, 0, 0, 94e6),
    # mssp-basic-c: D = 30M: 15M capped at 10% of B = 10M
    ("mssp-basic-c", 70e6, 100, None, 10e6, 0, 0, 0, 80e6),
    # mssp-basic-c: o = 1.5% < minimum loss rate 2%: the fund bears all
    ("mssp-basic-c", 101.5e6, 100, None, 0, 1.5e6, 0, 0, 101.5e6),
    # mssp-basic-c: O = 5M: L = 30% = 1.5M capped at 1% of B = 1M; F = 4M
    ("mssp-basic-c", 105e6, 100, None, 0, 4e6, 1e6, 0, 104e6),
]


@pytest.mark.parametrize("rules, S, q, Rz, R, F, L, U, payout", HAND_WORKED)
def test_presets_hand_worked(rules, S, q, Rz, R, F, L, U, payout):
    check(settle(load_rules(rules), B, S, q, Rz), R, F, L, U, payout, S)


MODES = [
    # county-tiered, S = 90M (D = 10M: bands give 7.5M), W = 5M
    # linear: g = 0.8: R = 6M, U = 1M (the spec's second example)
    ("linear", 80, 6e6, 1e6),
    # pass_fail: q = 59 fails: g = 0: R = 0, U = 5M
    ("pass_fail", 59, 0, 5e6),
    # pass_fail: q = 60 passes: g = 1
    ("pass_fail", 60, 7.5e6, 0),
    # linear_above_pass: g = (80 − 60) / (100 − 60) = 0.5: R = 3.75M, U = 2.5M
    ("linear_above_pass", 80, 3.75e6, 2.5e6),
    # linear_above_pass: q = 50 below pass: g = 0
    ("linear_above_pass", 50, 0, 5e6),
]


@pytest.mark.parametrize("mode, q, R, U", MODES)
def test_score_modes_hand_worked(mode, q, R, U):
    rules = load_rules("county-tiered", overrides={"assessment": {"mode": mode}})
    check(settle(rules, B, 90e6, q), R, 0, 0, U, 90e6 + R - U, 90e6)


def test_score_on_overspend_hand_worked():
    # county-tiered with the score on overspend too, q = 50 linear: O = 8M, bands give 5M,
    # × 0.5 = 2.5M; L = 5.5M; U = 2.5M; payout = B + 2.5M − 2.5M
    rules = load_rules("county-tiered", overrides={
        "assessment": {"applies_to": ["surplus", "overspend", "withhold"]}})
    check(settle(rules, B, 108e6, 50), 0, 2.5e6, 5.5e6, 2.5e6, 100e6, 108e6)
