"""Risk statistics of a run's worlds, each with its Monte Carlo standard error (pure, no I/O).

Definitions (the same as :meth:`simulator.results.Results.risk`), for n worlds' losses x, yuan:

* VaR_level = ``np.quantile(x, level)`` (numpy's linear interpolation, virtual index h = (n−1)·level);
* CVaR_level = mean of the worst k = max(1, ⌈(1−level)·n⌉) worlds, the ceiling taken on the exact
  product (Results.risk's ⌈0.05·n⌉): a literal float ⌈(1 − 0.95)·n⌉ is one more at every n = 20j.

Standard errors, and why these estimators:

* VaR: Maritz–Jarrett (1978), distribution-free: Var(X_(m)) = Σ W_i (x_(i) − Σ W_j x_(j))² with
  W_i = P((i−1)/n < U ≤ i/n), U ~ Beta(m, n−m+1) the exact law of the m-th uniform order
  statistic, m = round(h) + 1 the order statistic nearest numpy's point. No density estimate is
  needed, unlike the asymptotic √(level(1−level)/n)/f(VaR). ``scipy.stats.mstats.mjci`` (after
  Wilcox) is not used: its Beta(m−1, n−m) is undefined when m = 1 or m = n (level 0.95 with
  n ≤ 10), and its C2 − C1² cancels for yuan-sized losses and goes negative (NaN) under ties.
  At n = 400 its mean is ≈ 4% above the estimator's true sd (lognormal; tests/unit/test_risk.py).
* CVaR: influence function of the tail mean (Manistre & Hancock 2005, N. Am. Actuar. J. 9(2);
  Brazauskas et al. 2008, J. Stat. Plan. Inference 138): with tail fraction p = k/n,
  SE² = [Var(X | tail) + (1−p)(CVaR − VaR)²] / (n p), i.e. the textbook formula with 1−level
  replaced by the fraction actually averaged (equal when (1−level)·n is an integer); Var(X | tail)
  is the sample variance (ddof=1) of the k worst, 0 when k = 1.
* Proportions: binomial √(p(1−p)/n); Agresti–Coull √(p̃(1−p̃)/(n+z²)), p̃ = (k+z²/2)/(n+z²),
  positive at k = 0, hence the one to test a stopping rule against.
* Variance shares: nonparametric bootstrap over worlds (:func:`variance_shares`).

n = 1 gives NaN standard errors; n ≥ 2 equal losses (e.g. all zero) give 0.0.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from simulator.outputs import RISK_FIGURES  # each also has a ``<name>_se`` column

REMAINDER = "interactions and process noise"


def _ceil(x: float) -> int:
    """⌈x⌉ forgiving 1e-9 relative float excess: (1 − 0.95)·20 = 1.0000000000000009 gives 1."""
    return math.ceil(x * (1.0 - 1e-9))


def _quantile_se(ordered: np.ndarray, level: float) -> float:
    """Maritz–Jarrett SE of ``np.quantile(ordered, level)``; ``ordered`` sorted ascending, n ≥ 2."""
    n = ordered.size
    m = int(round((n - 1) * level)) + 1
    cdf = stats.beta.cdf(np.arange(n + 1) / n, m, n - m + 1)
    weights = np.diff(cdf)
    weights /= weights.sum()
    shifted = ordered - ordered[m - 1]  # yuan-sized losses: keep the weighted sums small
    centre = float(weights @ shifted)
    return math.sqrt(float(weights @ (shifted - centre) ** 2))


def tail_risk(loss: np.ndarray, level: float = 0.95) -> dict[str, float]:
    """VaR and CVaR of ``loss`` ((n,) float, one value per world, yuan) at ``level`` in (0, 1).

    Returns ``var``, ``var_se``, ``cvar``, ``cvar_se`` in the unit of ``loss`` (module docstring).
    """
    x = np.asarray(loss, dtype=float).ravel()
    if x.size == 0 or not np.all(np.isfinite(x)) or not 0.0 < level < 1.0:
        raise ValueError(f"need a non-empty finite loss and level in (0, 1); got n={x.size}, {level=}")
    n = x.size
    k = max(1, _ceil((1.0 - level) * n))
    ordered = np.sort(x)
    var = float(np.quantile(x, level))
    tail = ordered[::-1][:k]
    cvar = float(tail.mean())
    if n == 1 or ordered[0] == ordered[-1]:
        se = math.nan if n == 1 else 0.0
        return {"var": var, "var_se": se, "cvar": cvar, "cvar_se": se}
    tail_var = float(np.var(tail, ddof=1)) if k > 1 else 0.0
    cvar_se = math.sqrt((tail_var + (1.0 - k / n) * (cvar - var) ** 2) / k)
    return {"var": var, "var_se": _quantile_se(ordered, level), "cvar": cvar, "cvar_se": cvar_se}


def proportion_se(k: int, n: int) -> float:
    """Binomial SE √(p(1−p)/n) of the share p = k/n; NaN for n = 0 (0 at k = 0 or k = n)."""
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    return math.nan if n == 0 else math.sqrt(k / n * (1.0 - k / n) / n)


def agresti_coull_se(k: int, n: int, z: float = 1.96) -> float:
    """Agresti–Coull SE √(p̃(1−p̃)/(n+z²)), p̃ = (k+z²/2)/(n+z²): > 0 even at k = 0 or k = n."""
    if not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    n_tilde = n + z * z
    p = (k + z * z / 2.0) / n_tilde
    return math.sqrt(p * (1.0 - p) / n_tilde)


def worlds_for_se(se: float, n: int, target: float) -> int:
    """Total worlds for an SE of ``se`` at ``n`` worlds to reach ``target``, with SE ∝ 1/√n.

    Returns ⌈n·(se/target)²⌉, but never fewer than ``n`` (worlds already run are kept): ``n``
    itself when ``se <= target``; 4n to halve the SE (exact multiples are not rounded up).
    """
    if n < 1 or not target > 0 or not (math.isfinite(se) and se >= 0):
        raise ValueError(f"need n >= 1, target > 0 and a finite se >= 0; got {se=}, {n=}, {target=}")
    return max(n, _ceil(n * (se / target) ** 2))


def _risk_row(frame: pd.DataFrame) -> dict[str, float]:
    """The RISK_FIGURES of one year's worlds, each followed by its SE."""
    n = len(frame)
    over = int((frame["fund_spending"] > frame["budget"]).sum())
    lossy = int((frame["community_net"] < 0).sum())
    budget = frame["budget"].to_numpy(float)
    extra = tail_risk(np.maximum(frame["fund_payout"].to_numpy(float) - budget, 0.0))
    short = tail_risk(np.maximum(-frame["community_net"].to_numpy(float), 0.0))
    row = {"prob_overspend": over / n, "prob_overspend_se": proportion_se(over, n),
           "prob_community_loss": lossy / n, "prob_community_loss_se": proportion_se(lossy, n)}
    for prefix, risk in (("overspend", extra), ("community_loss", short)):
        for stat in ("var", "cvar"):
            row[f"{prefix}_{stat}95"], row[f"{prefix}_{stat}95_se"] = risk[stat], risk[f"{stat}_se"]
    return row


def risk_by_year(worlds: pd.DataFrame) -> pd.DataFrame:
    """Per year (sorted) over worlds: columns ``year`` (int), then each figure and ``<figure>_se``.

    ``worlds`` has one row per world × year with ``year``, ``fund_spending``, ``budget``,
    ``fund_payout``, ``community_net`` (yuan). Probabilities (binomial SE): fund_spending > budget,
    community_net < 0. Losses, yuan, with VaR95/CVaR95 by :func:`tail_risk`:
    max(0, fund_payout − budget) and max(0, −community_net).
    """
    missing = [c for c in ("year", "fund_spending", "budget", "fund_payout", "community_net")
               if c not in worlds.columns]
    if missing:
        raise ValueError(f"worlds lacks column(s) {missing}")
    columns = ["year"] + [c for name in RISK_FIGURES for c in (name, f"{name}_se")]
    rows = [{"year": int(year), **_risk_row(frame)}
            for year, frame in worlds.groupby("year", sort=True)]
    return pd.DataFrame(rows, columns=columns).astype({"year": int})


def _bin_labels(x: np.ndarray, bins: int) -> np.ndarray:
    """Equal-count bin of each value, 0..bins−1; tied values share a bin (by their mean rank)."""
    rank = stats.rankdata(x, method="average") - 1.0
    return np.floor(rank * bins / x.size).astype(np.int64)


def _shares(labels: np.ndarray, y: np.ndarray, bins: int) -> np.ndarray:
    """Bias-corrected binned first-order shares, one per column of ``labels`` (n, p)."""
    n, p = labels.shape
    yc = y - y.mean()
    sst = float(yc @ yc)
    if n < 4 or not sst > 0:
        return np.full(p, np.nan)
    flat = (labels + bins * np.arange(p)).ravel(order="F")
    sums = np.bincount(flat, weights=np.tile(yc, p), minlength=bins * p).reshape(p, bins)
    counts = np.bincount(flat, minlength=bins * p).reshape(p, bins)
    used = counts > 0
    ssb = (np.where(used, sums ** 2, 0.0) / np.maximum(counts, 1)).sum(axis=1) - yc.sum() ** 2 / n
    b_used = used.sum(axis=1)
    msw = (sst - ssb) / (n - b_used)
    between = (ssb - (b_used - 1) * msw) / n
    return np.where(b_used > 1, between / (sst / (n - 1)), 0.0)


def _with_remainder(shares: np.ndarray) -> np.ndarray:
    """``shares`` followed by 1 − their sum (interactions and process noise)."""
    return np.append(shares, 1.0 - shares.sum())


def _bootstrap_se(labels: np.ndarray, y: np.ndarray, bins: int, reps: int, seed: int) -> np.ndarray:
    """SD (ddof=1) of shares and remainder over ``reps`` resamples of worlds; NaN if < 2 usable."""
    rng = np.random.default_rng(seed)
    draws = np.empty((reps, labels.shape[1] + 1))
    for r in range(reps):
        idx = rng.integers(0, y.size, size=y.size)
        draws[r] = _with_remainder(_shares(labels[idx], y[idx], bins))
    good = draws[np.all(np.isfinite(draws), axis=1)]
    return good.std(axis=0, ddof=1) if len(good) > 1 else np.full(draws.shape[1], np.nan)


def default_bins(n: int) -> int:
    """Bins for :func:`variance_shares`: round(√n), kept in [2, n // 2].

    √n bins of √n worlds: binning bias (∝ 1/B² for a smooth E[Y|X]) and the correction's leftover
    noise (sd ∝ √B/n) both fall faster than the sampling SE ∝ 1/√n.
    """
    return max(2, min(int(round(math.sqrt(n))), n // 2))


def variance_shares(factors: pd.DataFrame, outcome: np.ndarray, *, bins: int | None = None,
                    bootstrap: int = 200, seed: int = 0) -> pd.DataFrame:
    """First-order variance shares S_i = Var(E[Y|X_i]) / Var(Y) of ``outcome`` (n,) over worlds.

    ``factors`` has one row per world and one numeric column per uncertain factor's draw.
    E[Y|X_i] is Y's mean in B equal-count bins of X_i (``bins``, at most n // 2; default
    :func:`default_bins`); tied values share a bin, so a constant factor has share exactly 0.
    SSB/n overstates Var(E[Y|bin]) by (B−1)·σ²_within/n, hence S_i = [SSB − (B−1)·MSW]/n / s²_Y,
    MSW = SSW/(n−B), s²_Y the sample variance (ddof=1): unbiased for the binned target, and kept
    even when slightly negative (not clipped). Binning loses E[Y|X_i]'s variation within bins: a
    small downward bias that shrinks as B grows. SEs: sd over ``bootstrap`` resamples of worlds
    (``np.random.default_rng(seed)``; 0 or 1: NaN), bins held at the full-sample assignment; they
    err large, as a resample's bin means carry the sample's noise twice (about √3× near S = 0).

    Returns columns ``factor``, ``share``, ``se``: one row per factor, then ``REMAINDER``
    (1 − Σ S_i). n < 4 or a constant outcome: shares and SEs NaN.
    """
    y = np.asarray(outcome, dtype=float).ravel()
    x = factors.to_numpy(dtype=float)
    n, p = y.size, factors.shape[1]
    if len(factors) != n or not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError(f"factors ({len(factors)} rows) and outcome ({n}) must match and be finite")
    if bootstrap < 0 or (bins is not None and bins < 2):
        raise ValueError(f"need bootstrap >= 0 and bins >= 2, got {bootstrap=}, {bins=}")
    b = min(bins or default_bins(n), max(n // 2, 1))
    labels = np.empty((n, p), dtype=np.int64)
    for j in range(p):
        labels[:, j] = _bin_labels(x[:, j], b)
    point = _with_remainder(_shares(labels, y, b))
    se = np.full(p + 1, np.nan)
    if np.all(np.isfinite(point)):
        se = _bootstrap_se(labels, y, b, bootstrap, seed)
    return pd.DataFrame({"factor": [*map(str, factors.columns), REMAINDER], "share": point, "se": se})


def variance_table(worlds: pd.DataFrame, factors: dict[str, str], indicators: tuple[str, ...],
                   *, bootstrap: int = 200) -> pd.DataFrame:
    """:func:`variance_shares` of each indicator in each year: columns ``indicator``, ``year``,
    ``factor``, ``share``, ``se`` (the remainder row last in each block).

    ``factors`` maps each factor's name to the worlds column holding its draw (a group's first
    param: the shares depend on the draws' ranks only, which a group's params share). The
    bootstrap of year y is seeded with y, so the table is reproducible.
    """
    parts = []
    for year, frame in worlds.groupby("year", sort=True):
        draws = pd.DataFrame({name: frame[column].to_numpy(float) for name, column in factors.items()})
        for key in indicators:
            table = variance_shares(draws, frame[key].to_numpy(float), bootstrap=bootstrap, seed=int(year))
            parts.append(table.assign(indicator=key, year=int(year)))
    if not parts:
        return pd.DataFrame(columns=["indicator", "year", "factor", "share", "se"])
    return pd.concat(parts, ignore_index=True)[["indicator", "year", "factor", "share", "se"]]
