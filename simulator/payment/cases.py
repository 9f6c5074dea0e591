"""How a points method (DRG, DIP) books one case: the rules of docs/payments.md, jit-compiled.

One implementation serves the simulator's kernels (:func:`book_case`, per admission) and
``mcsim points`` (:func:`book_cases`, over a real case list). A case of base points b (DRG:
100 × relative weight; DIP: the group score 病种分值), tier coefficient c, cost x, fund share
under the benefit rules f (patient share o = x − f) and reference cost r is booked as

* ``points`` p, valued after the year at the settlement point value v;
* ``oop`` o' subtracted from p × v (the patient's share, 支付标准 − 个人自付);
* ``yuan`` y paid outright (outlier payments, out of the pool before v is set),

so its fund payment is y + p × v − o'. With the budget point value V (预算点值) the case's
payment standard is s = b c V, and its reference cost r is the group's expected cost at the
tier (``outlier_basis = "group_mean"``) or s (``"standard"``). With the high ratio h (tiered by b:
``high_ratio_by_points``), the low ratio l and the review ratio R:

* x > h r — high outlier, by ``high_outlier_pay``: ``cost_share`` y = f; ``standard``
  y = max(0, s − o); ``standard_plus_excess`` y = max(0, s + e (x − h r) − o);
  ``adjusted_points`` p = b c ((x / r − h) + 1), o' = o (医保办发〔2020〕50号, 费用超高病例);
  x > R r also makes it a special-review candidate (特例单议): the costliest candidates up to the
  quota are paid y = f instead (:func:`review_corrections`, at year end);
* x < l r — low outlier, by ``low_outlier_pay``: ``cost_share`` y = f; ``scaled_points``
  p = b c x / r, o' = o (费用超低病例);
* otherwise p = b c, o' = o — unless o > s: the patient's share exceeds the standard, and the
  fund pays nothing (a case's fund payment is never below 0; judged at V). The same holds for
  a case paid adjusted or scaled points: nothing when o exceeds its points × V.

Units: yuan, points, yuan per point.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.kernels.jit import jit
from simulator.kernels.layout import (  # the rule row's columns live with the kernels' other layouts
    R_BANDS, R_BASE_UNIFORM, R_BASIS, R_COLUMNS, R_EXCESS_SHARE, R_HIGH, R_HIGH_PAY, R_LOW,
    R_LOW_PAY, R_N_BANDS, R_REVIEW, R_SCALE,
)

HIGH_PAY = ("cost_share", "standard", "standard_plus_excess", "adjusted_points")
LOW_PAY = ("cost_share", "scaled_points")
BASES = ("group_mean", "standard")
NORMAL, HIGH, LOW, REVIEW, ZERO = range(5)  # case classes (REVIEW: a high outlier, candidate)
CLASS_NAMES = ("normal", "high", "low", "review", "zero")


def rule_row(params, scale: float = 1.0) -> np.ndarray:
    """The rule row of a ``[payment.drg]`` / ``[payment.dip]`` table (float64[R_COLUMNS]);
    ``scale``: base points = the ``base_points`` passed × ``scale`` (the kernels pass DRG weights
    with scale 100, so a case's points are weight × coefficient × 100 in that order)."""
    row = np.zeros(R_COLUMNS)
    row[R_SCALE] = scale
    row[R_HIGH], row[R_LOW] = params.high_ratio, params.low_ratio
    row[R_REVIEW] = params.review_ratio if params.review_ratio is not None else math.inf
    row[R_HIGH_PAY] = HIGH_PAY.index(params.high_outlier_pay)
    row[R_EXCESS_SHARE] = params.excess_share
    row[R_LOW_PAY] = LOW_PAY.index(params.low_outlier_pay)
    row[R_BASIS] = BASES.index(params.outlier_basis)
    row[R_BASE_UNIFORM] = float(getattr(params, "base_groups_uniform", False))
    bands = params.high_ratio_by_points or []
    row[R_N_BANDS] = len(bands)
    for k, band in enumerate(bands):
        row[R_BANDS + 2 * k], row[R_BANDS + 2 * k + 1] = band.upto, band.ratio
    return row


@jit
def high_ratio(rules, at, base_points):
    """The high-outlier ratio of a group of ``base_points`` (the first band whose upto covers it);
    ``rules[at:at + R_COLUMNS]`` is the method's rule row; ``base_points`` after R_SCALE."""
    for k in range(int(rules[at + R_N_BANDS])):
        if base_points <= rules[at + R_BANDS + 2 * k]:
            return rules[at + R_BANDS + 2 * k + 1]
    return rules[at + R_HIGH]


@jit
def book_case(rules, at, base_points, coef, cost, fund, group_mean, budget_pv):
    """(points, oop, yuan, class) of one case (module docstring). ``rules[at:at + R_COLUMNS]``:
    the method's rule row (an offset, not a slice: no array is made per case); ``fund``: the
    benefit rules' fund share of its cost, yuan; ``group_mean``: its group's expected cost at the
    tier, yuan; ``budget_pv``: the budget point value, yuan per point."""
    oop = cost - fund
    points = base_points * coef * rules[at + R_SCALE]
    standard = points * budget_pv
    ref = group_mean if rules[at + R_BASIS] == 0.0 else standard
    h = high_ratio(rules, at, base_points * rules[at + R_SCALE])
    if ref > 0.0 and cost > h * ref:
        klass = REVIEW if cost > rules[at + R_REVIEW] * ref else HIGH
        how = rules[at + R_HIGH_PAY]
        if how == 0.0:
            return 0.0, 0.0, fund, klass
        if how == 1.0:
            return 0.0, 0.0, max(0.0, standard - oop), klass
        if how == 2.0:
            return 0.0, 0.0, max(0.0, standard + rules[at + R_EXCESS_SHARE] * (cost - h * ref) - oop), klass
        return _priced(points * (cost / ref - h + 1.0), oop, budget_pv, klass)
    if cost < rules[at + R_LOW] * ref:
        if rules[at + R_LOW_PAY] == 0.0:
            return 0.0, 0.0, fund, LOW
        return _priced(points * cost / ref, oop, budget_pv, LOW)
    if oop > standard:
        return 0.0, 0.0, 0.0, ZERO
    return points, oop, 0.0, NORMAL


@jit
def _priced(points, oop, budget_pv, klass):
    """A case paid by (adjusted or scaled) points: nothing when its patient share exceeds the
    points' standard at the budget point value (never below 0), else its points and share."""
    if oop > points * budget_pv:
        return 0.0, 0.0, 0.0, klass
    return points, oop, 0.0, klass


@jit
def book_cases(rules, base_points, coef, cost, fund, group_mean, budget_pv, points, oop, yuan, klass):
    """:func:`book_case` over arrays of cases (``mcsim points``; ``rules``: one rule row); fills
    ``points``, ``oop``, ``yuan`` (float64) and ``klass`` (int64) per case."""
    for i in range(cost.shape[0]):
        p, o, y, k = book_case(rules, 0, base_points[i], coef[i], cost[i], fund[i], group_mean[i], budget_pv)
        points[i], oop[i], yuan[i], klass[i] = p, o, y, k


def review_corrections(cost: np.ndarray, fund: np.ndarray, points: np.ndarray, oop: np.ndarray,
                       yuan: np.ndarray, n_cases: int, quota: float) -> np.ndarray:
    """Which special-review candidates are reviewed (bool per candidate): the costliest, at most
    ⌊quota × n_cases⌋ of them (特例单议; ties broken by order). Reviewed cases are paid their fund
    share instead of their booking: Δpoints = −points, Δoop = −oop, Δyuan = fund − yuan."""
    k = min(len(cost), int(math.floor(quota * n_cases + 1e-9)))
    chosen = np.zeros(len(cost), dtype=bool)
    if k > 0:
        chosen[np.argsort(-cost, kind="stable")[:k]] = True
    return chosen
