"""Shapley decomposition of a change of a function of K players, exact by construction.

For f(x_1, ..., x_K) going from the values ``a`` to the values ``b``, player i's part is the
average, over the K! orders in which the players switch from a to b, of the change of f when
i switches (Shapley 1953; in index decomposition analysis the "Shapley/Sun" method, Ang, Liu &
Chung 2003, Energy Economics 25: 615-635):

    φ_i = Σ_{T ⊆ K∖{i}} |T|! (K − |T| − 1)! / K! · [f(b_{T∪{i}}, a_rest) − f(b_T, a_rest)]

so that Σ_i φ_i = f(b) − f(a) exactly, every interaction is split equally between the players
that take part in it, and a player whose value does not change gets exactly 0. The players'
order does not matter. Unlike LMDI it needs no logarithm: zero and negative values are fine.
"""

from __future__ import annotations

from math import factorial
from typing import Callable, Sequence

import numpy as np


def _weights(k: int) -> list[float]:
    """Shapley weight of a coalition of size s (s = 0..k−1) among k players."""
    return [factorial(s) * factorial(k - s - 1) / factorial(k) for s in range(k)]


def shapley(f: Callable[[int], np.ndarray], k: int) -> list[np.ndarray]:
    """Parts of ``f(b) − f(a)`` for k players; ``f(mask)`` evaluates f with the players whose
    bit is set in ``mask`` at their ``b`` values and the others at ``a`` (mask 0: all ``a``).

    Returns one array per player (the shape of f's values).
    """
    values = [np.asarray(f(mask), dtype=float) for mask in range(1 << k)]
    weights = _weights(k)
    parts = [np.zeros_like(values[0]) for _ in range(k)]
    for mask in range(1 << k):
        size = bin(mask).count("1")
        for i in range(k):
            if not mask >> i & 1:
                parts[i] += weights[size] * (values[mask | 1 << i] - values[mask])
    return parts


def shapley_product(a: Sequence[np.ndarray], b: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Shapley parts of the change of the product Π_i x_i from Π a_i to Π b_i.

    ``a`` and ``b``: one array per factor (broadcasting together), finite. Returns one array per
    factor, of the broadcast shape; their sum is Π b_i − Π a_i up to rounding.
    """
    a = [np.asarray(x, dtype=float) for x in a]
    b = [np.asarray(x, dtype=float) for x in b]
    shape = np.broadcast_shapes(*(x.shape for x in (*a, *b)))

    def product(mask: int) -> np.ndarray:
        out = np.ones(shape)
        for i, (xa, xb) in enumerate(zip(a, b)):
            out = out * (xb if mask >> i & 1 else xa)
        return out

    return shapley(product, len(a))
