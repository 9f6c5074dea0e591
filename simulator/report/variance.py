"""Where the variance comes from: shares of the headline indicators' variance by uncertain factor.

From :meth:`simulator.results.Results.variance_shares` (estimator in
:func:`simulator.risk.variance_shares`): for each headline indicator, the share S_i of its
variance over worlds in the last simulated year that factor i explains alone (first-order
index, Var(E[Y | X_i]) / Var(Y)), with a bootstrap SE; the remainder, 1 − Σ S_i, is
interactions and process noise (grey). Shares are bias-corrected, so with few worlds a share
may be slightly negative: the figure is grouped bars (one per factor, with ±1 SE), not a stack.
The report's section (:func:`variance_section`) is omitted without parameter uncertainty.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator.report.figures import new_figure, report_figure
from simulator.report.labels import Labels
from simulator.risk import REMAINDER

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulator.results import Results

#: short labels of the default uncertain factors; other factors show their key
FACTOR_LABELS: dict[str, tuple[str, str]] = {
    "dynamics.utilisation_trend": ("利用率趋势", "Utilisation trend"),
    "dynamics.cost_inflation": ("费用增长", "Cost inflation"),
    "dynamics.casemix_drift": ("病例组合漂移", "Case-mix drift"),
    "dynamics.epidemic.uplift": ("疫情冲击幅度", "Epidemic uplift"),
    "dynamics.cost_control_elasticity": ("控费响应", "Cost-control response"),
    "demand.inpatient.rate_by_age": ("住院率水平", "Admission level"),
    REMAINDER: ("交互作用与过程噪声", "Interactions and process noise"),
}
#: one colour per factor, in the order of the table (grey is kept for the remainder)
FACTOR_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#bcbd22", "#17becf")
REMAINDER_COLOR = "0.65"

#: words of the section: key -> (zh, en)
TEXT: dict[str, tuple[str, str]] = {
    "title": ("方差来源", "Where the variance comes from"),
    "factor": ("因素", "Factor"), "key": ("代码", "Key"),
    "intro": ("{year}年各项指标在模拟世界间的方差中,每个不确定参数单独解释的比例(一阶方差贡献,"
              "按参数抽样值分箱估计,单位 %);其余部分 = 1 − 各参数比例之和,为参数间交互作用与过程噪声"
              "(灰色)。± 后为自助法标准误;模拟世界较少时比例经偏差校正后可能略为负值。",
              "Share (%) of each indicator's variance across worlds in {year} that each uncertain "
              "parameter explains on its own (first-order share, estimated by binning the parameter's "
              "draws); the rest, 1 − the sum of the shares, is interactions and process noise (grey). "
              "± is a bootstrap standard error; with few worlds a bias-corrected share can be "
              "slightly negative."),
}


def _t(labels: Labels, key: str, **fmt: Any) -> str:
    zh, en = TEXT[key]
    return (zh if labels.zh else en).format(**fmt)


def factor_label(labels: Labels, factor: str) -> str:
    """Short label of a factor (:data:`FACTOR_LABELS`), else the factor's key."""
    pair = FACTOR_LABELS.get(factor)
    return factor if pair is None else pair[0 if labels.zh else 1]


def factor_colors(factors: list[str]) -> dict[str, str]:
    """A colour per factor, grey for the remainder (stable in the order given)."""
    named = [f for f in factors if f != REMAINDER]
    out = {f: FACTOR_COLORS[i % len(FACTOR_COLORS)] for i, f in enumerate(named)}
    out[REMAINDER] = REMAINDER_COLOR
    return out


def last_year_shares(results: "Results") -> pd.DataFrame:
    """Rows of :meth:`~simulator.results.Results.variance_shares` for the last simulated year
    (empty without uncertainty)."""
    table = results.variance_shares()
    if table.empty:
        return table
    return table[table["year"] == table["year"].max()].reset_index(drop=True)


def _no_uncertainty(labels: Labels) -> "Figure":
    fig = new_figure(6.0, 1.5)
    ax = fig.subplots()
    ax.axis("off")
    ax.text(0.5, 0.5, labels.word("no_uncertainty"), ha="center", va="center")
    return fig


def _draw_bars(ax: Any, table: pd.DataFrame, labels: Labels) -> None:
    """Grouped horizontal bars: one group per indicator, one bar (±1 SE) per factor."""
    indicators = list(dict.fromkeys(table["indicator"]))
    factors = list(dict.fromkeys(table["factor"]))
    colors = factor_colors(factors)
    height = 0.8 / len(factors)
    for j, factor in enumerate(factors):
        part = table[table["factor"] == factor].set_index("indicator").loc[indicators]
        y = np.arange(len(indicators)) - 0.4 + (j + 0.5) * height
        se = part["se"].to_numpy(float) * 100
        ax.barh(y, part["share"].to_numpy(float) * 100, height=height * 0.9, color=colors[factor],
                label=factor_label(labels, factor),
                xerr=np.where(np.isfinite(se), se, 0.0), error_kw={"ecolor": "0.25", "elinewidth": 0.8,
                                                                   "capsize": 2})
    ax.set_yticks(np.arange(len(indicators)))
    ax.set_yticklabels([labels.indicator(k) for k in indicators])
    ax.invert_yaxis()
    for k in range(1, len(indicators)):
        ax.axhline(k - 0.5, color="0.85", linewidth=0.8)


@report_figure
def variance_shares_figure(results: "Results", labels: "Labels") -> "Figure":
    """Shares of the headline indicators' last-year variance by uncertain factor (grouped bars)."""
    table = last_year_shares(results)
    if table.empty:
        return _no_uncertainty(labels)
    fig = new_figure(9.0, 1.8 + 0.16 * len(table))  # 0.16 inch a bar
    ax = fig.subplots()
    _draw_bars(ax, table, labels)
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.axvline(100.0, color="0.5", linewidth=0.8, linestyle=":")
    ax.set_xlabel(labels.word("share_of_variance"))
    ax.set_title(labels.word("variance_title", year=int(table["year"].iloc[0]),
                             n=f"{results.worlds['world'].nunique():,}"))
    _legend_below(ax)
    return fig


def _legend_below(ax: Any, ncol: int = 3) -> None:
    """The factors' legend under the axes, in the bars' order read row by row."""
    handles, names = ax.get_legend_handles_labels()
    order = row_major(len(handles), ncol)
    ax.legend([handles[i] for i in order], [names[i] for i in order], loc="upper center",
              bbox_to_anchor=(0.5, -0.12), ncol=ncol, frameon=False, fontsize=8)


def row_major(n: int, ncol: int) -> list[int]:
    """Order of ``n`` legend entries so that matplotlib's column-by-column filling reads row by row."""
    rows = -(-n // ncol)
    grid = [[r * ncol + c for r in range(rows) if r * ncol + c < n] for c in range(ncol)]
    return [i for column in grid for i in column]


def shares_table(table: pd.DataFrame, labels: Labels) -> str:
    """One row per factor, one column per indicator: ``share ± SE`` in %."""
    indicators = list(dict.fromkeys(table["indicator"]))
    heads = "".join(f"<th>{escape(labels.indicator(k))} (%)</th>" for k in indicators)
    cells = table.set_index(["factor", "indicator"])
    rows = []
    for factor in dict.fromkeys(table["factor"]):
        values = "".join(f"<td class=num>{escape(labels.plus_minus(r['share'], r['se'], share=True))}</td>"
                         for r in (cells.loc[(factor, k)] for k in indicators))
        key = "" if factor == REMAINDER else f"<code>{escape(factor)}</code>"
        rows.append(f"<tr><td>{escape(factor_label(labels, factor))}</td><td>{key}</td>{values}</tr>")
    return (f"<table><tr><th>{escape(_t(labels, 'factor'))}</th><th>{escape(_t(labels, 'key'))}</th>"
            f"{heads}</tr>{''.join(rows)}</table>")


def variance_section(results: "Results", labels: Labels, figure: str) -> str:
    """The section's HTML (heading, reading note, ``figure`` block, table); ``""`` without uncertainty."""
    table = last_year_shares(results)
    if table.empty:
        return ""
    year = int(table["year"].iloc[0])
    return (f'<h2 id="variance">{escape(_t(labels, "title"))}</h2>'
            f"<p>{escape(_t(labels, 'intro', year=year))}</p>{figure}{shares_table(table, labels)}")
