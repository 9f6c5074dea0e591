"""The payment-method registry: one table of the ways the fund pays providers.

Each :class:`Method` says what a scenario may write (its code in ``[payment] <service> = [...]``
and its ``[payment.<code>]`` parameter table), how the kernels book a case paid by it (one of
the booking rules of :mod:`simulator.kernels.layout`), which quantities it accumulates, and how
the year's flows are valued after the year:

* ``direct`` — the kernels book the final fund payment (按项目 fee-for-service: the fund share
  of the bill; 按床日 per diem: ``days × rate − OOP``; 按人头 capitation: a yearly amount per
  signed chronic patient);
* ``points`` — the kernels book points, outlier payments and the patients' share; the points
  engine (:mod:`simulator.payment.points`) sets the year's point value (DRG点数法);
* ``after_year`` — the kernels book nothing beyond the claim; :attr:`Method.value` prices the
  method's cells from the year's flows (e.g. a flat fee per admission).

The scenario schema's allowed values, the cross-table rules, the labels of report and figures,
the waterfall's order and the payment step all read this table; adding a method is adding an
entry (:meth:`Registry.registered` does so for a test or a notebook session).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from simulator.constants import N_TIERS, SERVICE_NAMES
from simulator.kernels.layout import (
    BOOK_AFTER_YEAR, BOOK_CAPITATION, BOOK_FUND_SHARE, BOOK_PER_DIEM, BOOK_POINTS,
)
from simulator.payment.params import CapitationParams, DipParams, DrgParams, PerDiemParams, outlier_problems

Valuation = Literal["direct", "points", "after_year"]

#: quantities of the flows array each booking rule adds to (simulator.constants.QUANTITY_NAMES)
ACCUMULATES: dict[int, tuple[str, ...]] = {
    BOOK_FUND_SHARE: ("direct",),
    BOOK_POINTS: ("points", "points_oop", "points_outlier", "points_all", "points_cost"),
    BOOK_PER_DIEM: ("direct",),
    BOOK_CAPITATION: ("direct",),
    BOOK_AFTER_YEAR: (),
}


@dataclass(frozen=True)
class Method:
    """One payment method.

    Attributes
    ----------
    code : the scenario's name of the method (``[payment] inpatient = ["drg", ...]``).
    zh, en : labels of reports and figures.
    services : the services (:data:`~simulator.constants.SERVICE_NAMES`) it may pay.
    booking : how the kernels book a case it pays (``simulator.kernels.layout.BOOK_*``).
    valuation : how its cells are valued after the year (module docstring).
    formula : what the fund pays, in one line (docs and report).
    params : the model of its ``[payment.<code>]`` table, if it has one.
    params_required : whether every scenario must give that table (else only one that uses it).
    check : cross-table rules of its parameters: ``check(params, key_prefix) -> [Problem]``.
    value : ``after_year`` only: ``value(flows, cells, params) -> float64[world, tier, service,
        scheme]``, the fund's payment (yuan) of the cells where ``cells[tier, service]`` is True.
    tiers : the tiers it may pay (all by default).
    """

    code: str
    zh: str
    en: str
    services: tuple[str, ...]
    booking: int
    valuation: Valuation
    formula: str
    params: type | None = None
    params_required: bool = False
    check: Callable[[Any, str], list] | None = None
    value: Callable[[np.ndarray, np.ndarray, Any], np.ndarray] | None = None
    tiers: tuple[int, ...] = tuple(range(N_TIERS))

    @property
    def accumulates(self) -> tuple[str, ...]:
        """The flows quantities the kernels add to for this method's cases."""
        return ACCUMULATES[self.booking]

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


BUILTIN: tuple[Method, ...] = (
    Method("ffs", "按项目", "Fee for service", tuple(SERVICE_NAMES), BOOK_FUND_SHARE, "direct",
           "fund share of the itemised bill under the benefit rules"),
    Method("drg", "DRG", "DRG", ("inpatient", "long_stay"), BOOK_POINTS, "points",
           "100 × weight × tier coefficient points × point value − patient OOP; outliers by "
           "high_outlier_pay / low_outlier_pay (docs/payments.md)", params=DrgParams, params_required=True,
           check=outlier_problems),
    Method("dip", "DIP按病种分值", "DIP (disease-based scores)", ("inpatient", "long_stay"), BOOK_POINTS,
           "points", "group score × tier coefficient × point value − patient OOP; outliers by adjusted "
           "scores, 特例单议 by quota (docs/payments.md)", params=DipParams, check=outlier_problems),
    Method("per_diem", "按床日", "Per diem", ("inpatient", "long_stay"), BOOK_PER_DIEM, "direct",
           "days × rate (taper_factor × rate after taper_after days) − patient OOP, at least 0",
           params=PerDiemParams, params_required=True),
    Method("capitation", "按人头", "Capitation", ("chronic",), BOOK_CAPITATION, "direct",
           "yuan per signed chronic patient-year, split over the tiers that manage the patient",
           params=CapitationParams, params_required=True),
)


class Registry:
    """The methods a scenario may use, in their fixed order (the order of reports and waterfall)."""

    def __init__(self, methods: tuple[Method, ...]) -> None:
        self._methods = list(methods)

    @property
    def methods(self) -> tuple[Method, ...]:
        return tuple(self._methods)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(m.code for m in self._methods)

    def get(self, code: str) -> Method:
        for method in self._methods:
            if method.code == code:
                return method
        raise KeyError(code)

    def allowed(self, service: str) -> tuple[str, ...]:
        """Codes of the methods that may pay ``service``."""
        return tuple(m.code for m in self._methods if service in m.services)

    def of_valuation(self, valuation: Valuation) -> tuple[Method, ...]:
        return tuple(m for m in self._methods if m.valuation == valuation)

    @contextmanager
    def registered(self, method: Method) -> Iterator[Method]:
        """Add ``method`` for the duration of a ``with`` block (the scenario schema follows)."""
        if method.code in self.codes:
            raise ValueError(f"payment method '{method.code}' is registered already")
        self._methods.append(method)
        _refresh_schema()
        try:
            yield method
        finally:
            self._methods.remove(method)
            _refresh_schema()


def _refresh_schema() -> None:
    from simulator.scenario.schema import refresh_payment_table

    refresh_payment_table()


#: the registry every scenario, kernel table, report and settlement reads
REGISTRY = Registry(BUILTIN)


def method_cells(payment: Any) -> dict[str, np.ndarray]:
    """Per method code used by a scenario's ``[payment]`` table: bool[tier, service] of its cells."""
    cells: dict[str, np.ndarray] = {}
    for s, service in enumerate(SERVICE_NAMES):
        for t, code in enumerate(getattr(payment, service)):
            cells.setdefault(code, np.zeros((N_TIERS, len(SERVICE_NAMES)), dtype=bool))[t, s] = True
    return cells


def booking_table(payment: Any) -> np.ndarray:
    """The kernels' int64[2 × services, tier] method table of a scenario's ``[payment]``: rows
    [service, tier] hold the booking rule, rows [N_SERVICES + service, tier] the index of the
    points method in :func:`points_methods` (−1 where none books it)."""
    points = [m.code for m in points_methods()]
    booking = [[REGISTRY.get(code).booking for code in getattr(payment, service)] for service in SERVICE_NAMES]
    which = [[points.index(code) if code in points else -1 for code in getattr(payment, service)]
             for service in SERVICE_NAMES]
    return np.asarray(booking + which, dtype=np.int64)


def points_methods() -> tuple[Method, ...]:
    """The points methods, in registry order: method m's columns in the kernels' tables."""
    from simulator.kernels.layout import MAX_POINTS_METHODS

    methods = REGISTRY.of_valuation("points")
    if len(methods) > MAX_POINTS_METHODS:
        raise ValueError(f"at most {MAX_POINTS_METHODS} points methods (kernels.layout), got {len(methods)}")
    return methods


def method_params(payment: Any, code: str) -> Any:
    """A method's ``[payment.<code>]`` table, or its defaults when the scenario leaves it out."""
    value = getattr(payment, code, None)
    method = REGISTRY.get(code)
    return value if value is not None or method.params is None else method.params()


def payment_notices(payment: Any) -> list[str]:
    """Things a valid ``[payment]`` table sets that have no effect (printed by validate and run)."""
    out = []
    for method in points_methods():
        params = getattr(payment, method.code, None)
        if params is not None and params.pool_basis != "history" and params.pool_growth != 0.0:
            out.append(f"notice: payment.{method.code}.pool_growth = {params.pool_growth:g} applies only to "
                       f"pool_basis = \"history\"; with pool_basis = \"{params.pool_basis}\" the pool follows "
                       "the budget, so it is ignored")
    return out
