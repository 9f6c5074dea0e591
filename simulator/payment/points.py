"""The points engine (点数法): the year's point value of a points method and its fund payments.

A points method (DRG: 100 × relative weight × tier coefficient points per case, 基础病组 at one
coefficient) books three quantities per [tier, service, scheme] cell in the kernels: the points
of its non-outlier cases, those cases' patient OOP, and the fund payment of its outlier cases
(cost above ``high_ratio`` or below ``low_ratio`` × the group mean, paid at the fund share of
cost). After the year, the fund pays a non-outlier case ``points × point_value − OOP``
(支付标准 − 个人自付).

* ``mode = "fixed"``: the point value is the scenario's ``point_value``.
* ``mode = "floating"``: outliers are paid first out of the year's pool and

      point_value = (pool − outlier payments + OOP of the other cases) / their points,

  so the method's fund payments add up to the pool exactly. The pool is the base year's
  payments at ``point_value`` and grows by ``pool_growth`` a year.

Every function takes ``cells``, bool[tier, service]: the cells the method pays (a cell has one
method, so points methods share the accumulator layout). Money in yuan, per world.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from simulator.constants import Q_POINTS, Q_POINTS_OOP, Q_POINTS_OUTLIER
from simulator.sums import cell_sum


class PointsYear(NamedTuple):
    """A points method's year, per world."""

    point_value: np.ndarray   # yuan per point (NaN where the method has no non-outlier points)
    pool: np.ndarray          # the pool its payments were set against, yuan
    fund_payment: np.ndarray  # its fund payments, yuan


def points_totals(flows: np.ndarray, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-world Σ outlier payments, Σ points and Σ OOP of non-outlier cases of the method's cells.

    ``flows``: float64[world, tier, service, scheme, quantity].
    """
    mask = cells[None, :, :, None]
    outlier = cell_sum(np.where(mask, flows[..., Q_POINTS_OUTLIER], 0.0))
    points = cell_sum(np.where(mask, flows[..., Q_POINTS], 0.0))
    oop = cell_sum(np.where(mask, flows[..., Q_POINTS_OOP], 0.0))
    return outlier, points, oop


def payments_at(flows: np.ndarray, cells: np.ndarray, point_value: np.ndarray) -> np.ndarray:
    """Per-world total fund payment of the method (yuan) at the given point value per world."""
    outlier, points, oop = points_totals(flows, cells)
    return outlier + points * point_value - oop


def floating_point_value(flows: np.ndarray, cells: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Point value (yuan/point) that spends exactly ``pool`` per world (点数法).

    Worlds with no non-outlier points get NaN: there is nothing to price.
    """
    outlier, points, oop = points_totals(flows, cells)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(points > 0, (pool - outlier + oop) / points, np.nan)


def points_year(params: Any, flows: np.ndarray, cells: np.ndarray, last_pool: np.ndarray | None,
                year: int) -> PointsYear:
    """The point value, pool and fund payment of a points method in ``year`` (0: the base year).

    ``params``: the method's ``[payment.<code>]`` table (``mode``, ``point_value``,
    ``pool_growth``); ``last_pool``: last year's pool per world (unused in the base year and in
    fixed mode).
    """
    n_worlds = flows.shape[0]
    if params.mode == "fixed" or year == 0:
        point_value = np.full(n_worlds, params.point_value)
        paid = payments_at(flows, cells, point_value)
        return PointsYear(point_value, paid, paid)  # the base year's payments start the pool
    pool = last_pool * (1.0 + params.pool_growth)
    point_value = floating_point_value(flows, cells, pool)
    return PointsYear(point_value, pool, payments_at(flows, cells, point_value))
