"""Special review (特例单议) in the simulator: the kernels' candidate buffers and the year-end choice.

The kernels book every high outlier by its method's high-outlier rule and write the special-review
candidates (cost above ``review_ratio`` × the reference) of each world to a buffer. After the
world-year, the costliest candidates of each points method, at most the quota (``special_review.quota``; DRG 0.05, DIP 0.005 by default) of
the method's cases (:func:`simulator.payment.cases.review_corrections`), are paid their fund
share of cost instead: their points, booked patient share and outlier payment are taken back
from their cell and the fund share is added to its outlier payments (docs/payments.md,
"Special review"). A buffer that overflows keeps its first candidates; a warning says how many
were left out.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from simulator.constants import INPATIENT, LONG_STAY, Q_EPISODES, Q_POINTS, Q_POINTS_OOP, Q_POINTS_OUTLIER
from simulator.kernels.layout import (
    MAX_POINTS_METHODS, V_COLUMNS, V_COST, V_FUND, V_METHOD, V_OOP, V_POINTS, V_SCHEME, V_SERVICE,
    V_TIER, V_YUAN,
)
from simulator.payment.cases import review_corrections
from simulator.payment.points import budget_point_value
from simulator.payment.registry import method_params, points_methods

#: candidates a world's buffer holds, per insured person (candidates are about 0.4% of
#: admissions at 5 × the reference with a cost CV of 0.8; admissions are about 0.2 per person)
CANDIDATES_PER_PERSON = 0.01


class SpecialReview:
    """The special-review rule of a prepared model's points methods, and its budget point values."""

    def __init__(self, model: Any) -> None:
        payment = model.scenario.payment
        self.methods = [(m, method.code, method_params(payment, method.code), model.cells.get(method.code))
                        for m, method in enumerate(points_methods())]
        self.quota = {m: p.review_quota for m, _, p, cells in self.methods
                      if p.review_quota is not None and cells is not None}
        self.lost = 0

    def budget_values(self, histories: dict, n_worlds: int, year: int) -> np.ndarray:
        """float64[world, MAX_POINTS_METHODS]: each method's budget point value this year."""
        out = np.zeros((n_worlds, MAX_POINTS_METHODS))
        for m, code, params, _ in self.methods:
            out[:, m] = budget_point_value(params, histories.get(code) if year > 0 else None, n_worlds)
        return out

    def buffers(self, n_worlds: int, n_people: int) -> tuple[np.ndarray, np.ndarray]:
        """Candidate buffers [world, capacity, V_COLUMNS] and zeroed counts [world, 1] (capacity 0
        when no method reviews)."""
        capacity = int(CANDIDATES_PER_PERSON * n_people + 64) if self.quota else 0
        return np.zeros((n_worlds, capacity, V_COLUMNS)), np.zeros((n_worlds, 1), dtype=np.int64)

    def apply(self, flows: np.ndarray, review: np.ndarray, review_n: np.ndarray) -> None:
        """Pay the chosen candidates of each world their fund share (in place on ``flows``)."""
        if not self.quota:
            return
        capacity = review.shape[1]
        for w in range(flows.shape[0]):
            n = int(review_n[w, 0])
            self.lost += max(0, n - capacity)
            rows = review[w, :min(n, capacity)]
            for m, quota in self.quota.items():
                self._apply_method(flows[w], rows[rows[:, V_METHOD] == m], m, quota)
        if self.lost:
            warnings.warn(f"special review: {self.lost} candidates did not fit the buffer and were paid by "
                          "the high-outlier rule", RuntimeWarning, stacklevel=3)
            self.lost = 0

    def _apply_method(self, flows_w: np.ndarray, rows: np.ndarray, m: int, quota: float) -> None:
        cells = self.methods[m][3]
        n_cases = sum(float(flows_w[cells[:, sv], sv, :, Q_EPISODES].sum()) for sv in (INPATIENT, LONG_STAY))
        chosen = review_corrections(rows[:, V_COST], rows[:, V_FUND], rows[:, V_POINTS], rows[:, V_OOP],
                                    rows[:, V_YUAN], int(n_cases), quota)
        for row in rows[chosen]:
            t, sv, sc = int(row[V_TIER]), int(row[V_SERVICE]), int(row[V_SCHEME])
            flows_w[t, sv, sc, Q_POINTS] -= row[V_POINTS]
            flows_w[t, sv, sc, Q_POINTS_OOP] -= row[V_OOP]
            flows_w[t, sv, sc, Q_POINTS_OUTLIER] += row[V_FUND] - row[V_YUAN]
