"""Runs side by side: indicator means and differences from the first run, with 90% intervals.

For each indicator, each run and two periods (the run's first and last year), the mean over
worlds; for every run after the first, the difference from the first run and a 90% interval of
that difference of means:

* **paired** — when the runs share the seed, the worlds and the years (common random numbers:
  world w of both runs drew the same random numbers), the difference is taken world by world,
  d_w = x_w − x0_w, and the interval is mean(d) ± z·sd(d)/√n. Differences between designs are
  then not blurred by the noise between worlds; the quantiles (5%, 95%) of d_w are also given;
* **unpaired** — otherwise, mean(x) − mean(x0) ± z·√(sd²/n + sd0²/n0) (normal approximation).

z = 1.645 (two-sided 90%).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

import numpy as np
import pandas as pd

from simulator.indicators import BY_KEY, INDICATORS
from simulator.report.labels import Labels

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulator.results import Results

Z90 = 1.6448536269514722
COLUMNS = ("indicator", "label_en", "label_zh", "unit", "period", "year", "run", "n", "mean", "sd",
           "diff", "diff_lo90", "diff_hi90", "diff_p05", "diff_p95", "paired")
#: indicators shown in the comparison figure
FIGURE_KEYS = ("balance_rate", "fund_spending", "fund_payout", "retained_surplus", "community_net",
               "assessment_score", "county_visit_share", "primary_visit_share",
               "effective_reimbursement_rate")


def can_pair(base: "Results", other: "Results") -> bool:
    """True when both runs have the same seed and the same (world, year) pairs."""
    if int(base.seed) != int(other.seed):
        return False
    keys = ["world", "year"]
    a = base.worlds[keys].sort_values(keys).to_numpy()
    b = other.worlds[keys].sort_values(keys).to_numpy()
    return a.shape == b.shape and bool(np.array_equal(a, b))


def _period_year(results: "Results", period: str) -> int:
    years = results.worlds["year"]
    return int(years.min() if period == "first" else years.max())


def compare_results(runs: Sequence["Results"], names: Sequence[str] | None = None, *,
                    paired: bool | None = None) -> pd.DataFrame:
    """The comparison table (long format, one row per indicator × period × run; :data:`COLUMNS`).

    Parameters
    ----------
    runs : two or more runs; the first is the reference for differences.
    names : a name per run (default ``run0``, ``run1``, ...).
    paired : None (default) pairs each run with the first when :func:`can_pair`; False forces the
        unpaired interval; True requires pairing (ValueError when the runs cannot be paired).
    """
    if len(runs) < 2:
        raise ValueError("compare needs at least two runs")
    names = list(names) if names is not None else [f"run{i}" for i in range(len(runs))]
    base = runs[0]
    pairing = [False] + [can_pair(base, r) if paired is not False else False for r in runs[1:]]
    if paired and not all(pairing[1:]):
        raise ValueError("runs cannot be paired: they differ in seed, worlds or years")
    rows = []
    for period in ("first", "last"):
        base_year = _period_year(base, period)
        base_frame = base.worlds[base.worlds["year"] == base_year].set_index("world")
        for i, (run, name) in enumerate(zip(runs, names)):
            year = _period_year(run, period)
            frame = run.worlds[run.worlds["year"] == year].set_index("world")
            for ind in INDICATORS:
                x = frame[ind.key].to_numpy(float)
                x = x[np.isfinite(x)]
                row = {"indicator": ind.key, "label_en": ind.en, "label_zh": ind.zh, "unit": ind.unit,
                       "period": period, "year": year, "run": name, "n": len(x),
                       "mean": x.mean() if x.size else np.nan, "sd": _sd(x), "paired": pairing[i]}
                if i > 0:
                    row.update(_difference(frame[ind.key], base_frame[ind.key], pairing[i]))
                rows.append(row)
    table = pd.DataFrame(rows)
    for column in COLUMNS:
        if column not in table:
            table[column] = np.nan
    return table[list(COLUMNS)]


def _sd(x: np.ndarray) -> float:
    return float(np.std(x, ddof=1)) if x.size > 1 else 0.0


def _difference(x: pd.Series, x0: pd.Series, paired: bool) -> dict[str, float]:
    """Difference of means of ``x`` and ``x0`` with its 90% interval (and world quantiles if paired)."""
    if paired:
        both = pd.concat([x.rename("x"), x0.rename("x0")], axis=1, join="inner").dropna()
        d = (both["x"] - both["x0"]).to_numpy(float)
        if not d.size:
            return {"diff": np.nan}
        diff, se = float(d.mean()), _sd(d) / np.sqrt(d.size)
        return {"diff": diff, "diff_lo90": diff - Z90 * se, "diff_hi90": diff + Z90 * se,
                "diff_p05": float(np.quantile(d, 0.05)), "diff_p95": float(np.quantile(d, 0.95))}
    a, b = x.to_numpy(float), x0.to_numpy(float)
    a, b = a[np.isfinite(a)], b[np.isfinite(b)]
    if not (a.size and b.size):
        return {"diff": np.nan}
    diff = float(a.mean() - b.mean())
    se = float(np.sqrt(_sd(a) ** 2 / a.size + _sd(b) ** 2 / b.size))
    return {"diff": diff, "diff_lo90": diff - Z90 * se, "diff_hi90": diff + Z90 * se}


def format_table(table: pd.DataFrame, lang: str = "en") -> str:
    """A readable text table: per period, one line per indicator, one column per run."""
    labels = Labels(lang)
    runs = list(dict.fromkeys(table["run"]))
    lines = []
    for period in ("first", "last"):
        part = table[table["period"] == period]
        per_run = part.drop_duplicates("run")
        years = ", ".join(f"{r.run}: {r.year}" for r in per_run.itertuples())
        mode = ", ".join(f"{r.run}: {labels.word('paired') if r.paired else labels.word('unpaired')}"
                         for r in per_run.itertuples() if r.run != runs[0])
        lines.append(f"== {labels.word('period_' + period)} ({years}); {mode}")
        head = [labels.word("indicator"), *runs]
        grid = [head]
        for key in dict.fromkeys(part["indicator"]):
            rows = part[part["indicator"] == key].set_index("run")
            cells = [f"{labels.indicator(key)} ({labels.unit(key)})"]
            for k, run in enumerate(runs):
                r = rows.loc[run]
                text = labels.value(key, r["mean"])
                if k > 0 and np.isfinite(r["diff"]):
                    text += (f"  Δ {labels.value(key, r['diff'], signed=True)} "
                             f"[{labels.value(key, r['diff_lo90'], signed=True)}, "
                             f"{labels.value(key, r['diff_hi90'], signed=True)}]")
                cells.append(text)
            grid.append(cells)
        widths = [max(_width(row[j]) for row in grid) for j in range(len(head))]
        for row in grid:
            lines.append("  ".join(_pad(cell, w) for cell, w in zip(row, widths)).rstrip())
        lines.append("")
    lines.append(labels.word("diff_note", base=runs[0]))
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def comparison_figure(table: pd.DataFrame, lang: str = "en") -> "Figure":
    """Year-1 differences from the first run with 90% intervals, one panel per key indicator."""
    from simulator.report.figures import new_figure
    from simulator.report.fonts import figure_lang, figure_style

    shown = figure_lang(lang)
    labels = Labels(shown)
    part = table[(table["period"] == "first")]
    runs = list(dict.fromkeys(part["run"]))
    others = runs[1:]
    keys = [k for k in FIGURE_KEYS if k in BY_KEY]
    with figure_style(shown):
        fig = new_figure(10.0, 1.2 + 0.35 * len(others) * 3 + 2.0)
        axes = fig.subplots(3, 3).ravel()
        for ax, key in zip(axes, keys):
            rows = part[part["indicator"] == key].set_index("run").loc[others]
            scale = labels.scale(key)
            diff = rows["diff"].to_numpy(float) / scale
            lo = rows["diff_lo90"].to_numpy(float) / scale
            hi = rows["diff_hi90"].to_numpy(float) / scale
            y = np.arange(len(others))
            for k, paired in enumerate(rows["paired"]):
                color = "#08519c" if paired else "#d7191c"  # blue: paired, red: unpaired
                ax.errorbar([diff[k]], [y[k]], xerr=[[diff[k] - lo[k]], [hi[k] - diff[k]]], fmt="o",
                            color=color, capsize=3, markersize=4)
            ax.axvline(0.0, color="0.4", linewidth=0.8)
            ax.set_yticks(y)
            ax.set_yticklabels(others, fontsize=7)
            ax.set_ylim(-0.6, len(others) - 0.4)
            ax.set_title(labels.indicator(key), fontsize=8.5)
            ax.set_xlabel(f"Δ {labels.unit(key)}", fontsize=7)
        for ax in axes[len(keys):]:
            ax.axis("off")
        from matplotlib.lines import Line2D

        fig.suptitle(labels.word("compare", base=runs[0]), fontsize=10)
        fig.legend(handles=[Line2D([], [], color="#08519c", marker="o", label=labels.word("paired")),
                            Line2D([], [], color="#d7191c", marker="o", label=labels.word("unpaired"))],
                   loc="outside lower center", ncol=2, frameon=False, fontsize=7)  # clear of every panel title
    fig.mcsim_lang = shown
    return fig
