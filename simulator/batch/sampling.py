"""Probabilistic sensitivity analysis: the distributions of sample blocks and their draws.

A ``kind = "sample"`` block of a sweep file draws ``n`` parameter sets with a seeded Latin
hypercube or scrambled Sobol design (``scipy.stats.qmc``), mapped through each distribution's
inverse CDF. Distributions: those of :mod:`simulator.distributions` (the same spellings as a
scenario's ``[[uncertainty.param]]`` blocks).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

from simulator.distributions import check_distribution, quantiles


def check_sample(block: Any, at: str, add: Callable[..., None]) -> None:
    """Report (via ``add(path, message, hint)``) what is wrong with a sample block's design
    and distributions (:func:`simulator.distributions.check_distribution`)."""
    if block.method == "sobol" and block.n & (block.n - 1):
        add(f"{at}.n", f"a Sobol design needs n a power of 2, got {block.n}",
            f"use {1 << (block.n - 1).bit_length()} or {1 << (block.n.bit_length() - 1)}, or method = \"lhs\"")
    for j, p in enumerate(block.params):
        check_distribution(p, f"{at}.params[{j}]", add)


def draw_sample(block: Any, seed: int, index: int, dump: Mapping[str, Any]) -> list[tuple]:
    """The ``n`` parameter sets of a sample block: a seeded LHS or scrambled Sobol design mapped
    through each distribution's inverse CDF (``ppf``)."""
    import inspect

    from simulator.scenario.load import get_path

    import numpy as np
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED, index]))
    engine = qmc.LatinHypercube if block.method == "lhs" else qmc.Sobol
    kw = {"rng": rng} if "rng" in inspect.signature(engine.__init__).parameters else {"seed": rng}
    design = engine(d=len(block.params), **kw)
    u = design.random_base2(int(math.log2(block.n))) if block.method == "sobol" else design.random(block.n)
    columns = []
    for j, p in enumerate(block.params):
        values = quantiles(p, u[:, j])
        base = get_path(dump, p.key)
        if isinstance(base, int) and not isinstance(base, bool):
            columns.append([int(round(float(x))) for x in values])
        else:
            columns.append([float(x) for x in values])
    return [tuple((p.key, col[i]) for p, col in zip(block.params, columns)) for i in range(block.n)]
