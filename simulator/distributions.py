"""The distributions a sweep's sample block and a scenario's ``[uncertainty]`` may draw from.

One table of names and parameters, one check of a distribution's parameters and one frozen
``scipy.stats`` distribution per spelling, so that a sweep's ``[[vary.params]]`` and an
``[[uncertainty.param]]`` block read the same way:

* ``uniform{low, high}``; ``normal{mean, sd}``; ``lognormal{mean, sd}`` (mean and sd of the
  natural log); ``beta{a, b, low = 0, high = 1}``; ``triangular{low, mode, high}``;
* ``gamma{shape, scale}`` or ``gamma{shape, mean}`` (mean = shape × scale: the spelling for a
  multiplier of mean 1, and the one a vector key takes, whose ``scale = true`` is the flag that
  multiplies every element).

Optional ``truncate = [low, high]`` (uncertainty blocks) restricts any of them to an interval:
draws map the uniform u to F⁻¹(F(low) + u (F(high) − F(low))).
"""

from __future__ import annotations

import math
from typing import Any, Callable, Literal

from simulator.scenario.fields import StrictTable

#: distribution -> (required parameters, optional parameters); gamma takes one of scale / mean
DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (("low", "high"), ()),
    "normal": (("mean", "sd"), ()),
    "lognormal": (("mean", "sd"), ()),
    "beta": (("a", "b"), ("low", "high")),
    "triangular": (("low", "mode", "high"), ()),
    "gamma": (("shape",), ("scale", "mean")),
}
#: the uniforms a draw may use: a keyed stream's smallest, and the largest double below 1 (the
#: stream's largest, 1 − 2⁻⁵⁴, rounds to 1.0, where a normal's quantile is infinite)
U_MIN, U_MAX = 2.0 ** -54, 1.0 - 2.0 ** -53
#: largest magnitude of a distribution parameter (no scenario key is bounded beyond 1e12)
MAX_PARAMETER = 1e12
#: every parameter name any distribution takes
PARAMETERS: tuple[str, ...] = ("low", "high", "mean", "sd", "a", "b", "mode", "shape", "scale")


DistributionName = Literal[tuple(DISTRIBUTIONS)]  # type: ignore[valid-type]


class DistributionBlock(StrictTable):
    """The keys every distribution block shares: the scenario key it draws, the distribution
    and its parameters (a sweep's ``[[vary.params]]``, a scenario's ``[[uncertainty.param]]``)."""

    key: str
    distribution: DistributionName
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    a: float | None = None
    b: float | None = None
    mode: float | None = None
    shape: float | None = None
    scale: float | None = None


def given_parameters(block: Any) -> dict[str, float]:
    """The distribution parameters a block sets (a boolean ``scale`` is a flag, not a parameter)."""
    out = {}
    for name in PARAMETERS:
        value = getattr(block, name, None)
        if value is not None and not isinstance(value, bool):
            out[name] = float(value)
    return out


def check_distribution(block: Any, where: str, add: Callable[..., None]) -> bool:
    """Report (``add(path, message, hint)``) what is wrong with one block's distribution: missing
    or foreign parameters, non-finite values, empty ranges. Returns whether it is usable."""
    name = block.distribution
    required, optional = DISTRIBUTIONS[name]
    takes = ", ".join(required + optional) if name != "gamma" else "shape and one of scale, mean"
    v = given_parameters(block)
    ok = True
    for k in required:
        if k not in v:
            add(f"{where}.{k}", f"required by the {name} distribution", f"{name} takes {takes}")
            ok = False
    for k in sorted(set(v) - set(required) - set(optional)):
        add(f"{where}.{k}", f"not a parameter of the {name} distribution", f"{name} takes {takes}")
        ok = False
    if name == "gamma" and ("scale" in v) == ("mean" in v):
        add(where, "gamma needs exactly one of scale and mean", "e.g. shape = 50, mean = 1.0")
        ok = False
    if not all(math.isfinite(x) for x in v.values()):
        add(where, "distribution parameters must be finite numbers")
        return False
    big = [k for k, x in v.items() if abs(x) > MAX_PARAMETER]
    for k in big:
        add(f"{where}.{k}", f"must be within ±{MAX_PARAMETER:g}, got {v[k]:g}", "no scenario key takes such values")
    if name == "lognormal" and ("mean" in v and abs(v["mean"]) > 700 or "sd" in v and v["sd"] > 50):
        add(where, "lognormal mean (of the log) must be within ±700 and sd at most 50: exp() of more "
            "overflows", "mean and sd are of the natural log: mean = log(the median)")
        return False
    if big:
        return False
    for k in ("sd", "a", "b", "shape", "scale", "mean"):
        positive = k in ("sd", "a", "b", "shape", "scale") or (name == "gamma" and k == "mean")
        if positive and k in v and v[k] <= 0:
            add(f"{where}.{k}", f"must be > 0, got {v[k]:g}")
            ok = False
    lo = v.get("low", 0.0 if name == "beta" else None)
    hi = v.get("high", 1.0 if name == "beta" else None)
    if name in ("uniform", "beta", "triangular") and lo is not None and hi is not None and lo >= hi:
        add(f"{where}.high", f"must be above low ({lo:g}), got {hi:g}")
        ok = False
    elif name == "triangular" and "mode" in v and lo is not None and hi is not None and not lo <= v["mode"] <= hi:
        add(f"{where}.mode", f"must lie in [low, high] = [{lo:g}, {hi:g}], got {v['mode']:g}")
        ok = False
    return ok


def frozen(block: Any):
    """The block's distribution as a frozen ``scipy.stats`` distribution (parameters checked)."""
    from scipy import stats

    v = given_parameters(block)
    name = block.distribution
    if name == "uniform":
        return stats.uniform(loc=v["low"], scale=v["high"] - v["low"])
    if name == "normal":
        return stats.norm(loc=v["mean"], scale=v["sd"])
    if name == "lognormal":
        return stats.lognorm(s=v["sd"], scale=math.exp(v["mean"]))
    if name == "beta":
        lo, hi = v.get("low", 0.0), v.get("high", 1.0)
        return stats.beta(v["a"], v["b"], loc=lo, scale=hi - lo)
    if name == "triangular":
        return stats.triang(c=(v["mode"] - v["low"]) / (v["high"] - v["low"]), loc=v["low"],
                            scale=v["high"] - v["low"])
    scale = v["scale"] if "scale" in v else v["mean"] / v["shape"]
    return stats.gamma(v["shape"], scale=scale)


def quantiles(block: Any, u, truncate: tuple[float, float] | None = None):
    """Values at uniforms ``u`` (array in (0, 1)): the inverse CDF, within ``truncate`` if given."""
    import numpy as np

    dist = frozen(block)
    u = np.clip(np.asarray(u, dtype=float), U_MIN, U_MAX)
    if truncate is not None:
        lo, hi = dist.cdf(truncate[0]), dist.cdf(truncate[1])
        u = lo + u * (hi - lo)
    return dist.ppf(u)


def support(block: Any, truncate: tuple[float, float] | None = None) -> tuple[float, float]:
    """The interval the draws lie in (infinite ends for normal, lognormal and gamma tails)."""
    lo, hi = (float(x) for x in frozen(block).support())
    if truncate is not None:
        lo, hi = max(lo, truncate[0]), min(hi, truncate[1])
    return lo, hi
