"""The money inside the community (simulator.settlement.community; issue 17 item 3).

Hand-worked splits and cash paths, then runs: member types sum to the net settlement in every
world-year, separate scheme accounts sum to the pooled figures under linear rules, bundled
public-health money with full completion leaves the balance as it was, and bad keys exit 2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simulator
from simulator.errors import InputError
from simulator.settlement.community import monthly_cash, split_net

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"
SMALL = {"population.size": 8000, "population.villages": 25, "population.townships": 3, "scenario.years": 2}


def run(**overrides):
    s = simulator.load_scenario(REFERENCE, {**SMALL, **overrides})
    return simulator.run(s, replications=4, seed=3)


def test_fixed_shares_split_by_hand():
    parts = split_net(np.array([1000.0, -500.0]), None, [0.6, 0.3, 0.1])
    assert np.allclose(parts, [[600.0, 300.0, 100.0], [-300.0, -150.0, -50.0]], rtol=0, atol=1e-9)


def test_weights_and_village_floor_by_hand():
    # weights 50:45:5 of 2,000 yuan with a 20% floor for villages: villages 400, the others share
    # the remaining 80% in the ratio 50:45 -> 842.11 and 757.89
    parts = split_net(np.array([2000.0]), np.array([[50.0, 45.0, 5.0]]), [0.6, 0.3, 0.1], village_floor=0.2)
    assert np.allclose(parts[0], [2000 * 0.8 * 50 / 95, 2000 * 0.8 * 45 / 95, 400.0], rtol=1e-12)
    # a world without weights takes the fixed shares
    assert np.allclose(split_net(np.array([10.0]), np.zeros((1, 3)), [0.5, 0.3, 0.2])[0], [5.0, 3.0, 2.0])


def test_monthly_cash_by_hand():
    budget, spend = np.array([1200.0]), np.array([1200.0])
    low, short = monthly_cash(budget, 0.0, spend, np.zeros(1), np.zeros(1), None, 1, range(1), 1)
    assert low[0] == pytest.approx(0.0, abs=1e-9) and short[0] == 0
    january = [1.0] + [0.0] * 11  # all spending in January: 100 prepaid - 1,200 spent, then +100 a month
    low, short = monthly_cash(budget, 0.0, spend, np.zeros(1), np.zeros(1), january, 1, range(1), 1)
    assert low[0] == pytest.approx(-1100.0) and short[0] == 11
    # a 10% withhold leaves the year 120 short at the end even when spending is flat: every month short
    low, short = monthly_cash(budget, 0.1, spend, np.zeros(1), np.zeros(1), None, 1, range(1), 1)
    assert low[0] == pytest.approx(-120.0) and short[0] == 12


def test_admission_months_are_drawn_keyed_by_world():
    args = (np.full(3, 1200.0), 0.0, np.full(3, 1200.0), np.full(3, 1200.0), np.full(3, 400.0), None, 9)
    low, _ = monthly_cash(*args, range(0, 3), 1)
    alone, _ = monthly_cash(*(a[1:2] if isinstance(a, np.ndarray) else a for a in args), range(1, 2), 1)
    assert alone[0] == low[1]               # a world's draw does not depend on its neighbours
    assert len(set(low.tolist())) == 3      # worlds draw their own months
    assert np.all(low < 0)                  # random months: some month is ahead of its prepayment


def test_member_types_sum_to_the_net_in_every_world_year():
    for method in ("fixed", "payments", "workload", "points"):
        w = run(**{"community.distribution.method": method, "community.distribution.village_floor": 0.05}).worlds
        parts = w["community_net_county_hospital"] + w["community_net_township"] + w["community_net_village"]
        assert np.allclose(parts, w["community_net"], rtol=1e-12, atol=1e-6), method
        share = w["community_net_village"] / w["community_net"]
        assert np.all(share >= 0.05 - 1e-12), method


def test_separate_accounts_sum_to_pooled_under_linear_rules():
    linear = {"settlement.rules": "full-carryover",
              "settlement.overspend": {"min_rate": 0.0, "cap_rate": float("inf"),
                                       "bands": [{"upto": float("inf"), "fund_share": 0.0}]},
              "settlement.assessment.applies_to": []}  # net = B − S whatever the sign: linear
    pooled = run(**linear).worlds
    separate = run(**linear, **{"budget.pooling": "separate"}).worlds
    for key in ("balance", "community_net", "fund_payout"):
        assert np.allclose(separate[key], pooled[key], rtol=1e-9, atol=1e-3), key
    # one account in surplus and the other over budget keep and bear gross amounts; their net is the same
    net = lambda w: w["retained_surplus"] - w["community_borne_overspend"]  # noqa: E731
    assert np.allclose(net(separate), net(pooled), rtol=1e-9, atol=1e-3)
    for frame in (pooled, separate):
        assert np.allclose(frame["balance_resident"] + frame["balance_employee"], frame["balance"], rtol=1e-9)
        assert np.allclose(frame["community_net_resident"] + frame["community_net_employee"],
                           frame["community_net"], rtol=1e-9, atol=1e-3)


def test_bundled_public_health_with_full_completion_leaves_the_balance():
    base = run().worlds
    bundled = run(**{"community.public_health.per_capita": 60.0}).worlds
    funding = 60.0 * bundled["enrolled"]
    assert np.allclose(bundled["public_health_funding"], funding)
    assert np.allclose(bundled["budget"], base["budget"] + funding, rtol=1e-12)
    assert np.allclose(bundled["balance"], base["balance"], rtol=1e-9, atol=1e-3)
    partial = run(**{"community.public_health.per_capita": 60.0, "community.public_health.completion": 0.9}).worlds
    assert np.allclose(partial["balance"], base["balance"] + 0.1 * funding, rtol=1e-9, atol=1e-3)
    assert np.all(partial["public_health_completion"] == 0.9)


def test_public_health_completion_is_an_assessment_indicator():
    scored = {"settlement.assessment": {"full_score": 100, "pass_score": 60, "mode": "linear",
                                        "applies_to": ["surplus", "withhold"], "indicators": [
                                            {"key": "public_health_completion", "direction": "at_least",
                                             "target": 0.95, "tolerance": 0.2, "weight": 100}]},
              "community.public_health.per_capita": 60.0}
    full = run(**scored, **{"community.public_health.completion": 1.0}).worlds
    low = run(**scored, **{"community.public_health.completion": 0.85}).worlds
    assert np.all(full["assessment_score"] > low["assessment_score"])


@pytest.mark.parametrize("key,value,words", [
    ("budget.monthly_profile", [0.5, 0.5], "12 monthly shares"),
    ("community.distribution.shares", [0.5, 0.3, 0.1], "summing to 1"),
    ("community.distribution.method", "beds", "Input should be"),
])
def test_bad_community_keys_name_the_key(key, value, words):
    with pytest.raises(InputError) as info:
        simulator.load_scenario(REFERENCE, {key: value})
    text = str(info.value)
    assert key in text and words in text, text


def test_explain_refuses_separate_accounts(tmp_path):
    from click.testing import CliRunner

    from simulator.cli import mcsim

    r = run(**{"budget.pooling": "separate"})
    r.write(tmp_path / "sep", figures=False, report=False)
    result = CliRunner().invoke(mcsim, ["explain", str(tmp_path / "sep")])
    assert result.exit_code == 2 and "budget.pooling" in result.output, result.output


def test_community_columns_do_not_depend_on_how_worlds_are_grouped():
    s = simulator.load_scenario(REFERENCE, SMALL)
    together = simulator.run(s, replications=4, seed=3).worlds
    alone = simulator.run(s, replications=4, seed=3, worlds=range(2, 3)).worlds
    keys = ["community_net_county_hospital", "community_net_township", "community_net_village", "balance_resident",
            "balance_employee", "community_net_resident", "cash_low_point", "cash_short_months"]
    one = together[together["world"] == 2][keys].reset_index(drop=True)
    assert one.equals(alone[keys].reset_index(drop=True))  # bit for bit
