"""The vectorised settlement (simulator.settlement.core)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.errors import InputError
from simulator.settlement import (
    OUTPUTS,
    AssessmentRules,
    SettlementOutcome,
    load_rules,
    marginal_bands,
    score_factor,
    settle,
)

B = 100_000_000.0


@pytest.fixture(scope="module")
def tiered():
    return load_rules("county-tiered")


def test_marginal_bands_like_tax_brackets():
    uptos, shares = [0.05, 0.15, math.inf], [1.0, 0.5, 0.0]
    x = np.array([0.0, 0.03, 0.05, 0.10, 0.15, 0.50])
    expected = [0.0, 0.03, 0.05, 0.075, 0.10, 0.10]
    np.testing.assert_allclose(marginal_bands(x, uptos, shares), expected, rtol=1e-12, atol=1e-15)
    assert marginal_bands(0.2, [math.inf], [0.3]).shape == ()
    assert marginal_bands(0.2, [math.inf], [0.3]) == pytest.approx(0.06)


@pytest.mark.parametrize("mode, q, g", [
    ("linear", [0, 50, 80, 100], [0.0, 0.5, 0.8, 1.0]),
    ("pass_fail", [0, 59.9, 60, 100], [0.0, 0.0, 1.0, 1.0]),
    ("linear_above_pass", [0, 60, 80, 100], [0.0, 0.0, 0.5, 1.0]),
])
def test_score_factor_modes(mode, q, g):
    np.testing.assert_allclose(score_factor(AssessmentRules(mode=mode), q), g)


def test_score_factor_step_when_pass_equals_full():
    rules = AssessmentRules(mode="linear_above_pass", full_score=100, pass_score=100)
    np.testing.assert_array_equal(score_factor(rules, [99.9, 100]), [0.0, 1.0])


def test_scalars_give_zero_d_arrays(tiered):
    out = settle(tiered, B, 9e7, 80)
    assert isinstance(out, SettlementOutcome)
    assert tuple(out.to_dict()) == OUTPUTS
    for value in out.to_dict().values():
        assert isinstance(value, np.ndarray) and value.shape == ()


def test_broadcasting_shapes(tiered):
    spending = np.linspace(8e7, 1.2e8, 6).reshape(2, 3)
    out = settle(tiered, B, spending, np.array([[100.0], [80.0]]))
    for value in out.to_dict().values():
        assert value.shape == (2, 3)
    frame = out.to_frame()
    assert list(frame.columns) == list(OUTPUTS) and len(frame) == 6


def test_rows_match_one_by_one(tiered):
    rng = np.random.default_rng(1)
    budget = rng.uniform(1e7, 1e8, 50)
    spending = budget * rng.uniform(0.7, 1.3, 50)
    score = rng.uniform(0, 100, 50)
    out = settle(tiered, budget, spending, score)
    for i in range(0, 50, 7):
        one = settle(tiered, budget[i], spending[i], score[i])
        for name in OUTPUTS:
            assert getattr(one, name) == pytest.approx(getattr(out, name)[i], rel=1e-12, abs=1e-6)


def test_defaults_full_score_and_all_reasonable(tiered):
    a = settle(tiered, B, 1.08e8)
    b = settle(tiered, B, 1.08e8, score=100, reasonable=math.inf)
    for name in OUTPUTS:
        assert getattr(a, name) == getattr(b, name)


def test_preset_name_accepted():
    assert settle("aca-corridor", B, 1.1e8).fund_shared_overspend == pytest.approx(4_100_000)


def test_outcome_is_frozen(tiered):
    out = settle(tiered, B, 9e7)
    with pytest.raises(AttributeError):
        out.balance = np.array(0.0)  # type: ignore[misc]


def test_overspend_min_rate_ignores_score():
    rules = load_rules("mssp-basic-c", overrides={"assessment": {"applies_to": ["overspend"]}})
    out = settle(rules, B, 1.01e8, score=0)  # o = 1% < 2%: the fund bears all, score ignored
    assert out.fund_shared_overspend == pytest.approx(1e6)
    assert out.community_borne_overspend == 0
    out = settle(rules, B, 1.05e8, score=0)  # o = 5%: F = 0.7 E × g = 0; L capped at 1% of B
    assert out.community_borne_overspend == pytest.approx(1e6)
    assert out.fund_shared_overspend == pytest.approx(4e6)


def test_unreasonable_overspend_borne_by_community(tiered):
    out = settle(tiered, B, 1.08e8, reasonable=4e6)
    assert out.fund_shared_overspend == pytest.approx(0.7 * 4e6)
    assert out.community_borne_overspend == pytest.approx(8e6 - 2.8e6)


@pytest.mark.parametrize("kwargs, path, text", [
    ({"budget": [1e8, 0.0, -5.0, 1e8]}, "budget", "must be > 0 and finite at index 1, 2"),
    ({"spending": [1.0, -1.0]}, "spending", "must be >= 0 and finite at index 1"),
    ({"spending": math.nan}, "spending", "must be >= 0 and finite (got nan)"),
    ({"score": [50, 101]}, "score", "must be in [0, full_score = 100] at index 1"),
    ({"reasonable": -1.0}, "reasonable", "must be >= 0"),
    ({"budget": math.inf}, "budget", "must be > 0 and finite"),
])
def test_bad_amounts_name_argument_and_rows(tiered, kwargs, path, text):
    args = {"budget": B, "spending": 9e7, **kwargs}
    with pytest.raises(InputError) as exc:
        settle(tiered, **args)
    (problem,) = exc.value.problems
    assert problem.path == path and text in problem.message


def test_every_bad_argument_reported_at_once(tiered):
    with pytest.raises(InputError) as exc:
        settle(tiered, [0.0, 1e8], [-1.0, 1.0], 120)
    assert [p.path for p in exc.value.problems] == ["budget", "spending", "score"]


def test_non_numeric_and_not_broadcastable(tiered):
    with pytest.raises(InputError, match="budget: must be a number"):
        settle(tiered, "lots", 1.0)
    with pytest.raises(InputError, match="do not broadcast"):
        settle(tiered, [1e8, 1e8], [1.0, 2.0, 3.0])


def test_many_bad_rows_are_counted(tiered):
    budget = np.zeros(30)
    with pytest.raises(InputError, match="and 10 more"):
        settle(tiered, budget, 1.0)
