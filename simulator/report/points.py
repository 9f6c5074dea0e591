"""The report's points section: the point values of DRG / DIP (点数法) and the providers' margins.

Shown only when the scenario pays some cells by a points method (``docs/payments.md``). For each
method used, per year over worlds: the settlement point value (结算点值, mean and the 5th–95th
percentiles), the budget point value (预算点值) it is judged against, the mean ratio settled /
budget, the share of worlds whose point value is held at the band's floor or ceiling
(``point_value_band`` × the budget point value, the floor no lower than ``point_value_floor``;
no band — pure floating — no such columns), and the means of the pool deficit the fund pays
(``<code>_pool_deficit``), the pool and the method's fund payment. Then each tier's margin
(fund payment + patient OOP − cost, yuan; negative: the providers lose), county hospital and
township first, and what an epidemic year does: the mean point value and county-hospital margin
in world-years with an epidemic shock against the others.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator.constants import SERVICE_NAMES, TIER_NAMES
from simulator.report.labels import Labels, number

if TYPE_CHECKING:
    from simulator.results import Results

#: tiers of the margin table, county hospital and township first
MARGIN_TIERS: tuple[str, ...] = ("county", "township", "village", "subcenter", "outside_agreement",
                                 "outside_other")
#: a point value this close (relative) to a band edge sits at that edge
EDGE_RTOL = 1e-9

#: words of the section: key -> (zh, en)
TEXT: dict[str, tuple[str, str]] = {
    "title": ("点值与机构盈亏", "Points and providers"),
    "year": ("年份", "Year"),
    "settled": ("{name}(元/点):均值 [5%, 95%]", "{name} (yuan per point): mean [5%, 95%]"),
    "budget_value": ("{name}(元/点)", "{name} (yuan per point)"),
    "ratio": ("结算/预算点值", "Settled / budget"),
    "at_floor": ("点值触及下限", "At the band floor"),
    "at_ceiling": ("点值触及上限", "At the band ceiling"),
    "fixed": ("固定点值", "fixed point value"),
    "floating": ("浮动点值", "floating point value"),
    "band": ("点值区间为预算点值的{low:.0%}–{high:.0%}", "band {low:.0%}–{high:.0%} of the budget point value"),
    "no_band": ("无点值区间(纯浮动)", "no band (pure floating)"),
    "floor": ("点值下限{floor:g}元/点", "floor {floor:g} yuan per point"),
    "pool_budget": ("基金池来自当年预算(以收定支)", "pool from the year's budget (以收定支)"),
    "pool_budget_share": ("基金池为当年预算的{share:.0%}", "pool {share:.0%} of the year's budget"),
    "pool_history": ("基金池按基年支付每年增长{growth:.1%}", "pool: base-year payments grown {growth:.1%} a year"),
    "point_value": ("点值{value:g}元/点", "point value {value:g} yuan per point"),
    "start_value": ("起始预算点值{value:g}元/点", "first budget point value {value:g} yuan per point"),
    "none": ("无(未使用点数法)", "none (no points method)"),
    "points_note": ("均值为各模拟世界的平均;结算/预算点值为各世界比值的平均;基金池缺口为点值保底(区间下限或点值下限)"
                    "时基金在基金池之外多支付的金额。",
                    "Means are over worlds; settled / budget is the mean of each world's ratio; the pool deficit "
                    "is what the fund paid beyond the pool because the point value was held at its floor (the "
                    "band's or point_value_floor)."),
    "band_note": ("触及上下限:结算点值被点值区间(区间 × 预算点值)截住的世界比例。",
                  "At the band floor / ceiling: the share of worlds whose settlement point value is held at "
                  "the band's edge (band × budget point value)."),
    "margins": ("各级机构结余(基金支付 + 个人自付 − 医疗费用)", "Providers' margin (fund payment + patient "
                                                            "out-of-pocket − cost of care)"),
    "tier": ("机构层级", "Tier"),
    "margin_note": ("各模拟世界的平均;负值表示机构亏损。", "Mean over worlds; negative: the providers lose money."),
    "value_clause": ("{name}平均为{value}元(其余为{other}元)", "the {name} averaged {value} yuan ({other} otherwise)"),
    "epidemic": ("在{n}个出现疫情冲击的世界-年中,{values},县级医院结余平均为{margin}(其余为{other})。",
                 "In the {n} world-years with an epidemic shock {values} and the county hospital's margin "
                 "{margin} ({other} otherwise)."),
    "epidemic_all": ("全部{n}个世界-年均出现疫情冲击:{values},县级医院结余平均为{margin}。",
                     "All {n} world-years have an epidemic shock: {values} and the county hospital's margin "
                     "averaged {margin}."),
    "value_only": ("{name}平均为{value}元", "the {name} averaged {value} yuan"),
}


def _t(labels: Labels, key: str, **fmt: Any) -> str:
    zh, en = TEXT[key]
    return (zh if labels.zh else en).format(**fmt)


def methods_used(scenario: Any) -> list[str]:
    """Codes of the points methods that pay some cell of ``scenario``'s ``[payment]``, registry order."""
    from simulator.payment.registry import REGISTRY

    used = {code for service in SERVICE_NAMES for code in getattr(scenario.payment, service)}
    return [m.code for m in REGISTRY.of_valuation("points") if m.code in used]


def method_params(scenario: Any, code: str) -> Any:
    from simulator.payment.registry import method_params as params_of

    return params_of(scenario.payment, code)


def money(labels: Labels, yuan: float) -> str:
    """Yuan via :meth:`Labels.money`, rounded to the yuan (a pool's float dust reads 0), with a
    true minus sign."""
    return labels.money(float(np.round(yuan)) + 0.0).replace("-", "−")


def method_setting(scenario: Any, labels: Labels, code: str) -> str:
    """One points method's settings in words: mode, point value and, floating, pool basis and band."""
    p = method_params(scenario, code)
    if p.mode == "fixed":
        return f"{_t(labels, 'fixed')}, {_t(labels, 'point_value', value=p.point_value)}"
    if p.pool_basis == "history":
        pool = _t(labels, "pool_history", growth=p.pool_growth)
    elif p.pool_share is not None:
        pool = _t(labels, "pool_budget_share", share=p.pool_share)
    else:
        pool = _t(labels, "pool_budget")
    band = (_t(labels, "no_band") if p.point_value_band is None else
            _t(labels, "band", low=p.point_value_band[0], high=p.point_value_band[1]))
    words = [_t(labels, "floating"), _t(labels, "start_value", value=p.point_value), pool, band]
    if p.point_value_floor > 0:
        words.append(_t(labels, "floor", floor=p.point_value_floor))
    return ", ".join(words)


def setting_text(scenario: Any, labels: Labels) -> str:
    """The key-settings value of the points methods used (:func:`method_setting` each)."""
    parts = [f"{labels.method(c)}: {method_setting(scenario, labels, c)}" for c in methods_used(scenario)]
    return "; ".join(parts) or _t(labels, "none")


def has_band(params: Any) -> bool:
    """Whether the settlement point value floats within a band (else no floor / ceiling columns)."""
    return params.mode == "floating" and params.point_value_band is not None


def band_edges(frame: pd.DataFrame, code: str, params: Any) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``frame``, whether the settlement point value sits at the band's floor and at its
    ceiling (``point_value_band`` × budget point value; the floor at least ``point_value_floor``)."""
    value = frame[f"{code}_point_value"].to_numpy(float)
    budget = frame[f"{code}_budget_point_value"].to_numpy(float)
    low, high = params.point_value_band
    floor = np.maximum(low * budget, params.point_value_floor)
    ceiling = high * budget
    at_floor = (value <= floor) | np.isclose(value, floor, rtol=EDGE_RTOL, atol=0.0)
    at_ceiling = (value >= ceiling) | np.isclose(value, ceiling, rtol=EDGE_RTOL, atol=0.0)
    return at_floor, at_ceiling


def method_rows(results: "Results", code: str) -> pd.DataFrame:
    """One row per year of a points method's figures over worlds (see the module docstring);
    ``at_floor`` / ``at_ceiling`` only when the method floats within a band."""
    params = method_params(results.scenario, code)
    rows = []
    for year, frame in results.worlds.groupby("year", sort=True):
        value = frame[f"{code}_point_value"].to_numpy(float)
        budget = frame[f"{code}_budget_point_value"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(budget > 0, value / budget, np.nan)
        row = {"year": int(year), "value": value.mean(), "p05": np.quantile(value, 0.05),
               "p95": np.quantile(value, 0.95), "budget_value": budget.mean(), "ratio": np.nanmean(ratio),
               "deficit": frame[f"{code}_pool_deficit"].mean(), "pool": frame[f"{code}_pool"].mean(),
               "fund_payment": frame[f"{code}_fund_payment"].mean()}
        if has_band(params):
            at_floor, at_ceiling = band_edges(frame, code, params)
            row |= {"at_floor": at_floor.mean(), "at_ceiling": at_ceiling.mean()}
        rows.append(row)
    return pd.DataFrame(rows)


def method_table(results: "Results", labels: Labels, code: str) -> str:
    """One method's table: a row per year (:func:`method_rows`), money via :meth:`Labels.money`."""
    from simulator.outputs import world_columns

    columns = {c.name: c for c in world_columns()}
    table = method_rows(results, code)
    banded = "at_floor" in table
    heads = [_t(labels, "year"), _t(labels, "settled", name=labels.indicator(f"{code}_point_value")),
             _t(labels, "budget_value", name=columns[f"{code}_budget_point_value"].label(labels.lang)),
             _t(labels, "ratio"), *([_t(labels, "at_floor"), _t(labels, "at_ceiling")] if banded else []),
             *(columns[f"{code}_{k}"].label(labels.lang) for k in ("pool_deficit", "pool", "fund_payment"))]
    rows = []
    for r in table.itertuples():
        cells = [f"{number(r.value)} [{number(r.p05)}, {number(r.p95)}]", number(r.budget_value),
                 f"{r.ratio:.3f}", *([f"{r.at_floor:.1%}", f"{r.at_ceiling:.1%}"] if banded else []),
                 money(labels, r.deficit), money(labels, r.pool), money(labels, r.fund_payment)]
        rows.append(f"<tr><td>{r.year}</td>{''.join(f'<td class=num>{escape(c)}</td>' for c in cells)}</tr>")
    head = "".join(f"<th>{escape(h)}</th>" for h in heads)
    return f'<table class="points"><tr>{head}</tr>{"".join(rows)}</table>'


def margin_table(results: "Results", labels: Labels) -> str:
    """Each tier's mean margin per year (money), :data:`MARGIN_TIERS` order."""
    columns = [f"provider_margin_{t}" for t in MARGIN_TIERS]
    means = results.worlds.groupby("year", sort=True)[columns].mean()
    head = "".join(f"<th>{int(y)}</th>" for y in means.index)
    rows = []
    enabled = results.scenario.tiers.enabled
    for tier, column in zip(MARGIN_TIERS, columns):
        if not enabled[TIER_NAMES.index(tier)]:  # a disabled tier has no care and no margin
            continue
        cells = "".join(f"<td class=num>{escape(money(labels, v))}</td>" for v in means[column])
        rows.append(f"<tr><td>{escape(labels.tier(tier))}</td>{cells}</tr>")
    return (f"<table><tr><th>{escape(_t(labels, 'tier'))}</th>{head}</tr>{''.join(rows)}</table>"
            f"<p>{escape(_t(labels, 'margin_note'))}</p>")


def epidemic_sentence(results: "Results", labels: Labels) -> str:
    """The mean point value of each method used and the county hospital's margin in world-years with
    an epidemic shock, against the others; ``""`` without any."""
    worlds = results.worlds
    if "epidemic" not in worlds:
        return ""
    shock = worlds["epidemic"].to_numpy(bool)
    n = int(shock.sum())
    if n == 0:
        return ""
    margin = worlds["provider_margin_county"].to_numpy(float)
    codes = methods_used(results.scenario)
    join = "," if labels.zh else ", "
    if n == len(shock):
        values = join.join(_t(labels, "value_only", name=labels.indicator(f"{c}_point_value"),
                              value=number(worlds[f"{c}_point_value"].mean())) for c in codes)
        return _t(labels, "epidemic_all", n=f"{n:,}", values=values, margin=money(labels, margin.mean()))
    values = join.join(_t(labels, "value_clause", name=labels.indicator(f"{c}_point_value"),
                          value=number(worlds.loc[shock, f"{c}_point_value"].mean()),
                          other=number(worlds.loc[~shock, f"{c}_point_value"].mean())) for c in codes)
    return _t(labels, "epidemic", n=f"{n:,}", values=values, margin=money(labels, margin[shock].mean()),
              other=money(labels, margin[~shock].mean()))


def _method_heading(results: "Results", labels: Labels, code: str) -> str:
    return (f'<h3 id="points-{code}">{escape(labels.method(code))}</h3>'
            f"<p>{escape(method_setting(results.scenario, labels, code))}</p>")


def points_section(results: "Results", labels: Labels) -> str:
    """The section's HTML; ``""`` when the scenario uses no points method (or the worlds predate
    the points columns)."""
    codes = methods_used(results.scenario)
    needed = [f"{c}_{k}" for c in codes for k in ("point_value", "budget_point_value", "pool", "fund_payment",
                                                  "pool_deficit")] + [f"provider_margin_{t}" for t in MARGIN_TIERS]
    if not codes or any(column not in results.worlds for column in needed):
        return ""
    tables = "".join(_method_heading(results, labels, c) + method_table(results, labels, c) for c in codes)
    note = _t(labels, "points_note")
    if any(has_band(method_params(results.scenario, c)) for c in codes):
        note += ("" if labels.zh else " ") + _t(labels, "band_note")
    sentence = epidemic_sentence(results, labels)
    return (f'<h2 id="points">{escape(_t(labels, "title"))}</h2>{tables}<p>{escape(note)}</p>'
            f"<h3>{escape(_t(labels, 'margins'))}</h3>{margin_table(results, labels)}"
            + (f'<p class="epidemic">{escape(sentence)}</p>' if sentence else ""))
