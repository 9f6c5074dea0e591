"""Budget formulas (simulator.settlement.budget)."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.errors import InputError
from simulator.settlement import history_budget, income_budget, prepayment_schedule


def test_income_budget_reference_county():
    # spec/reference_scenario.toml: 450,000 insured, 88% resident
    enrolled = {"resident": 396_000, "employee": 54_000}
    budget = income_budget(enrolled, {"resident": 1100.0, "employee": 4000.0}, 0.05,
                           {"resident": 0.06, "employee": 0.0}, 1.0)
    expected = 396_000 * 1100 * (1 - 0.05 - 0.06) + 54_000 * 4000 * (1 - 0.05)
    assert budget == pytest.approx(expected)


def test_income_budget_vectorised_share_and_tilt():
    enrolled = {"resident": np.array([1000.0, 2000.0])}
    budget = income_budget(enrolled, {"resident": 1000.0}, 0.1, {}, 0.5, tcm_tilt=0.02)
    np.testing.assert_allclose(budget, np.array([1000.0, 2000.0]) * 1000 * 0.9 * 0.5 * 1.02)


def test_income_budget_errors_all_at_once():
    with pytest.raises(InputError) as exc:
        income_budget({"resident": 10, "employee": -1}, {"resident": 1000.0}, 0.7,
                      {"resident": 0.4}, 1.5, tcm_tilt=-0.1)
    paths = sorted(p.path for p in exc.value.problems)
    assert paths == ["community_share", "enrolled.employee", "per_capita_financing.employee",
                     "serious_illness_share.resident", "tcm_tilt"]


def test_history_budget_and_ratchet():
    assert history_budget(1e8, 9e7, 0.05, ratchet=False) == pytest.approx(1.05e8)
    assert history_budget(1e8, 9e7, 0.05, ratchet=True) == pytest.approx(9.45e7)
    np.testing.assert_allclose(history_budget([1e8, 2e8], [1.0, 1.0], 0.0, False), [1e8, 2e8])
    with pytest.raises(InputError, match="growth"):
        history_budget(1e8, 9e7, -1.0, ratchet=False)


def test_prepayment_schedule():
    plan = prepayment_schedule(np.array([1.2e8, 2.4e8]), 0.05)
    assert plan.monthly.shape == (2, 12)
    np.testing.assert_allclose(plan.monthly[:, 0], [9.5e6, 1.9e7])
    np.testing.assert_allclose(plan.monthly.sum(axis=-1) + plan.withheld, [1.2e8, 2.4e8])
    scalar = prepayment_schedule(1.2e8, 0.0, months=4)
    assert scalar.monthly.shape == (4,) and scalar.withheld == 0.0


def test_prepayment_errors():
    with pytest.raises(InputError) as exc:
        prepayment_schedule(1e8, 1.5, months=0)
    assert sorted(p.path for p in exc.value.problems) == ["months", "withhold_rate"]
