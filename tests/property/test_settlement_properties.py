"""Invariants of the settlement for random inputs and random valid rules (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator.settlement import (
    OUTPUTS,
    AssessmentRules,
    OverspendRules,
    SettlementRules,
    SurplusRules,
    load_rules,
    marginal_bands,
    settle,
)

FAST = settings(max_examples=60, deadline=None)
PRESETS = {name: load_rules(name) for name in
           ("county-tiered", "full-carryover", "aca-corridor", "mssp-basic-c")}


def _uptos(draw, n):
    edges = draw(st.lists(st.floats(0.001, 0.5), min_size=n - 1, max_size=n - 1, unique=True))
    return sorted(edges) + [math.inf]


@st.composite
def rules_strategy(draw):
    shares = st.floats(0.0, 1.0)
    n_s, n_o = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    surplus = SurplusRules(
        min_rate=draw(st.floats(0.0, 0.1)),
        cap_rate=draw(st.one_of(st.just(math.inf), st.floats(0.0, 0.3))),
        bands=[{"upto": u, "retain": draw(shares)} for u in _uptos(draw, n_s)])
    overspend = OverspendRules(
        min_rate=draw(st.floats(0.0, 0.1)),
        cap_rate=draw(st.one_of(st.just(math.inf), st.floats(0.0, 0.3))),
        bands=[{"upto": u, "fund_share": draw(shares)} for u in _uptos(draw, n_o)])
    full = draw(st.floats(1.0, 200.0))
    assessment = AssessmentRules(
        full_score=full, pass_score=draw(st.floats(0.0, 1.0)) * full,
        mode=draw(st.sampled_from(["linear", "pass_fail", "linear_above_pass"])),
        applies_to=draw(st.lists(st.sampled_from(["surplus", "overspend", "withhold"]), unique=True)))
    return SettlementRules(name="random", withhold_rate=draw(st.floats(0.0, 0.2)), surplus=surplus,
                           overspend=overspend, assessment=assessment)


@st.composite
def rows(draw, rules, n=16):
    budget = np.array(draw(st.lists(st.floats(1e3, 1e10), min_size=n, max_size=n)))
    ratio = np.array(draw(st.lists(st.floats(0.0, 3.0), min_size=n, max_size=n)))
    score = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    reasonable = np.array(draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n)))
    return budget, budget * ratio, score * rules.assessment.full_score, reasonable * budget


def check_money(rules, budget, spending, score, reasonable):
    out = settle(rules, budget, spending, score, reasonable)
    tol = 1e-9 * budget
    D = np.maximum(budget - spending, 0.0)
    O = np.maximum(spending - budget, 0.0)
    W = rules.withhold_rate * budget
    assert np.array_equal(out.fund_payout - spending, out.community_net)
    assert np.all(out.retained_surplus >= 0) and np.all(out.retained_surplus <= D + tol)
    assert np.all(out.fund_shared_overspend >= -tol) and np.all(out.fund_shared_overspend <= O + tol)
    assert np.all(out.community_borne_overspend >= -tol)
    np.testing.assert_allclose(out.fund_shared_overspend + out.community_borne_overspend, O, atol=tol.max())
    assert np.all(out.withheld_unreleased >= -tol) and np.all(out.withheld_unreleased <= W + tol)
    expected = spending + out.retained_surplus - out.community_borne_overspend - out.withheld_unreleased
    np.testing.assert_allclose(out.fund_payout, expected, rtol=1e-12, atol=tol.max())
    assert np.all((out.score_factor >= 0) & (out.score_factor <= 1))


@FAST
@given(st.data())
def test_money_identities_random_rules(data):
    rules = data.draw(rules_strategy())
    check_money(rules, *data.draw(rows(rules)))


@FAST
@given(st.data(), st.sampled_from(sorted(PRESETS)))
def test_money_identities_presets(data, name):
    rules = PRESETS[name]
    check_money(rules, *data.draw(rows(rules)))


@FAST
@given(st.data())
def test_vectorised_equals_row_by_row(data):
    rules = data.draw(rules_strategy())
    budget, spending, score, reasonable = data.draw(rows(rules, n=4))
    out = settle(rules, budget, spending, score, reasonable)
    for i in range(4):
        one = settle(rules, budget[i], spending[i], score[i], reasonable[i])
        for name in OUTPUTS:
            assert getattr(one, name) == getattr(out, name)[i]


@FAST
@given(st.sampled_from(["county-tiered", "aca-corridor"]), st.floats(1e3, 1e10),
       st.floats(0.0, 100.0), st.floats(1e-9, 1e-6))
def test_continuous_across_the_budget_line(name, budget, score, eps):
    at = settle(PRESETS[name], budget, budget, score)
    for spending in (budget * (1 - eps), budget * (1 + eps)):
        side = settle(PRESETS[name], budget, spending, score)
        # payout and net move no faster than spending itself (slopes in [0, 1] and [-1, 0])
        step = abs(spending - budget) + 1e-12 * budget
        assert abs(float(side.fund_payout - at.fund_payout)) <= step
        assert abs(float(side.community_net - at.community_net)) <= step


@FAST
@given(st.data())
def test_settlement_non_decreasing_in_score(data):
    rules = data.draw(rules_strategy())
    budget, spending, score, reasonable = data.draw(rows(rules))
    higher = np.minimum(score + data.draw(st.floats(0.0, 1.0)) * rules.assessment.full_score,
                        rules.assessment.full_score)
    low = settle(rules, budget, spending, score, reasonable)
    high = settle(rules, budget, spending, higher, reasonable)
    assert np.all(high.retained_surplus >= low.retained_surplus)
    assert np.all(high.community_net >= low.community_net - 1e-9 * budget)


@FAST
@given(st.sampled_from(sorted(PRESETS)), st.floats(1e3, 1e10), st.floats(0.0, 1.0),
       st.floats(0.0, 100.0), st.floats(0.0, 100.0))
def test_retained_surplus_non_decreasing_in_score_presets(name, budget, ratio, q1, q2):
    lo, hi = sorted((q1, q2))
    a = settle(PRESETS[name], budget, budget * ratio, lo)
    b = settle(PRESETS[name], budget, budget * ratio, hi)
    assert b.retained_surplus >= a.retained_surplus


@FAST
@given(st.data())
def test_marginal_bands_monotone_and_bounded(data):
    n = data.draw(st.integers(1, 5))
    uptos = _uptos(data.draw, n)
    shares = data.draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n))
    x = np.sort(np.array(data.draw(st.lists(st.floats(0.0, 2.0), min_size=2, max_size=20))))
    y = marginal_bands(x, uptos, shares)
    assert np.all(np.diff(y) >= -1e-15)
    assert np.all((y >= 0) & (y <= x + 1e-15))
