"""One parameter draw per world, from keyed streams (common random numbers across designs).

The uniform of factor f (a param's key, or its group's name) in world w comes from the keyed
stream (run seed, w, :data:`PARAM_STREAM`, crc32(f)) of :mod:`simulator.kernels.rng`: it depends
on neither the thread count, the split of worlds into chunks, the executor, a resume, nor the
other params a scenario declares, so two designs that declare the same param see the same draw
in the same world. A Gaussian copula (``[uncertainty.correlation]``) maps the uniforms of its
params to normals, multiplies them by a square root of the matrix and maps them back; each
param's value is then its (truncated) inverse CDF at its factor's uniform, so params of one
group are comonotone.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from simulator.distributions import quantiles
from simulator.uncertainty.table import UncertaintyTable

#: the "year" part of the parameter streams' key: never a simulated year (at most 100)
PARAM_STREAM = 0x7FFF0001


@dataclass(frozen=True)
class ParameterDraws:
    """The draws of a block of worlds.

    Attributes
    ----------
    worlds : int64[world] global world indices.
    uniforms : factor name -> float64[world] its uniform (after the copula).
    values : param key -> float64[world] the drawn value (for ``scale = true``: the multiplier).
    """

    worlds: np.ndarray
    uniforms: dict[str, np.ndarray]
    values: dict[str, np.ndarray]

    def world(self, i: int) -> dict[str, float]:
        """Drawn value of every param in the block's ``i``-th world."""
        return {key: float(v[i]) for key, v in self.values.items()}


def factor_tag(name: str) -> int:
    """Stream block of a factor: a stable 32-bit hash of its name."""
    return zlib.crc32(name.encode("utf-8"))


def draw_parameters(table: UncertaintyTable, seed: int, worlds: range) -> ParameterDraws:
    """Per-world draws of every param of ``table`` for the global world indices ``worlds``."""
    from simulator.kernels.rng import keyed_uniforms

    n = len(worlds)
    names = table.factors()
    uniforms = {}
    for name in names:
        out = np.empty(n)
        keyed_uniforms(seed, worlds.start, PARAM_STREAM, factor_tag(name), out)
        uniforms[name] = out
    if table.correlation is not None and n:
        _couple(uniforms, table.correlation.params, np.asarray(table.correlation.matrix, dtype=float))
    values = {p.key: np.asarray(quantiles(p, uniforms[p.factor], p.interval), dtype=float) for p in table.param}
    return ParameterDraws(worlds=np.arange(worlds.start, worlds.stop, dtype=np.int64), uniforms=uniforms,
                          values=values)


def copula_root(matrix: np.ndarray) -> np.ndarray:
    """A square root L (L Lᵀ = matrix) of a correlation matrix: Cholesky when positive definite,
    else from the eigen-decomposition (positive semi-definite matrices are allowed)."""
    try:
        return np.linalg.cholesky(matrix)
    except np.linalg.LinAlgError:
        values, vectors = np.linalg.eigh(matrix)
        return vectors * np.sqrt(np.clip(values, 0.0, None))


def _couple(uniforms: dict[str, np.ndarray], params: list[str], matrix: np.ndarray) -> None:
    """Replace the uniforms of ``params`` by their Gaussian-copula images (in place)."""
    from scipy.special import ndtr, ndtri

    z = ndtri(np.stack([uniforms[name] for name in params]))
    coupled = ndtr(copula_root(matrix) @ z)
    eps = np.finfo(float).eps
    for name, row in zip(params, coupled):
        uniforms[name] = np.clip(row, eps, 1.0 - eps)
