"""The derived-measure table: keys, formulas, and the ratio estimator with its standard error."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.calibrate import measures
from simulator.calibrate.targets import target_keys
from simulator.indicators import KEYS as INDICATOR_KEYS


def test_keys_expand_tiers_groups_and_schemes() -> None:
    keys = measures.KEYS
    for key in ("visits_per_person", "cost_per_visit.county", "cost_per_admission.outside",
                "effective_reimbursement.employee", "in_scope_fund_share.resident.township",
                "visit_share.primary", "outside_admission_share"):
        assert key in keys
    assert len({m.pattern for m in measures.MEASURES}) == len(measures.MEASURES)
    # shared keys keep the indicator's definition (docs/outputs.md)
    assert set(keys) & set(INDICATOR_KEYS) == {"primary_visit_share", "county_inpatient_share"}
    assert set(INDICATOR_KEYS) <= set(target_keys())
    assert "| `cost_per_visit.<tier>` |" in measures.markdown_table()


def _tally() -> measures.Tally:
    # two units; rows: (unit, tier, kind, scheme, episodes, cost, in_scope, fund, oop, days)
    rows = np.array([
        (0, 1, 0, 0, 4, 400, 360, 200, 200, 0),     # township visits
        (0, 3, 2, 0, 1, 6000, 5000, 3600, 2400, 8),  # county admission
        (1, 4, 2, 1, 1, 12000, 10000, 8000, 4000, 10),
        (1, 0, 1, 1, 2, 60, 60, 40, 20, 0),          # chronic-care visits
    ], float)
    return measures.Tally(unit=rows[:, 0].astype(int), tier=rows[:, 1].astype(int), kind=rows[:, 2].astype(int),
                          scheme=rows[:, 3].astype(int), q=rows[:, 4:], persons=np.array([1.0, 1.0]))


@pytest.mark.parametrize("key, per_unit", [
    ("visits_per_person", [4, 2]),
    ("outpatient_visits_per_person", [4, 0]),
    ("admissions_per_person", [1, 1]),
    ("cost_per_visit", [100, 30]),
    ("cost_per_admission.county", [6000, np.nan]),
    ("cost_per_admission.outside", [np.nan, 12000]),
    ("visit_share.primary", [1, 1]),
    ("outside_admission_share", [0, 1]),
    ("effective_reimbursement.resident", [3800 / 6400, np.nan]),
    ("in_scope_fund_share.employee.outside_agreement", [np.nan, 0.8]),
    ("los", [8, 10]),
])
def test_per_unit_values(key: str, per_unit: list[float]) -> None:
    np.testing.assert_allclose(_tally().per_unit(key), per_unit)


def test_ratio_and_delta_method_se() -> None:
    t = _tally()
    value, se, n = t.ratio("cost_per_admission")
    assert value == pytest.approx(9000) and n == 2
    y, x = np.array([6000.0, 12000.0]), np.array([1.0, 1.0])
    assert se == pytest.approx(np.sqrt(2 / 1 * np.sum((y - 9000 * x) ** 2)) / 2)
    # 3 insured without claims enter per-person measures as zeros
    value, se, n = t.ratio("visits_per_person", extra_units=3)
    v = np.array([4, 2, 0, 0, 0], float)
    assert (value, n) == (pytest.approx(1.2), 5)
    assert se == pytest.approx(v.std(ddof=1) / np.sqrt(5))
