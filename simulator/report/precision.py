"""The report's risk block: each risk figure with its Monte Carlo standard error, and how precise it is.

The figures are those of :meth:`simulator.results.Results.risk` (estimators and standard errors in
:mod:`simulator.risk`): for the fund, the probability that fund spending exceeds the budget and
VaR95 / CVaR95 of its extra outlay max(0, fund payout − budget); for the community (医共体), the
probability of a net loss and VaR95 / CVaR95 of that loss max(0, −community_net). The table
shows every year as ``value ± SE``; :func:`precision_sentences` says, for the headline figures
of the last year, how large the error is and how many worlds would halve it (SE ∝ 1/√n:
:func:`simulator.risk.worlds_for_se`, four times the worlds).
"""

from __future__ import annotations

import math
from html import escape
from typing import TYPE_CHECKING, Any

from simulator.report.labels import Labels

if TYPE_CHECKING:
    from simulator.results import Results

#: the table's column groups: (zh, en) heading, figures
GROUPS: tuple[tuple[tuple[str, str], tuple[str, ...]], ...] = (
    (("医保基金", "Fund"), ("prob_overspend", "overspend_var95", "overspend_cvar95")),
    (("医共体", "Community"), ("prob_community_loss", "community_loss_var95", "community_loss_cvar95")),
)
#: figures with a precision sentence
HEADLINE: tuple[str, ...] = ("prob_overspend", "overspend_var95", "overspend_cvar95")

#: words of the block: key -> (zh, en)
TEXT: dict[str, tuple[str, str]] = {
    "year": ("年份", "Year"),
    "note": ("± 后为蒙特卡洛标准误({n}个模拟世界)。基金额外支出 = max(0, 基金实际拨付 − 预算);"
             "医共体净亏损 = max(0, −医共体净收益)。",
             "± is the Monte Carlo standard error ({n} worlds). Fund extra outlay = max(0, fund "
             "payout − budget); community net loss = max(0, −community net settlement)."),
    "precision": ("估计精度", "How precise these are"),
    "halve": ("{year}年{name}为{value},蒙特卡洛标准误为{se}({n}个模拟世界);"
              "模拟{more}个世界可将误差减半。",
              "{name} in {year} is {value} with a Monte Carlo standard error of {se} ({n} worlds); "
              "{more} worlds would halve it."),
    "exact": ("{year}年{name}为{value};{n}个模拟世界结果相同,蒙特卡洛标准误为0"
              "(更多模拟世界仍可能出现罕见结果)。",
              "{name} in {year} is {value}; all {n} worlds agree, so its Monte Carlo standard error "
              "is 0 (more worlds may still show rarer outcomes)."),
    "unknown": ("{year}年{name}为{value};估计蒙特卡洛标准误至少需要2个模拟世界(本次{n}个)。",
                "{name} in {year} is {value}; a Monte Carlo standard error needs at least 2 worlds "
                "({n} run)."),
    "points": ("{se:.1f}个百分点", "{se:.1f} percentage points"),
}


def _t(labels: Labels, key: str, **fmt: Any) -> str:
    zh, en = TEXT[key]
    return (zh if labels.zh else en).format(**fmt)


def is_share(figure: str) -> bool:
    """Probabilities are shares (shown in %); the other figures are money (yuan)."""
    return figure.startswith("prob_")


def n_worlds(results: "Results") -> int:
    return int(results.worlds["world"].nunique())


def _heading(labels: Labels, figure: str) -> str:
    unit = "%" if is_share(figure) else labels.money_unit
    return f"{labels.risk(figure)} ({unit})"


def _cell(labels: Labels, figure: str, value: float, se: float) -> str:
    return f"<td class=num>{escape(labels.plus_minus(value, se, share=is_share(figure)))}</td>"


def risk_table(results: "Results", labels: Labels) -> str:
    """Per year, every risk figure as ``value ± SE``, grouped into fund and community columns."""
    risk = results.risk()
    groups = "".join(f'<th colspan="{len(figs)}">{escape(name[0 if labels.zh else 1])}</th>'
                     for name, figs in GROUPS)
    figures = [f for _, figs in GROUPS for f in figs]
    heads = "".join(f"<th>{escape(_heading(labels, f))}</th>" for f in figures)
    rows = []
    for r in risk.itertuples():
        cells = "".join(_cell(labels, f, getattr(r, f), getattr(r, f"{f}_se")) for f in figures)
        rows.append(f"<tr><td>{int(r.year)}</td>{cells}</tr>")
    return (f'<table class="risk"><tr><th rowspan="2">{escape(_t(labels, "year"))}</th>{groups}</tr>'
            f"<tr>{heads}</tr>{''.join(rows)}</table>"
            f"<p>{escape(_t(labels, 'note', n=f'{n_worlds(results):,}'))}</p>")


def _shown(labels: Labels, figure: str, value: float) -> str:
    return f"{value:.1%}" if is_share(figure) else labels.money(value)


def _shown_se(labels: Labels, figure: str, se: float) -> str:
    return _t(labels, "points", se=se * 100) if is_share(figure) else labels.money(se)


def precision_sentence(labels: Labels, figure: str, year: int, value: float, se: float, n: int) -> str:
    """How precise ``figure`` is at ``n`` worlds, and how many worlds would halve its error."""
    from simulator.risk import worlds_for_se

    fields = {"name": labels.risk(figure), "year": year, "value": _shown(labels, figure, value),
              "n": f"{n:,}"}
    if not math.isfinite(se):
        return _t(labels, "unknown", **fields)
    if se == 0:
        return _t(labels, "exact", **fields)
    more = worlds_for_se(se, n, se / 2)
    return _t(labels, "halve", se=_shown_se(labels, figure, se), more=f"{more:,}", **fields)


def precision_sentences(results: "Results", lang: str = "en") -> list[str]:
    """One sentence per headline risk figure (:data:`HEADLINE`) of the last simulated year."""
    labels = Labels(lang)
    row = results.risk().sort_values("year").iloc[-1]
    n = n_worlds(results)
    return [precision_sentence(labels, f, int(row["year"]), float(row[f]), float(row[f"{f}_se"]), n)
            for f in HEADLINE]


def risk_section(results: "Results", labels: Labels) -> str:
    """The risk table, then the precision sentences."""
    items = "".join(f"<li>{escape(line)}</li>" for line in precision_sentences(results, labels.lang))
    return (f"{risk_table(results, labels)}<h3>{escape(_t(labels, 'precision'))}</h3>"
            f'<ul class="precision">{items}</ul>')
