"""The report's section on the money inside the community (docs/settlement.md, "Inside the community").

Per year: how the net settlement splits among the county hospital, the township centres and the
village clinics; each scheme's balance and net (pooled or separate accounts); the bundled
public-health money; and the monthly cash position before year-end settlement (the share of
worlds short of cash with its Monte Carlo SE, the 5th percentile of the low point).
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from simulator.outputs import MEMBER_TYPES, extra_world_columns
from simulator.report.labels import Labels

if TYPE_CHECKING:
    from simulator.results import Results

_WORDS = {
    "title": ("医共体内部：分配、基金账户与月度现金", "Inside the community: distribution, fund accounts, monthly cash"),
    "year": ("年份", "Year"),
    "net": ("医共体净收益", "Community net"),
    "resident": ("城乡居民基金结余", "Resident fund balance"),
    "employee": ("职工基金结余", "Employee fund balance"),
    "ph": ("打包公卫资金 / 支出", "Public health funding / spending"),
    "short": ("月度现金短缺概率", "P(short of cash in a month)"),
    "low": ("现金最低点 P5", "Cash low point, 5th pct"),
    "pooled": ("两项基金合并预算、合并清算。", "Resident and employee funds budgeted and settled together."),
    "separate": ("两项基金分别预算、分别清算，医共体合计为两者之和。",
                 "Resident and employee funds budgeted and settled separately; the community's figures are their sums."),
    "note": ("各项为各世界均值；按月预付 1/12 预算（扣除质量保证金），住院按月份随机分布，门诊按月度分布（默认均匀，假设）。",
             "Means over worlds. Prepaid 1/12 of the budget a month less the withhold; admissions fall in months at "
             "random, other spending by the monthly profile (flat by default, an assumption)."),
}


def _t(labels: Labels, key: str) -> str:
    zh, en = _WORDS[key]
    return zh if labels.zh else en


def community_section(results: "Results", labels: Labels) -> str:
    """The section's HTML; ``""`` for worlds that predate these columns."""
    w = results.worlds
    names = {c.name: c for c in extra_world_columns()}
    needed = [f"community_net_{key}" for key, *_ in MEMBER_TYPES] + ["cash_low_point", "balance_resident"]
    if any(k not in w for k in needed):
        return ""
    scale, unit = labels.money_scale, labels.money_unit
    members = [(f"community_net_{key}", names[f"community_net_{key}"].label(labels.lang)) for key, *_ in MEMBER_TYPES]
    head = [_t(labels, "year"), f"{_t(labels, 'net')} ({unit})", *(f"{label} ({unit})" for _, label in members),
            f"{_t(labels, 'resident')} ({unit})", f"{_t(labels, 'employee')} ({unit})",
            f"{_t(labels, 'ph')} ({unit})", _t(labels, "short"), f"{_t(labels, 'low')} ({unit})"]
    cash = results.cash().set_index("year")
    rows = []
    for year, part in w.groupby("year", sort=True):
        cells = [str(int(year)), f"{part['community_net'].mean() / scale:,.1f}"]
        cells += [f"{part[key].mean() / scale:,.1f}" for key, _ in members]
        cells += [f"{part['balance_resident'].mean() / scale:,.1f}", f"{part['balance_employee'].mean() / scale:,.1f}",
                  f"{part['public_health_funding'].mean() / scale:,.1f} / {part['public_health_spending'].mean() / scale:,.1f}"]
        c = cash.loc[int(year)]
        cells += [labels.plus_minus(c["prob_short"], c["prob_short_se"], share=True),
                  f"{c['low_point_p05'] / scale:,.1f}"]
        rows.append("<tr>" + "".join(f"<td>{escape(x)}</td>" for x in cells) + "</tr>")
    pooling = results.scenario.budget.pooling
    table = "<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>" + "".join(rows) + "</table>"
    return (f'<h2 id="community">{escape(_t(labels, "title"))}</h2>{table}'
            f"<p>{escape(_t(labels, pooling))} {escape(_t(labels, 'note'))}</p>")
