"""A year's provider payments from the kernels' flows, by the methods of the registry (numpy).

The fund's payment of a [tier, service, scheme] cell is what the kernels booked final
(``direct``: fee-for-service, per diem, capitation, and the fee-for-service referring stays of
upward referrals) plus what its method adds after the year: for a points method,
``outlier payments + points × point value − OOP`` at the point value of that method
(:mod:`simulator.payment.points`); for an ``after_year`` method, its own ``value``.
Provider margin by tier = fund payment + patient OOP − cost (yuan).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.constants import Q_COST, Q_DIRECT, Q_OOP, Q_POINTS, Q_POINTS_OOP, Q_POINTS_OUTLIER
from simulator.payment.points import PointsHistory, PointsYear, points_year
from simulator.payment.registry import REGISTRY, method_params, points_methods
from simulator.sums import cell_sum


@dataclass
class YearPayments:
    """The year's payments: per cell, and each points method's point value, pool and total."""

    paid: np.ndarray                 # float64[world, tier, service, scheme], yuan
    points: dict[str, PointsYear]    # method code -> its year


def pay_year(payment: Any, cells: dict[str, np.ndarray], flows: np.ndarray,
             histories: dict[str, PointsHistory], year: int, budget: np.ndarray | None = None,
             given: dict[str, tuple[PointsYear, np.ndarray]] | None = None) -> YearPayments:
    """Value a year's ``flows`` under the scenario's ``[payment]`` table.

    ``cells``: method code -> bool[tier, service] (:func:`~simulator.payment.registry.method_cells`);
    ``histories``: each points method's :class:`~simulator.payment.points.PointsHistory` (empty
    in the base year); ``budget``: the year's budget per world (the pool of ``pool_basis =
    "budget"``); ``given``: method code -> its year valued by the caller and the point value
    of each of its cells, float64[world, tier, service] (a region's shared point value,
    :mod:`simulator.region.engine`). Every points method of the registry is
    valued, used or not, so its point value is reported.
    """
    n_tiers, n_services = flows.shape[1:3]
    none = np.zeros((n_tiers, n_services), dtype=bool)
    point_value = np.zeros(flows.shape[:3])  # [world, tier, service]: each cell's method's value
    years: dict[str, PointsYear] = {}
    for method in points_methods():
        own = cells.get(method.code, none)
        if given and method.code in given:  # its year and each of its cells' point value
            years[method.code], cell_value = given[method.code]
            point_value += cell_value
            continue
        years[method.code] = points_year(method_params(payment, method.code), flows, own,
                                         histories.get(method.code), year, budget)
        point_value += own[None] * np.nan_to_num(years[method.code].point_value, nan=0.0)[:, None, None]
    paid = cell_payments(flows, point_value)
    for method in REGISTRY.of_valuation("after_year"):
        if method.code in cells:
            paid = paid + method.value(flows, cells[method.code], getattr(payment, method.code, None))
    return YearPayments(paid, years)


def cell_payments(flows: np.ndarray, point_value: np.ndarray) -> np.ndarray:
    """Fund payment per [world, tier, service, scheme] of direct and points bookings, yuan.

    ``point_value``: float64[world, tier, service], the point value of each cell's method (0
    where none). The points part of a cell is never below 0 (the last term is exactly 0 unless
    the patient share exceeds points × value).
    """
    priced = flows[..., Q_POINTS] * point_value[..., None]
    return (flows[..., Q_DIRECT] + flows[..., Q_POINTS_OUTLIER] + priced - flows[..., Q_POINTS_OOP]
            + np.maximum(flows[..., Q_POINTS_OOP] - priced, 0.0))  # a cell is never paid below 0


def provider_margin(flows: np.ndarray, paid: np.ndarray) -> np.ndarray:
    """Provider margin per [world, tier], yuan: fund payment + OOP − cost."""
    return cell_sum(paid + flows[..., Q_OOP] - flows[..., Q_COST], keep=2)
