"""The points engine (点数法): the year's point value of a points method and its fund payments.

A points method (DRG, DIP) books three quantities per [tier, service, scheme] cell in the
kernels (:mod:`simulator.payment.cases`): the points of its cases, the patient share booked
against them, and the outlier payments paid outright (yuan). After the year the fund pays a
cell ``outliers + max(0, points × point value − patient share)``.

* ``mode = "fixed"``: the point value is the scenario's ``point_value``.
* ``mode = "floating"``: outliers are paid first out of the year's pool and the settlement
  point value is ``(pool − outliers + patient share) / points``, kept within
  ``point_value_band`` × the budget point value and above ``point_value_floor``; what the fund
  pays beyond the pool is the deficit (docs/payments.md, "Budget and settlement point values",
  "The pool", "Guards").

Every function takes ``cells``, bool[tier, service]: the cells the method pays (a cell has one
method, so points methods share the accumulator layout). Money in yuan, per world.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from simulator.constants import Q_POINTS, Q_POINTS_ALL, Q_POINTS_COST, Q_POINTS_OOP, Q_POINTS_OUTLIER
from simulator.sums import cell_sum


class PointsYear(NamedTuple):
    """A points method's year, per world."""

    point_value: np.ndarray   # settlement point value, yuan per point
    pool: np.ndarray          # the pool its payments were set against, yuan
    fund_payment: np.ndarray  # its fund payments, yuan
    budget_value: np.ndarray  # the budget point value outliers were judged at, yuan per point
    deficit: np.ndarray       # what the fund paid beyond the pool (points_pool_deficit), yuan


@dataclass
class PointsHistory:
    """What a points method carries from year to year, per world: its settlement point values
    (the years before the run and the base year at ``point_value``), the cost and standard points
    of its cases in each year from the base year on, its last pool, and its share of the base
    year's fund spending (the budget-basis pool's share when ``pool_share`` is unset)."""

    values: list[np.ndarray]
    pool: np.ndarray
    share: np.ndarray
    costs: list[np.ndarray] = field(default_factory=list)
    points: list[np.ndarray] = field(default_factory=list)

    @classmethod
    def start(cls, params: Any, n_worlds: int) -> "PointsHistory":
        first = np.full(n_worlds, float(params.point_value))
        return cls(values=[first, first], pool=np.zeros(n_worlds), share=np.zeros(n_worlds))


def budget_point_value(params: Any, history: PointsHistory | None, n_worlds: int) -> np.ndarray:
    """预算点值 per world: ``point_value`` in fixed mode and in the base year. Else, with the
    ``budget_weights`` w (oldest to newest) over the last three years: ``budget_basis =
    "settled"`` Σ w v / Σ w of the settlement point values (``point_value`` standing for the years
    before the base year); ``"costs"`` Σ w C / Σ w P, the cost per standard point of the method's
    cases (医保办发〔2020〕50号: 1:2:7 of 住院总费用 over Σ scores), over the years the run has
    (the base year on; the weights of the missing oldest years dropped)."""
    if params.mode == "fixed" or history is None or len(history.values) < 3:
        return np.full(n_worlds, float(params.point_value))
    w = np.asarray(params.budget_weights, dtype=float)
    if params.budget_basis == "costs" and history.costs:
        k = min(3, len(history.costs))
        wk = w[-k:]
        cost = sum(a * c for a, c in zip(wk, history.costs[-k:]))
        points = sum(a * p for a, p in zip(wk, history.points[-k:]))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(points > 0, cost / points, float(params.point_value))
    last = history.values[-3:]
    return sum(wk * v for wk, v in zip(w, last)) / w.sum()


def cost_and_points(flows: np.ndarray, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per world: the cost (yuan) and standard points of every case the method's cells booked."""
    mask = cells[None, :, :, None]
    return (cell_sum(np.where(mask, flows[..., Q_POINTS_COST], 0.0)),
            cell_sum(np.where(mask, flows[..., Q_POINTS_ALL], 0.0)))


def points_totals(flows: np.ndarray, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-world Σ outlier payments (yuan), Σ points and Σ booked patient share of the points
    cases (yuan) of the method's cells. ``flows``: float64[world, tier, service, scheme, quantity]."""
    mask = cells[None, :, :, None]
    outlier = cell_sum(np.where(mask, flows[..., Q_POINTS_OUTLIER], 0.0))
    points = cell_sum(np.where(mask, flows[..., Q_POINTS], 0.0))
    oop = cell_sum(np.where(mask, flows[..., Q_POINTS_OOP], 0.0))
    return outlier, points, oop


def method_payment(flows: np.ndarray, cells: np.ndarray, point_value: np.ndarray) -> np.ndarray:
    """Per-world fund payment of the method's cells at ``point_value`` (yuan): outliers plus, per
    cell, max(0, points × value − patient share) (a cell is never paid below 0).

    Computed as outliers + points × value − patient share, plus what the guard adds (exactly 0
    when no cell is below 0, so the sum is the aggregate formula to the bit)."""
    outlier, points, oop = points_totals(flows, cells)
    return outlier + points * point_value - oop + guard_shortfall(flows, cells, point_value)


def guard_shortfall(flows: np.ndarray, cells: np.ndarray, point_value: np.ndarray) -> np.ndarray:
    """Per world, Σ over the method's cells of max(0, patient share − points × value): what keeps
    every cell's points payment at 0 or more (yuan)."""
    mask = cells[None, :, :, None]
    short = np.maximum(flows[..., Q_POINTS_OOP] - flows[..., Q_POINTS] * point_value[:, None, None, None], 0.0)
    return cell_sum(np.where(mask, short, 0.0))


def points_year(params: Any, flows: np.ndarray, cells: np.ndarray, history: PointsHistory | None,
                year: int, budget: np.ndarray | None = None) -> PointsYear:
    """The point value, pool and fund payment of a points method in ``year`` (0: the base year).

    Base year and ``mode = "fixed"``: the point value is ``point_value``. Floating: the pool is
    the method's part of the year's ``budget`` (``pool_basis = "budget"``: × ``pool_share`` or
    the base year's share) or last year's pool grown by ``pool_growth`` (``"history"``), and the
    settlement point value spends it (:func:`settlement_point_value`, within the band, above
    the floor); the fund pays any deficit (docs/payments.md, "The pool").
    """
    n_worlds = flows.shape[0]
    budget_value = budget_point_value(params, history if year > 0 else None, n_worlds)
    if params.mode == "fixed" or year == 0:
        paid = method_payment(flows, cells, budget_value)
        return PointsYear(budget_value, paid, paid, budget_value, np.zeros(n_worlds))
    if params.pool_basis == "history":
        pool = history.pool * (1.0 + params.pool_growth)
    else:
        share = params.pool_share if params.pool_share is not None else history.share
        pool = budget * share
    outlier, points, oop = points_totals(flows, cells)
    value, _, _ = settlement_point_value(points, oop, outlier, pool, budget_value,
                                         params.point_value_band, params.point_value_floor)
    paid = method_payment(flows, cells, value)
    return PointsYear(value, pool, paid, budget_value, np.maximum(paid - pool, 0.0))


def settlement_point_value(points, oop, yuan, pool, budget_pv, band=None, floor=0.0):
    """The settlement point value (结算点值) that spends ``pool`` (yuan), within
    ``band`` × ``budget_pv`` when a band is given, and never below ``floor``; per world or scalar.

    free = (pool − yuan + oop) / points spends the pool exactly (yuan: outlier payments, paid
    first; oop: the points cases' patient share). Where there are no points, the budget point
    value (nothing to price). Returns (point value, fund payment yuan + points × value − oop,
    deficit max(0, payment − pool): what the fund pays beyond the pool, 点值保底的缺口).
    """
    points, oop, yuan, pool = (np.asarray(x, dtype=float) for x in (points, oop, yuan, pool))
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(points > 0, (pool - yuan + oop) / points, budget_pv)
    if band is not None:
        value = np.clip(value, band[0] * np.asarray(budget_pv), band[1] * np.asarray(budget_pv))
    value = np.maximum(value, floor)
    payment = yuan + points * value - oop
    return value, payment, np.maximum(payment - pool, 0.0)
