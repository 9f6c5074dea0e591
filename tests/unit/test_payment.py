"""Provider payment from flows: DRG point value (fixed and floating), payments per cell, margins."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.constants import (
    INPATIENT, N_QUANTITIES, N_SERVICES, N_TIERS, OUTPATIENT, Q_COST, Q_DIRECT, Q_OOP, Q_POINTS,
    Q_POINTS_OOP as Q_DRG_OOP, Q_POINTS_OUTLIER as Q_DRG_OUTLIER,
)
from simulator.payment.points import method_payment, points_totals, settlement_point_value
from simulator.payment.valuation import cell_payments, provider_margin

#: the cells DRG pays in these flows: inpatient care at every tier
DRG_CELLS = np.zeros((N_TIERS, N_SERVICES), dtype=bool)
DRG_CELLS[:, INPATIENT] = True


def drg_totals(flows):
    return points_totals(flows, DRG_CELLS)


def drg_payments_at(flows, pv):
    return method_payment(flows, DRG_CELLS, pv)


def floating_point_value(flows, pool, budget_pv=62.0):
    outlier, points, oop = drg_totals(flows)
    return settlement_point_value(points, oop, outlier, pool, budget_pv)[0]


def payments(flows, pv):
    """Cell payments with DRG's point value in its cells (0 where a world has none)."""
    value = DRG_CELLS[None] * np.nan_to_num(pv, nan=0.0)[:, None, None]
    return cell_payments(flows, value)


@pytest.fixture
def flows() -> np.ndarray:
    """Two worlds; DRG cases at the county (tier 3) and outside (tier 4), FFS visits at the township."""
    f = np.zeros((2, 6, 4, 2, N_QUANTITIES))
    f[:, 3, INPATIENT, 0, Q_POINTS] = [10_000.0, 12_000.0]     # points of non-outlier cases
    f[:, 3, INPATIENT, 0, Q_DRG_OOP] = [150_000.0, 160_000.0]  # their patients' OOP, yuan
    f[:, 4, INPATIENT, 0, Q_POINTS] = [2_000.0, 1_000.0]
    f[:, 4, INPATIENT, 0, Q_DRG_OOP] = [60_000.0, 30_000.0]
    f[:, 3, INPATIENT, 0, Q_DRG_OUTLIER] = [40_000.0, 0.0]     # outliers paid at the fund share
    f[:, 1, OUTPATIENT, 0, Q_DIRECT] = [5_000.0, 6_000.0]       # FFS
    f[..., Q_COST] = 0.0
    f[:, 3, INPATIENT, 0, Q_COST] = [900_000.0, 950_000.0]
    f[:, 3, INPATIENT, 0, Q_OOP] = [150_000.0, 160_000.0]
    return f


def test_floating_point_value_spends_the_pool_exactly(flows) -> None:
    pool = np.array([700_000.0, 650_000.0])
    pv = floating_point_value(flows, pool)
    outlier, points, oop = drg_totals(flows)
    np.testing.assert_allclose(pv, (pool - outlier + oop) / points)
    np.testing.assert_allclose(drg_payments_at(flows, pv), pool)
    drg_cells = payments(flows, pv)[:, 3:5, INPATIENT, 0].sum(axis=1)
    np.testing.assert_allclose(drg_cells, pool)


def test_fixed_point_value_pays_points_times_value_less_oop(flows) -> None:
    pv = np.full(2, 62.0)
    paid = payments(flows, pv)
    county = flows[:, 3, INPATIENT, 0]
    expected = county[:, Q_POINTS] * 62.0 - county[:, Q_DRG_OOP] + county[:, Q_DRG_OUTLIER]
    np.testing.assert_allclose(paid[:, 3, INPATIENT, 0], expected)
    np.testing.assert_allclose(paid[:, 1, OUTPATIENT, 0], flows[:, 1, OUTPATIENT, 0, Q_DIRECT])


def test_no_drg_points_gives_the_budget_point_value_and_only_outliers_paid() -> None:
    f = np.zeros((1, 6, 4, 2, N_QUANTITIES))
    f[0, 3, INPATIENT, 0, Q_DRG_OUTLIER] = 1_000.0
    pv = floating_point_value(f, np.array([5_000.0]), budget_pv=62.0)
    assert pv[0] == 62.0  # nothing to price: the budget point value is reported
    assert payments(f, pv)[0, 3, INPATIENT, 0] == pytest.approx(1_000.0)


def test_provider_margin_is_payment_plus_oop_less_cost(flows) -> None:
    pv = np.full(2, 62.0)
    paid = payments(flows, pv)
    margin = provider_margin(flows, paid)
    county = flows[:, 3, INPATIENT, 0]
    np.testing.assert_allclose(margin[:, 3], paid[:, 3, INPATIENT, 0] + county[:, Q_OOP] - county[:, Q_COST])
