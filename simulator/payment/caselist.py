"""The year-end points calculation of a real case list (``mcsim points``): DRG点数法, DIP按病种分值.

One implementation serves the simulator and this calculation: every case is booked by
:func:`simulator.payment.cases.book_case` (the rules are in that module's docstring), special
review (特例单议) is :func:`~simulator.payment.cases.review_corrections` and the year is valued by
:func:`simulator.payment.points.settlement_point_value`. This module reads, validates, books,
reviews and values; it never prints or writes files.

Case list (CSV, parquet or xlsx; one row per case; other columns pass through):

* ``group`` (text, required): the DRG group or DIP 病种;
* ``cost`` (yuan, >= 0, required): the case's total cost x;
* ``oop`` (yuan, 0 <= oop <= cost; absent: 0): the patient's share o under the benefit rules; the
  fund share is f = x − o;
* ``weight`` (> 0, DRG, required): relative weight; base points b = 100 × weight;
* ``score`` (> 0, DIP): 病种分值 b; absent: b = mean cost of the case's group ÷ mean cost of all
  cases × ``score_scale``;
* ``tier`` (optional): a code 0-5, a name of :data:`~simulator.constants.TIER_NAMES` or its zh
  label; coefficient c = ``tier_coefficient[tier]`` (no tier column: c = 1). DRG's
  ``base_groups_uniform`` is ignored: a case list does not say which groups are base groups.

The reference cost of ``outlier_basis = "group_mean"`` is the mean cost of the case's group in
the list (of its group and tier when the list has tiers). With a pool P (floating, 以收定支), cases
are booked at the budget point value V (the table's ``point_value`` unless given) and the
settlement point value is v = settlement_point_value(Σ points, Σ oop, Σ outlier yuan, P, V,
``point_value_band``, ``point_value_floor``); with a fixed point value, V = v. A case's fund
payment is yuan + max(0, points × v − oop) (yuan: never below 0); the deficit is
max(0, Σ payment − P).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from simulator.constants import N_TIERS
from simulator.errors import InputError, Problem, line_of, problems_from_pydantic, read_toml
from simulator.kernels.jit import jit, prange
from simulator.payment.cases import CLASS_NAMES, HIGH, LOW, NORMAL, REVIEW, ZERO, book_case
from simulator.payment.caselist_read import CaseList, read_cases

__all__ = ["CaseList", "METHODS", "OUTPUT_COLUMNS", "calculate", "load_rules", "read_cases"]

METHODS = ("drg", "dip")
#: columns ``mcsim points --out`` adds after the input's: name -> (unit, meaning)
OUTPUT_COLUMNS: dict[str, tuple[str, str]] = {
    "base_points": ("points", "DRG 100 × weight; DIP the group score"),
    "coefficient": ("", "tier coefficient (1 without a tier column)"),
    "points": ("points", "points valued at the settlement point value (0 when paid outright)"),
    "standard": ("yuan", "payment standard: base points × coefficient × budget point value"),
    "class": ("", "normal, high, low, review (a special-review candidate) or zero"),
    "reviewed": ("", "paid its fund share by special review (特例单议)"),
    "payment": ("yuan", "the fund's payment: outlier yuan + points × point value − oop"),
}


@dataclass(frozen=True)
class Booking:
    """Every case booked at the budget point value (float64 per case unless said)."""

    budget_point_value: float   # yuan per point
    base: np.ndarray            # base points ÷ scale, per case (or per group: ``base_group``)
    base_group: np.ndarray | None  # int64 group of each case where ``base`` is per group
    scale: float                # base points = base × scale (DRG: weights × 100)
    coefficients: np.ndarray    # tier coefficient per tier (float64[N_TIERS])
    tier: np.ndarray | None     # int64 tier codes, None without a tier column (coefficient 1)
    points: np.ndarray          # points valued after the year
    oop: np.ndarray             # yuan subtracted from points × value
    yuan: np.ndarray            # yuan paid outright (outliers, reviewed cases)
    klass: np.ndarray           # int8, index of CLASS_NAMES
    reviewed: np.ndarray        # bool

    @property
    def base_points(self) -> np.ndarray:
        """Base points of each case (DRG 100 × weight, DIP the score)."""
        return self._base() * self.scale

    def _base(self) -> np.ndarray:
        return self.base if self.base_group is None else self.base[self.base_group]

    @property
    def coefficient(self) -> np.ndarray:
        """Tier coefficient of each case (1 without a tier column)."""
        return np.ones(len(self.points)) if self.tier is None else self.coefficients[self.tier]

    @property
    def standard(self) -> np.ndarray:
        """Payment standard of each case, yuan: base points × coefficient × budget point value."""
        return self._base() * self.coefficient * self.scale * self.budget_point_value  # book_case's order


@dataclass(frozen=True)
class PointsResult:
    """The valued year: the point value, the fund's total payment and the per-case booking."""

    method: str
    booking: Booking
    point_value: float          # settlement point value, yuan per point
    pool: float | None          # yuan; None at a fixed point value
    total_payment: float        # yuan
    deficit: float              # yuan the fund pays beyond the pool (点值保底的缺口)

    def payments(self) -> np.ndarray:
        """Fund payment of each case, yuan (float64[n]); never below 0 (a case whose patient share
        exceeds points × the settlement point value is paid nothing: docs/payments.md, "Guards")."""
        return case_payments(self.booking, self.point_value)

    def summary(self) -> dict[str, Any]:
        """The year's figures (``mcsim points --json``): money in yuan, counts of cases.

        ``n_high`` counts every high outlier (special-review candidates included, of which
        ``n_special_review`` were reviewed and paid their fund share).
        """
        b = self.booking
        counts = np.bincount(b.klass, minlength=len(CLASS_NAMES))
        return {
            "method": self.method, "mode": "fixed" if self.pool is None else "floating",
            "point_value": self.point_value, "budget_point_value": b.budget_point_value,
            "pool": self.pool, "n_cases": int(len(b.points)), "total_points": float(b.points.sum()),
            "total_payment": self.total_payment, "outlier_payment": float(b.yuan.sum()),
            "n_normal": int(counts[NORMAL]), "n_high": int(counts[HIGH] + counts[REVIEW]),
            "n_low": int(counts[LOW]), "n_review_candidates": int(counts[REVIEW]),
            "n_special_review": int(b.reviewed.sum()), "n_zero": int(counts[ZERO]),
            "points_pool_deficit": self.deficit,
        }


# ---------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------

def load_rules(path: Path, method: str | None = None) -> tuple[str, Any]:
    """The method and validated table (``DrgParams`` / ``DipParams``) of a rules or scenario TOML.

    ``method`` None takes the one ``[payment.drg]`` / ``[payment.dip]`` table present. Raises
    :class:`InputError` naming the file, key and line of every problem.
    """
    from pydantic import ValidationError

    from simulator.payment.params import DipParams, DrgParams, outlier_problems

    file = str(path)
    data, lines = read_toml(Path(path), "rules file")
    payment = data.get("payment") if isinstance(data.get("payment"), dict) else {}
    present = [m for m in METHODS if isinstance(payment.get(m), dict)]
    if method is None and len(present) != 1:
        found = "both [payment.drg] and [payment.dip]" if present else "no [payment.drg] or [payment.dip] table"
        raise InputError(Problem("payment", f"{found}: which method?", file=file, line=lines.get("payment"),
                                 hint="give --method drg or --method dip" if present else
                                 "a rules file holds a [payment.drg] or [payment.dip] table"),
                         title="invalid rules file")
    method = method or present[0]
    if method not in present:
        raise InputError(Problem(f"payment.{method}", f"the file has no [payment.{method}] table", file=file,
                                 hint=f"tables found: {', '.join(f'[payment.{m}]' for m in present) or 'none'}"),
                         title="invalid rules file")
    model, prefix = (DrgParams if method == "drg" else DipParams), f"payment.{method}"
    try:
        params = model.model_validate(payment[method])
    except ValidationError as exc:
        raise InputError(problems_from_pydantic(exc, file=file, prefix=prefix, lines=lines, model=model),
                         title="invalid rules file") from None
    problems = [replace(p, file=file, line=line_of(p.path, lines)) for p in outlier_problems(params, prefix)]
    if problems:
        raise InputError(problems, title="invalid rules file")
    return method, params


# ---------------------------------------------------------------------------------------------
# Calculation
# ---------------------------------------------------------------------------------------------

def calculate(cases: CaseList, method: str, params: Any, *, pool: float | None = None,
              point_value: float | None = None, budget_point_value: float | None = None) -> PointsResult:
    """Book, review and value a case list: exactly one of ``pool`` (yuan, floating) and
    ``point_value`` (yuan per point, fixed). ``budget_point_value`` (floating only) defaults to
    the table's ``point_value``."""
    if (pool is None) == (point_value is None):
        raise ValueError("give exactly one of pool and point_value")
    if point_value is not None and budget_point_value is not None:
        raise ValueError("a fixed point value is also the budget point value")
    budget = next(v for v in (point_value, budget_point_value, params.point_value) if v is not None)
    return value(book(cases, method, params, budget), method, params, pool=pool)


def book(cases: CaseList, method: str, params: Any, budget_point_value: float) -> Booking:
    """Every case booked at ``budget_point_value`` (yuan per point), special review applied."""
    from simulator.payment.cases import rule_row

    n = cases.n
    base, per_group, scale = _base(cases, method, params)
    tier = cases.tier if cases.tier is not None else np.empty(0, dtype=np.int64)
    coefficients = np.asarray(params.tier_coefficient, dtype=float)
    key_mean = _means(cases.group, tier, cases.cost) if params.outlier_basis == "group_mean" else np.empty(0)
    points, oop, yuan, klass = np.empty(n), np.empty(n), np.empty(n), np.empty(n, dtype=np.int8)
    _book_list(rule_row(params, scale), base, per_group, coefficients, cases.group, tier, cases.cost, cases.oop,
               key_mean, float(budget_point_value), points, oop, yuan, klass)
    reviewed = np.zeros(n, dtype=bool)
    if params.review_quota is not None:
        reviewed = _review(params.review_quota, cases.cost, cases.oop, points, oop, yuan, klass)
    return Booking(float(budget_point_value), base, cases.group if per_group else None, scale, coefficients,
                   cases.tier, points, oop, yuan, klass, reviewed)


@jit(parallel=True)
def _book_list(rules, base, per_group, coefficients, group, tier, cost, oop, key_mean, budget_pv, points,
               booked_oop, yuan, klass):
    """jit-compiled, parallel over cases (each is booked alone, so the results do not depend on
    the number of threads); fills ``points``, ``booked_oop``, ``yuan`` and ``klass`` of every case by
    :func:`simulator.payment.cases.book_case` (the rules), with base ``base`` (of its group where
    ``per_group``; the rule row scales it), coefficient ``coefficients[tier]``
    (1 where ``tier`` is empty), fund share cost − oop and reference ``key_mean`` of its group
    (× N_TIERS + tier; unused, and may be empty, when the basis is the standard).

    :func:`~simulator.payment.cases.book_cases` takes coefficient, fund share and reference as
    arrays, serially; for 1,000,000 cases building them costs about as much as the booking
    itself, hence this loop (benchmarks/points_cli.py).
    """
    tiers, means = tier.shape[0] > 0, key_mean.shape[0] > 0
    for i in prange(cost.shape[0]):
        t = tier[i] if tiers else 0
        ref = key_mean[group[i] * N_TIERS + t if tiers else group[i]] if means else 0.0
        b = base[group[i]] if per_group else base[i]
        p, o, y, k = book_case(rules, 0, b, coefficients[t] if tiers else 1.0, cost[i], cost[i] - oop[i],
                               ref, budget_pv)
        points[i], booked_oop[i], yuan[i], klass[i] = p, o, y, k


def _review(quota: float, cost, patient, points, oop, yuan, klass) -> np.ndarray:
    """特例单议: the chosen candidates are paid their fund share cost − ``patient`` (``points``,
    ``oop``, ``yuan`` corrected in place); returns the reviewed mask (bool per case)."""
    from simulator.payment.cases import review_corrections

    candidates = np.flatnonzero(klass == REVIEW)
    fund = cost[candidates] - patient[candidates]
    chosen = review_corrections(cost[candidates], fund, points[candidates], oop[candidates], yuan[candidates],
                                len(cost), quota)
    points[candidates[chosen]], oop[candidates[chosen]], yuan[candidates[chosen]] = 0.0, 0.0, fund[chosen]
    reviewed = np.zeros(len(cost), dtype=bool)
    reviewed[candidates[chosen]] = True
    return reviewed


def value(booking: Booking, method: str, params: Any, *, pool: float | None = None) -> PointsResult:
    """The year's point value and payments: floating against ``pool`` (yuan) within the table's
    ``point_value_band`` and ``point_value_floor``, else fixed at the budget point value."""
    from simulator.payment.points import settlement_point_value

    points, oop, yuan = (float(x.sum()) for x in (booking.points, booking.oop, booking.yuan))
    if pool is None:
        v = booking.budget_point_value
        return PointsResult(method, booking, v, None, float(case_payments(booking, v).sum()), 0.0)
    v, _, _ = settlement_point_value(points, oop, yuan, pool, booking.budget_point_value,
                                     band=params.point_value_band, floor=params.point_value_floor)
    paid = float(case_payments(booking, float(v)).sum())  # the per-case guard may add to the pool
    return PointsResult(method, booking, float(v), float(pool), paid, max(paid - float(pool), 0.0))


def case_payments(booking: Booking, point_value: float) -> np.ndarray:
    """yuan + max(0, points × v − oop) per case, yuan."""
    return booking.yuan + np.maximum(booking.points * point_value - booking.oop, 0.0)


def _base(cases: CaseList, method: str, params: Any) -> tuple[np.ndarray, bool, float]:
    """(values, per group?, scale) of the base points = values × scale: DRG the weights × 100
    (as the simulator's kernels pass them); DIP the score per case, or per group the group's
    mean cost ÷ the mean cost of all cases × ``score_scale``."""
    if method == "drg":
        return cases.weight, False, 100.0
    if cases.score is not None:
        return cases.score, False, 1.0
    mean = cases.cost.mean()
    if not mean > 0:
        raise InputError(Problem("column cost", "every cost is 0: no scores can be derived from the list",
                                 file=cases.file, hint="give a score column"), title="invalid case list")
    scores = _means(cases.group, np.empty(0, dtype=np.int64), cases.cost) * (params.score_scale / mean)
    return scores, True, 1.0


def _means(group: np.ndarray, tier: np.ndarray, cost: np.ndarray) -> np.ndarray:
    """Mean cost (yuan) per key group × N_TIERS + tier (``tier`` empty: per group); 0 where none."""
    out = np.zeros((int(group.max()) + 1) * (N_TIERS if len(tier) else 1))
    _key_means(group, tier, cost, out)
    return out


@jit
def _key_means(group, tier, cost, out):
    """jit-compiled; fills ``out[key]`` with the mean cost of the cases of each key (``_means``)."""
    counts = np.zeros(out.shape[0])
    for i in range(cost.shape[0]):
        key = group[i] * N_TIERS + tier[i] if tier.shape[0] else group[i]
        out[key] += cost[i]
        counts[key] += 1.0
    for key in range(out.shape[0]):
        if counts[key] > 0.0:
            out[key] /= counts[key]


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
