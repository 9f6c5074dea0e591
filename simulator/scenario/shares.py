"""Shares that must sum to 1, written rounded: renormalised with a warning when close enough.

Analysts copy shares from yearbooks with three or four decimals (``age_shares`` ending in 0.0701,
a case mix given to 0.001), so a vector may sum to 1.0007 rather than 1. Such a vector is a
rounding, not a mistake: when its sum lies within :data:`ROUNDING_TOLERANCE` of 1 (and further
than :data:`EXACT_TOLERANCE`), each share is divided by the sum and a :class:`SharesRenormalised`
warning names the key and the sum. Further from 1 the vector is an error, as before, and a sum
within :data:`EXACT_TOLERANCE` is left exactly as written (so scenarios that sum to 1 run
bit-identically).

The renormalised values are what the scenario holds, so ``scenario.resolved.toml`` reruns to the
same results without a warning. Case-mix share columns follow the same rule
(:mod:`simulator.casemix`).
"""

from __future__ import annotations

import math
import warnings
from typing import Any, Callable, Sequence

#: distance of a sum from 1 taken as exact (float rounding of shares written to 1)
EXACT_TOLERANCE = 1e-6
#: largest distance of a sum from 1 that is renormalised (with a warning) rather than refused
ROUNDING_TOLERANCE = 1e-3

#: scenario keys holding shares that must sum to 1: lists of shares, or tables of shares (by
#: scheme); every ``*_shares`` field of the scenario schema is one (tests/unit/test_share_renormalise.py)
SHARE_KEYS = ("population.age_shares", "population.scheme_shares")

#: the hint of a "must sum to 1" error, saying what is tolerated
HINT = (f"shares within {ROUNDING_TOLERANCE:g} of 1 are renormalised with a warning; "
        "further away they are an error")


class SharesRenormalised(UserWarning):
    """Shares that must sum to 1 summed to within 1e-3 of 1 and were divided by their sum."""


def rounded_sum(values: Sequence[Any]) -> float | None:
    """The sum of ``values`` when they are finite numbers in [0, 1] whose sum is a rounding of 1
    (``EXACT_TOLERANCE < |sum − 1| <= ROUNDING_TOLERANCE``); None otherwise (nothing to do, or
    an error that validation reports)."""
    if not values or not all(_is_share(v) for v in values):
        return None
    total = math.fsum(float(v) for v in values)
    return total if EXACT_TOLERANCE < abs(total - 1.0) <= ROUNDING_TOLERANCE else None


def renormalise(values: Sequence[Any], key: str, *, where: str | None = None,
                stacklevel: int = 2) -> list[float] | None:
    """``values`` divided by their sum with a :class:`SharesRenormalised` warning naming ``key``
    (and ``where``: the file), when :func:`rounded_sum` says they are a rounding; else None."""
    total = rounded_sum(values)
    if total is None:
        return None
    warnings.warn(message(key, total, where), SharesRenormalised, stacklevel=stacklevel + 1)
    return [float(v) / total for v in values]


def message(key: str, total: float, where: str | None = None) -> str:
    """``"population.age_shares sum to 1.0007; renormalised (each share divided by the sum)"``."""
    prefix = f"{where}: " if where else ""
    return f"{prefix}{key} sum to {total:.9g}; renormalised (each share divided by the sum)"


def renormalise_scenario_shares(data: dict[str, Any],
                                where: Callable[[str], str | None] | str | None = None) -> None:
    """Renormalise the rounded share vectors of raw scenario ``data`` (TOML-shaped) in place.

    ``where``: the file the shares came from (for the warning), or a function of the key giving
    it (``--set`` for an overridden key). Only values of the right shape are touched (a list of
    numbers, or a table of numbers); any other value is left for validation to report.
    """
    for key in SHARE_KEYS:
        origin = where(key) if callable(where) else where
        table_name, _, name = key.rpartition(".")
        table = data.get(table_name)
        if not isinstance(table, dict) or name not in table:
            continue
        value = table[name]
        if isinstance(value, list):
            fixed = renormalise(value, key, where=origin, stacklevel=3)
            if fixed is not None:
                table[name] = fixed
        elif isinstance(value, dict):
            fixed = renormalise(list(value.values()), key, where=origin, stacklevel=3)
            if fixed is not None:
                table[name] = dict(zip(value, fixed))


def _is_share(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and 0.0 <= value <= 1.0)
