"""The region section of a region run's report: the counties side by side.

A table of each county's (and the region's) last-year figures — 县域内就诊率, balance and
balance rate, the community's net settlement, the point value and the probability of
overspending — and a small-multiples figure (one panel per measure, one bar per county with
its 90% interval over worlds; no map). Empty for a single-county run.
"""

from __future__ import annotations

import base64
from html import escape
from typing import TYPE_CHECKING

import numpy as np

from simulator.report.labels import Labels

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulator.results import Results

#: the compared measures, in panel order
MEASURES = ("county_visit_share", "balance_rate", "balance", "community_net", "fund_spending")
_WORDS = {
    "title": ("各县比较（统筹区）", "Counties compared (pooling region)"),
    "county": ("县", "County"),
    "region": ("统筹区合计", "Region total"),
    "prob": ("超支概率", "P(overspend)"),
    "point_value": ("点值", "Point value"),
    "note": ("末年各世界的均值，括号内为 5%–95% 区间；统筹区合计的比例由各县合计重算。点值为统筹区共用的结算点值。",
             "Last year, mean over worlds with the 5–95% interval; the region's shares are recomputed from "
             "the counties' sums. The point value is the region's shared settlement point value."),
    "figure": ("各县主要指标（末年，误差线为 5%–95% 区间）", "Counties' headline figures (last year, bars 5–95%)"),
}


def _t(labels: Labels, key: str) -> str:
    zh, en = _WORDS[key]
    return zh if labels.zh else en


def region_section(results: "Results", labels: Labels) -> str:
    """The section's HTML; ``""`` unless ``results`` is a region's."""
    counties = getattr(results, "counties", None)
    if not counties:
        return ""
    from simulator.report.figures import png_bytes
    from simulator.report.fonts import figure_lang, figure_style

    code = results.region_info.get("pool", {}).get("method", "drg")
    runs = [*counties.items(), (_t(labels, "region"), results)]
    year = int(results.worlds["year"].max())
    head = [_t(labels, "county"), *(f"{labels.indicator(k)} ({labels.unit(k)})" for k in MEASURES),
            _t(labels, "point_value"), _t(labels, "prob")]
    rows = []
    for name, r in runs:
        last = r.worlds[r.worlds["year"] == year]
        cells = [escape(str(name))]
        for key in MEASURES:
            v = last[key].to_numpy(dtype=float) / labels.scale(key)
            cells.append(f"{np.nanmean(v):,.1f} ({np.nanquantile(v, 0.05):,.1f}, {np.nanquantile(v, 0.95):,.1f})")
        cells.append(f"{np.nanmean(last[f'{code}_point_value']):.2f}")
        risk = r.risk()
        p = float(risk.loc[risk["year"] == year, "prob_overspend"].iloc[0])
        cells.append(f"{p:.2f}")
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    table = ("<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>" + "".join(rows)
             + "</table>")
    shown = figure_lang(labels.lang)
    with figure_style(shown):
        fig = counties_figure(results, Labels(shown))
    fig.mcsim_lang = shown
    uri = "data:image/png;base64," + base64.b64encode(png_bytes(fig)).decode("ascii")
    caption = _t(labels, "figure")
    return (f'<h2 id="region">{escape(_t(labels, "title"))}</h2>{table}<p>{escape(_t(labels, "note"))}</p>'
            f'<figure id="fig-region_counties"><img src="{uri}" alt="{escape(caption)}">'
            f"<figcaption>{escape(caption)}</figcaption></figure>")


def counties_figure(results: "Results", labels: Labels) -> "Figure":
    """Small multiples: one panel per measure, a bar per county (and the region) with 5–95% whiskers."""
    from simulator.report.figures import new_figure

    counties = results.counties
    names = [*counties, _t(labels, "region")]
    runs = [*counties.values(), results]
    year = int(results.worlds["year"].max())
    fig = new_figure(10.5, 2.2 + 1.0 * int(np.ceil(len(MEASURES) / 3)))
    axes = fig.subplots(int(np.ceil(len(MEASURES) / 3)), 3, squeeze=False).ravel()
    colors = ["#2c7fb8"] * len(counties) + ["#636363"]
    for ax, key in zip(axes, MEASURES):
        values = [r.worlds.loc[r.worlds["year"] == year, key].to_numpy(dtype=float) / labels.scale(key) for r in runs]
        mean = np.array([np.nanmean(v) for v in values])
        lo = mean - np.array([np.nanquantile(v, 0.05) for v in values])
        hi = np.array([np.nanquantile(v, 0.95) for v in values]) - mean
        y = np.arange(len(names))
        ax.barh(y, mean, xerr=[lo, hi], color=colors, ecolor="#252525", capsize=2, height=0.6)
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.axvline(0.0, color="#999999", linewidth=0.6)
        ax.set_title(f"{labels.indicator(key)} ({labels.unit(key)})", loc="left")
    for ax in axes[len(MEASURES):]:
        ax.set_visible(False)
    return fig
