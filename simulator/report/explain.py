"""What moved the money: the decomposition of :mod:`simulator.explain` as text, table, waterfall
figure and report section (zh/en).

The waterfall shows, per measure, the mean at the start, one floating bar per part (mean over
worlds) and the mean at the end; the parts add up exactly, so the last bar ends where the
change does. The table gives each part's mean and the range of 90% of worlds (5%–95%).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator.explain.chain import MEASURES, PARTS
from simulator.report.labels import Labels

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulator.explain import Explanation
    from simulator.results import Results

#: part names: key -> (zh, en)
PART_LABELS: dict[str, tuple[str, str]] = {
    "change": ("变化合计", "Change"),
    "enrolment": ("参保人数", "Enrolment"),
    "volume": ("人均就诊量", "Volume per person"),
    "case_mix": ("病例组合(DRG权重)", "Case mix (DRG weight)"),
    "unit_price": ("单价", "Unit price"),
    "tier_shift": ("就医层级流向", "Tier shift"),
    "benefit": ("待遇政策(基金支付比例)", "Benefit rules (fund share)"),
    "payment": ("支付方式(点值/床日/人头)", "Payment (point value, per diem, capitation)"),
    "settlement": ("预算与结算", "Budget and settlement"),
}
#: words of the table, figure and section: key -> (zh, en)
TEXT: dict[str, tuple[str, str]] = {
    "title": ("变化分解", "What moved the money"),
    "measure": ("指标", "Measure"), "part": ("因素", "Part"),
    "mean": ("均值", "Mean"), "range": ("90%世界区间", "90% of worlds"),
    "start": ("起点", "Start"), "end": ("终点", "End"),
    "years": ("{a} → {b}(逐个模拟世界)", "{a} → {b} (world by world)"),
    "intro": ("{a}年到{b}年基金支出、医疗总费用、结余与医共体净收益的变化,逐个模拟世界精确分解为"
              "参保人数、人均就诊量、病例组合、单价、就医层级流向、待遇政策、支付方式与预算结算八部分"
              "(Shapley分解,各部分之和等于变化;方法见 docs/explain.md)。表中为各部分的均值及90%模拟世界区间,"
              "单位{unit}。",
              "The change from {a} to {b} of fund spending, total cost, balance and community net, split "
              "exactly in every world into enrolment, volume per person, case mix, unit price, tier shift, "
              "benefit rules, payment and budget & settlement (a Shapley decomposition: the parts add up "
              "to the change; docs/explain.md). The table gives each part's mean and the range of 90% of "
              "worlds, in {unit}."),
    "caption": ("各部分对{a}→{b}变化的贡献(均值,瀑布图)。", "What each part adds to the change {a} → {b} "
                "(means over worlds, waterfall)."),
}


def _t(labels: Labels, key: str, **fmt: Any) -> str:
    zh, en = TEXT[key]
    return (zh if labels.zh else en).format(**fmt)


def part_label(labels: Labels, part: str) -> str:
    zh, en = PART_LABELS[part]
    return zh if labels.zh else en


def explain_frame(result: "Explanation") -> tuple[pd.DataFrame, dict[str, tuple[str, str]]]:
    """The table for ``--out`` (one row per measure × change/part; yuan) and its column labels."""
    frame = result.table()
    frame.insert(0, "from", result.names[0])
    frame.insert(1, "to", result.names[1])
    frame["part_zh"] = [PART_LABELS[p][0] for p in frame["part"]]
    frame["part_en"] = [PART_LABELS[p][1] for p in frame["part"]]
    labels = {"from": ("起点", "From"), "to": ("终点", "To"), "measure": ("指标", "Measure"),
              "part": ("因素", "Part"), "mean": ("均值(元)", "Mean (yuan)"),
              "lo90": ("5%分位(元)", "5% of worlds (yuan)"), "hi90": ("95%分位(元)", "95% of worlds (yuan)"),
              "se": ("均值标准误(元)", "SE of the mean (yuan)"), "part_zh": ("因素(中文)", "Part (Chinese)"),
              "part_en": ("因素(英文)", "Part (English)")}
    return frame, labels


def format_explanation(result: "Explanation", lang: str = "en") -> str:
    """A readable text table: per measure, the change and each part, mean [5%, 95% of worlds]."""
    from simulator.report.compare import _pad, _width

    labels = Labels(lang)
    table = result.table().set_index(["measure", "part"])
    lines = [f"== {_t(labels, 'years', a=result.names[0], b=result.names[1])}; "
             f"{len(result.worlds):,} {labels.word('worlds')}; {labels.money_unit}"]
    for m in MEASURES:
        grid = [[f"{labels.indicator(m)}", _t(labels, "mean"), _t(labels, "range")]]
        for part in ("change", *PARTS):
            r = table.loc[(m, part)]
            grid.append([("  " if part != "change" else "") + part_label(labels, part),
                         _money(labels, r["mean"]),
                         f"[{_money(labels, r['lo90'])}, {_money(labels, r['hi90'])}]"])
        widths = [max(_width(row[j]) for row in grid) for j in range(3)]
        lines += ["  ".join(_pad(c, w) for c, w in zip(row, widths)).rstrip() for row in grid]
        lines.append("")
    return "\n".join(lines)


def _money(labels: Labels, yuan: float) -> str:
    from simulator.report.labels import number

    return number(yuan / labels.money_scale, signed=True)


def explain_figure(result: "Explanation", lang: str = "en") -> "Figure":
    """Waterfalls, one panel per measure: start, the parts (means over worlds), end."""
    from simulator.report.figures import new_figure
    from simulator.report.fonts import figure_lang, figure_style

    shown = figure_lang(lang)
    labels = Labels(shown)
    scale = labels.money_scale
    with figure_style(shown):
        fig = new_figure(11.0, 7.6)
        axes = fig.subplots(2, 2).ravel()
        for ax, m in zip(axes, MEASURES):
            start = float(np.mean(result.start[m])) / scale
            parts = result.parts[m].mean(axis=0) / scale
            names = [_t(labels, "start"), *(part_label(labels, p).split("(")[0].strip() for p in PARTS), _t(labels, "end")]
            bottoms, heights, colors = [0.0], [start], ["0.55"]
            level = start
            for value in parts:
                bottoms.append(level if value >= 0 else level + value)
                heights.append(abs(value))
                colors.append("#d7191c" if value > 0 else "#2c7fb8")
                level += value
            bottoms.append(0.0)
            heights.append(level)
            colors.append("0.35")
            y = np.arange(len(names))
            ax.barh(y, heights, left=bottoms, color=colors, height=0.7)
            _zoom(ax, bottoms, heights)
            for k, value in enumerate(parts, start=1):
                if value != 0:
                    ax.text(bottoms[k] + heights[k], y[k], f" {number_text(value)}", va="center", fontsize=7)
            for k, value in ((0, start), (len(names) - 1, level)):
                ax.text(value, y[k], f" {number_text(value).lstrip('+')}", va="center", fontsize=7)
            ax.set_yticks(y)
            ax.set_yticklabels(names, fontsize=8)
            ax.invert_yaxis()
            ax.set_title(labels.indicator(m), fontsize=9.5)
            ax.set_xlabel(labels.money_unit, fontsize=8)
            ax.tick_params(axis="x", labelsize=7)
        fig.suptitle(_t(labels, "years", a=result.names[0], b=result.names[1]), fontsize=10)
    fig.mcsim_lang = shown
    return fig


def _zoom(ax: Any, bottoms: list[float], heights: list[float]) -> None:
    """x limits around the floating bars (the start and end bars run off to the left: a change
    of a few percent stays visible)."""
    ends = [b + h for b, h in zip(bottoms, heights)]
    floating = bottoms[1:-1] + ends[1:-1] + [ends[0], ends[-1]]
    lo, hi = min(floating), max(floating)
    pad = 0.25 * (hi - lo) or 0.05 * abs(hi) or 1.0
    if min(ends[0], ends[-1]) > 0 and lo - pad > 0:
        ax.set_xlim(lo - pad, hi + pad)
    else:
        ax.set_xlim(min(lo, 0.0) - pad, max(hi, 0.0) + pad)


def number_text(value: float) -> str:
    from simulator.report.labels import number

    return number(value, signed=True)


def explain_section(results: "Results", labels: Labels) -> str:
    """The report's section: the run's first year against its last (``""`` with one year).

    The waterfall is drawn as HTML bars, one table per measure (start, parts, end; mean, range
    of 90% of worlds), so the page's PNG images stay one to one with ``figures/*.png``; the PNG
    waterfall is :func:`explain_figure` (``mcsim explain --out``).
    """
    from simulator.explain import explain

    years = sorted(int(y) for y in results.worlds["year"].unique())
    if len(years) < 2 or "weight" not in results.flows.columns:
        return ""
    result = explain(results, from_year=years[0], to_year=years[-1])
    a, b = years[0], years[-1]
    table = result.table().set_index(["measure", "part"])
    blocks = []
    for m in MEASURES:
        start, end = float(np.mean(result.start[m])), float(np.mean(result.end[m]))
        steps = [(p, float(table.loc[(m, p), "mean"])) for p in PARTS]
        levels = np.cumsum([start] + [v for _, v in steps])
        lo, hi = min(levels.min(), 0.0 if start * end <= 0 else levels.min()), levels.max()
        if lo > 0:  # zoom on the parts, as the PNG does: the start and end bars run off to the left
            lo = max(0.0, levels.min() - 0.25 * (hi - levels.min()))
        span = (hi - lo) or 1.0
        base = max(lo, 0.0)  # the start and end bars stand on 0 (or on the zoomed axis' edge)
        rows = [_bar_row(_t(labels, "start"), "", start, lo, min(base, start), max(base, start), span, "#8c8c8c",
                         labels)]
        level = start
        for part, value in steps:
            rows.append(_bar_row(part_label(labels, part), part, value, lo, min(level, level + value),
                                 max(level, level + value), span, "#d7191c" if value > 0 else "#2c7fb8", labels,
                                 (table.loc[(m, part), "lo90"], table.loc[(m, part), "hi90"])))
            level += value
        rows.append(_bar_row(_t(labels, "end"), "", end, lo, min(base, end), max(base, end), span, "#595959", labels))
        blocks.append(f"<h3>{escape(labels.indicator(m))}</h3><table class=explain><tr><th>{_t(labels, 'part')}</th>"
                      f"<th></th><th style=\"width:22em\"></th><th>{_t(labels, 'mean')}</th>"
                      f"<th>{_t(labels, 'range')}</th></tr>{''.join(rows)}</table>")
    return (f'<h2 id="explain">{escape(_t(labels, "title"))}</h2>'
            f"<p>{escape(_t(labels, 'intro', a=a, b=b, unit=labels.money_unit))}</p>{''.join(blocks)}")


def _bar_row(name: str, key: str, value: float, lo: float, left: float, right: float, span: float,
             color: str, labels: Labels, interval: tuple[float, float] | None = None) -> str:
    """One row of an HTML waterfall: a bar from ``left`` to ``right`` on an axis from ``lo``."""
    x0 = max(0.0, (left - lo) / span * 100.0)
    width = max(0.3, (right - max(left, lo)) / span * 100.0) if right > lo else 0.0
    bar = (f'<div style="margin-left:{x0:.2f}%;width:{width:.2f}%;height:.9em;background:{color}"></div>'
           if value != 0 else "")
    code = f"<code>{escape(key)}</code>" if key else ""
    rng = f"[{_money(labels, interval[0])}, {_money(labels, interval[1])}]" if interval else ""
    shown = _money(labels, value) if key else _money(labels, value).lstrip("+")
    return (f"<tr><td>{escape(name)}</td><td>{code}</td><td>{bar}</td><td class=num>{shown}</td>"
            f"<td class=num>{rng}</td></tr>")
