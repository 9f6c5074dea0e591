"""Probabilistic sensitivity analysis: the distributions of sample blocks and their draws.

A ``kind = "sample"`` block of a sweep file draws ``n`` parameter sets with a seeded Latin
hypercube or scrambled Sobol design (``scipy.stats.qmc``), mapped through each distribution's
inverse CDF. Distributions: ``uniform{low, high}``, ``normal{mean, sd}``, ``lognormal{mean, sd}``
(mean and sd of the natural log), ``beta{a, b, low = 0, high = 1}``, ``triangular{low, mode, high}``.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping

DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {  # required, optional
    "uniform": (("low", "high"), ()),
    "normal": (("mean", "sd"), ()),
    "lognormal": (("mean", "sd"), ()),
    "beta": (("a", "b"), ("low", "high")),
    "triangular": (("low", "mode", "high"), ()),
}


def check_sample(block: Any, at: str, add: Callable[..., None]) -> None:
    """Report (via ``add(path, message, hint)``) what is wrong with a sample block's design
    and distributions: Sobol size, parameters each distribution needs or does not take, ranges."""
    if block.method == "sobol" and block.n & (block.n - 1):
        add(f"{at}.n", f"a Sobol design needs n a power of 2, got {block.n}",
            f"use {1 << (block.n - 1).bit_length()} or {1 << (block.n.bit_length() - 1)}, or method = \"lhs\"")
    for j, p in enumerate(block.params):
        where = f"{at}.params[{j}]"
        required, optional = DISTRIBUTIONS[p.distribution]
        given = {k for k in ("low", "high", "mean", "sd", "a", "b", "mode") if getattr(p, k) is not None}
        for k in required:
            if k not in given:
                add(f"{where}.{k}", f"required by the {p.distribution} distribution",
                    f"{p.distribution} takes {', '.join(required + optional)}")
        for k in sorted(given - set(required) - set(optional)):
            add(f"{where}.{k}", f"not a parameter of the {p.distribution} distribution",
                f"{p.distribution} takes {', '.join(required + optional)}")
        v = {k: getattr(p, k) for k in given}
        if not all(math.isfinite(x) for x in v.values()):
            add(where, "distribution parameters must be finite numbers")
            continue
        if p.distribution in ("normal", "lognormal") and v.get("sd", 1.0) <= 0:
            add(f"{where}.sd", f"must be > 0, got {v['sd']}")
        if p.distribution == "beta":
            for k in ("a", "b"):
                if v.get(k, 1.0) <= 0:
                    add(f"{where}.{k}", f"must be > 0, got {v[k]}")
        lo, hi = v.get("low", 0.0 if p.distribution == "beta" else None), v.get("high", 1.0 if p.distribution == "beta" else None)
        if p.distribution in ("uniform", "beta", "triangular") and lo is not None and hi is not None and lo >= hi:
            add(f"{where}.high", f"must be above low ({lo}), got {hi}")
        if p.distribution == "triangular" and {"low", "mode", "high"} <= given and not lo <= v["mode"] <= hi:
            add(f"{where}.mode", f"must lie in [low, high] = [{lo}, {hi}], got {v['mode']}")


def draw_sample(block: Any, seed: int, index: int, dump: Mapping[str, Any]) -> list[tuple]:
    """The ``n`` parameter sets of a sample block: a seeded LHS or scrambled Sobol design mapped
    through each distribution's inverse CDF (``ppf``)."""
    import inspect

    from simulator.scenario.load import get_path

    import numpy as np
    from scipy import stats
    from scipy.stats import qmc

    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED, index]))
    engine = qmc.LatinHypercube if block.method == "lhs" else qmc.Sobol
    kw = {"rng": rng} if "rng" in inspect.signature(engine.__init__).parameters else {"seed": rng}
    design = engine(d=len(block.params), **kw)
    u = design.random_base2(int(math.log2(block.n))) if block.method == "sobol" else design.random(block.n)
    columns = []
    for j, p in enumerate(block.params):
        if p.distribution == "uniform":
            dist = stats.uniform(loc=p.low, scale=p.high - p.low)
        elif p.distribution == "normal":
            dist = stats.norm(loc=p.mean, scale=p.sd)
        elif p.distribution == "lognormal":
            dist = stats.lognorm(s=p.sd, scale=math.exp(p.mean))
        elif p.distribution == "beta":
            lo = 0.0 if p.low is None else p.low
            hi = 1.0 if p.high is None else p.high
            dist = stats.beta(p.a, p.b, loc=lo, scale=hi - lo)
        else:
            dist = stats.triang(c=(p.mode - p.low) / (p.high - p.low), loc=p.low, scale=p.high - p.low)
        values = dist.ppf(u[:, j])
        base = get_path(dump, p.key)
        if isinstance(base, int) and not isinstance(base, bool):
            columns.append([int(round(float(x))) for x in values])
        else:
            columns.append([float(x) for x in values])
    return [tuple((p.key, col[i]) for p, col in zip(block.params, columns)) for i in range(block.n)]
