"""Assessment credit and score (simulator.settlement.assessment)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.errors import InputError
from simulator.settlement import AssessmentIndicator, assessment_score, indicator_credit


def ind(key="x", direction="at_least", target=0.9, tolerance=0.1, weight=1.0):
    return AssessmentIndicator(key=key, direction=direction, target=target, tolerance=tolerance,
                               weight=weight)


def test_at_least_linear_credit():
    values = [0.75, 0.80, 0.85, 0.90, 0.95]
    np.testing.assert_allclose(indicator_credit(values, ind()), [0.0, 0.0, 0.5, 1.0, 1.0], atol=1e-12)


def test_at_most_mirrored():
    values = [0.0, 0.06, 0.09, 0.12, 0.20]
    credit = indicator_credit(values, ind(direction="at_most", target=0.06, tolerance=0.06))
    np.testing.assert_allclose(credit, [1.0, 1.0, 0.5, 0.0, 0.0], atol=1e-12)


def test_zero_tolerance_is_a_step():
    np.testing.assert_array_equal(indicator_credit([0.89, 0.9, 0.91], ind(tolerance=0)), [0, 1, 1])
    step = ind(direction="at_most", target=0.06, tolerance=0)
    np.testing.assert_array_equal(indicator_credit([0.05, 0.06, 0.07], step), [1, 1, 0])


def test_nan_value_earns_nothing():
    assert indicator_credit(math.nan, ind()) == 0.0


def test_weighted_score_reference_indicators():
    indicators = [
        ind("county_visit_share", "at_least", 0.90, 0.10, 30),
        ind("primary_visit_share", "at_least", 0.65, 0.15, 25),
        ind("cost_growth_rate", "at_most", 0.06, 0.06, 20),
        ind("effective_reimbursement_rate", "at_least", 0.55, 0.10, 25),
    ]
    values = {"county_visit_share": np.array([0.95, 0.85]),
              "primary_visit_share": np.array([0.70, 0.50]),
              "cost_growth_rate": np.array([0.03, 0.09]),
              "effective_reimbursement_rate": np.array([0.60, 0.50])}
    # world 2: credits 0.5, 0.0, 0.5, 0.5 -> (15 + 0 + 10 + 12.5) / 100
    np.testing.assert_allclose(assessment_score(values, indicators, 100), [100.0, 37.5])


def test_missing_indicator_value_suggests_key():
    with pytest.raises(InputError) as exc:
        assessment_score({"county_visit_shar": 0.9}, [ind("county_visit_share")], 100)
    (problem,) = exc.value.problems
    assert problem.path == "indicators[0].key"
    assert problem.hint == "did you mean 'county_visit_shar'?"


def test_nothing_assessed_gives_full_score():
    assert assessment_score({}, [], 100) == 100.0
    score = assessment_score({"x": np.zeros(3)}, [ind(weight=0)], 80)
    np.testing.assert_array_equal(score, [80.0, 80.0, 80.0])
