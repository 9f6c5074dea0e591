"""The Pareto front of a batch for two metrics (``mcsim batch --pareto KEY1,KEY2``).

Each variant × county is a point: its statistic of the two metrics in the last year (the mean
over worlds, or the quantile of ``--stat``); a point is on the front when no other point of its
county is at least as good on both metrics and better on one (directions as in
:mod:`simulator.ranking`). The front is joined by a line and its points are labelled.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator.ranking import Objective, Ranking, pareto_front

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def pareto_table(frame: pd.DataFrame, axes: tuple[Objective, Objective], labels: dict[str, str],
                 stat: str = "mean") -> pd.DataFrame:
    """Per variant × county: the two statistics in the last year and ``front`` (bool)."""
    ranking = Ranking(None, (), stat)
    last = frame[frame["year"] == frame["year"].max()]
    rows = []
    for (variant, county), part in last.groupby(["variant", "county"], sort=False, observed=True):
        rows.append({"variant": str(variant), "label": labels.get(str(variant), str(variant)),
                     "county": str(county), "year": int(part["year"].iloc[0]),
                     axes[0].key: ranking.statistic(part, axes[0].key),
                     axes[1].key: ranking.statistic(part, axes[1].key)})
    table = pd.DataFrame(rows)
    table["front"] = False
    for _, part in table.groupby("county", sort=False):
        front = pareto_front(part[axes[0].key].to_numpy(float), part[axes[1].key].to_numpy(float),
                             (axes[0].maximise, axes[1].maximise))
        table.loc[part.index, "front"] = front
    return table


def pareto_figure(table: pd.DataFrame, axes: tuple[Objective, Objective], lang: str = "en") -> "Figure":
    """Scatter of every variant (one colour per county), the front joined and labelled."""
    from simulator.indicators import BY_KEY
    from simulator.report.figures import new_figure
    from simulator.report.fonts import figure_lang, figure_style
    from simulator.report.labels import Labels

    shown = figure_lang(lang)
    labels = Labels(shown)

    def axis_title(o: Objective) -> str:
        name = labels.axis(o.key) if o.key in BY_KEY else (labels.risk(o.key) if o.key else o.key)
        better = ("越大越好", "higher is better") if o.maximise else ("越小越好", "lower is better")
        return f"{name} — {better[0] if labels.zh else better[1]}"

    with figure_style(shown):
        fig = new_figure(8.0, 6.0)
        ax = fig.subplots()
        colors = ("#2c7fb8", "#d95f02", "#1b9e77", "#7570b3", "#e7298a", "#66a61e")
        for k, (county, part) in enumerate(table.groupby("county", sort=False)):
            x, y = _shown(part[axes[0].key], axes[0].key, labels), _shown(part[axes[1].key], axes[1].key, labels)
            color = colors[k % len(colors)]
            ax.scatter(x, y, s=18, color=color, alpha=0.45, label=str(county))
            front = part["front"].to_numpy(bool)
            order = np.argsort(x[front])
            ax.plot(x[front][order], y[front][order], "-o", color=color, markersize=6)
            for xi, yi, name in zip(x[front], y[front], part["label"][front]):
                ax.annotate(_short(name), (xi, yi), textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.margins(x=0.15, y=0.1)  # room for the labels of the front
        ax.set_xlabel(axis_title(axes[0]))
        ax.set_ylabel(axis_title(axes[1]))
        title = ("帕累托前沿({year}年)", "Pareto front ({year})")
        ax.set_title((title[0] if labels.zh else title[1]).format(year=int(table["year"].max())))
        if table["county"].nunique() > 1:
            ax.legend(frameon=False, fontsize=8)
    fig.mcsim_lang = shown
    return fig


def _shown(values: Any, key: str, labels: Any) -> np.ndarray:
    from simulator.indicators import BY_KEY

    scale = labels.scale(key) if key in BY_KEY else 1.0
    return np.asarray(values, dtype=float) / scale


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
