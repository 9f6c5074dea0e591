"""``report.html``: one self-contained page (inline CSS, figures as base64 PNG data URIs, no scripts,
no links), readable offline and shareable as a single file.

Sections: identity (scenario, seed, mcsim version, scenario hash), key settings, a plain-language
reading (:mod:`.narrative`), every indicator in year 1 and the last year (mean and the range of 90%
of worlds), the risk block with standard errors (:mod:`.precision`), where the variance comes from
(:mod:`.variance`, with parameter uncertainty only), the figures of the fund's money and settlement
(:data:`MONEY_FIGURES`, the fund waterfall last), points and providers next to them (:mod:`.points`,
when a points method pays some cells), then the other figures (care and assessment).
"""

from __future__ import annotations

import base64
import math
from html import escape
from typing import TYPE_CHECKING, Any

from simulator._version import __version__
from simulator.indicators import INDICATORS
from simulator.report.labels import Labels

if TYPE_CHECKING:
    from simulator.results import Results

#: page words: key -> (zh, en)
TEXT: dict[str, tuple[str, str]] = {
    "title": ("医共体医保总额付费模拟报告", "Global-budget simulation report"),
    "scenario": ("情景", "Scenario"), "seed": ("随机种子", "Seed"), "version": ("mcsim 版本", "mcsim version"),
    "hash": ("情景哈希", "Scenario hash"), "settings": ("主要设置", "Key settings"),
    "population": ("参保人口规模", "Population size"), "from_file": ("来自文件", "from file"),
    "years": ("模拟年份", "Years"), "replications": ("模拟世界数", "Replications (worlds)"),
    "budget_method": ("预算方法", "Budget method"), "rules": ("结算规则", "Settlement rules"),
    "points": ("点数法付费(住院)", "Points payment (inpatient)"),
    "outside_charged": ("县外费用计入总额", "Out-of-county spending charged"),
    "reasonable": ("合理超支认定", "Reasonable overspend"), "carry_over": ("结余结转次年", "Surplus carried over"),
    "reading": ("结果解读", "What the results say"), "indicators": ("指标汇总", "Indicators"),
    "indicator": ("指标", "Indicator"), "unit": ("单位", "Unit"), "key": ("代码", "Key"),
    "mean_range": ("{year}年 均值 [90%区间]", "{year}: mean [90% of worlds]"),
    "risk": ("风险", "Risk"),
    "figures_money": ("图表:基金与结算", "Figures: fund and settlement"),
    "figures_care": ("图表:就医与考核", "Figures: care and assessment"),
    "yes": ("是", "yes"), "no": ("否", "no"),
    "withhold": ("质量保证金", "withhold"), "surplus": ("结余留用", "surplus kept"),
    "overspend": ("基金分担超支", "overspend paid by fund"),
    "income": ("以收定支", "income (以收定支)"), "history": ("历史支出", "history"),
    "fixed": ("固定点值", "fixed"), "floating": ("浮动点值(点数法)", "floating (点数法)"),
    "all": ("全部超支", "all overspend"), "exogenous": ("仅外生冲击(疫情)", "exogenous shocks only"),
    "assessment": ("考核规则", "Assessment"),
    "assessment_indicators": ("考核指标(权重)", "Assessment indicators (weight)"),
    "linear": ("按得分比例", "linear (score / full score)"),
    "pass_fail": ("达到及格分全额、否则为零", "pass/fail"),
    "linear_above_pass": ("及格分以上按比例", "linear above the pass score"),
    "full_score": ("满分", "full score"), "pass_score": ("及格分", "pass score"),
    "applies_to": ("作用于", "applies to"), "applies_none": ("不作用于结算", "no settlement part"),
    "tolerance": ("容差", "tolerance"), "weight": ("权重", "weight"),
    "no_indicators": ("无(得分按满分计)", "none (the score is the full score)"),
    "from_rules_file": ("来自结算规则文件", "from the rules file"),
}

CAPTIONS: dict[str, tuple[str, str]] = {
    "fan_chart": ("各年结余、预算与基金支出、结算结果:中位数及50%/90%模拟世界区间。",
                  "Balance, budget vs fund spending, and settlement over the years: median with the "
                  "bands holding 50% and 90% of worlds."),
    "balance_rate_histogram": ("首年结余率分布及结算分段(绿色:结余留用比例;红色:基金分担比例)。",
                               "Year-1 balance rate across worlds over the settlement bands (green: share "
                               "of a surplus kept; red: share of an overspend the fund pays)."),
    "fund_waterfall": ("首年基金资金流:预算、按机构层级与支付方式的基金支出、结算调整与实际拨付。",
                       "Year-1 fund money: budget, claims by tier and payment method, settlement "
                       "adjustments and the fund payout."),
    "tier_flows": ("首年就诊与住院在各级机构的分布,及转诊流向。",
                   "Where visits and admissions go by tier in year 1, and referral flows."),
    "assessment_targets": ("考核指标与目标:均值及90%区间,黄色为部分得分区间。",
                           "Assessment indicators against targets: mean and 90% range; yellow is the "
                           "partial-credit band."),
    "variance_shares": ("末年各指标方差中每个不确定参数单独解释的比例(±1个标准误),灰色为交互作用与过程噪声。",
                        "Share of each indicator's last-year variance explained by each uncertain "
                        "parameter alone (±1 standard error); grey: interactions and process noise."),
}

#: figures of the fund's money and settlement, shown before the points section; the rest after it
MONEY_FIGURES: tuple[str, ...] = ("fan_chart", "balance_rate_histogram", "fund_waterfall")

CSS = """
body{font-family:"Noto Sans CJK SC","Source Han Sans SC","WenQuanYi Micro Hei","PingFang SC",
"Microsoft YaHei","Helvetica Neue",Arial,sans-serif;margin:2em auto;max-width:1150px;color:#222;
line-height:1.5;padding:0 1em}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:2px solid #2c7fb8;padding-bottom:.2em;
margin-top:1.6em}
table{border-collapse:collapse;font-size:.9em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#eef4fa}td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code{font-size:.9em;color:#555}figure{margin:1.2em 0}img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#444}ul.reading li,ul.precision li{margin:.3em 0}
.meta td:first-child{font-weight:bold}h3{font-size:1.05em;margin:1em 0 .3em}table.risk th{text-align:center}
"""


def _t(labels: Labels, key: str, **fmt: Any) -> str:
    zh, en = TEXT[key]
    return (zh if labels.zh else en).format(**fmt)


def _rows(pairs: list[tuple[str, str]]) -> str:
    return "".join(f"<tr><td>{escape(a)}</td><td>{escape(b)}</td></tr>" for a, b in pairs)


def _bands(bands: Any, attr: str) -> str:
    parts, lower = [], 0.0
    for band in bands:
        upper = "∞" if math.isinf(band.upto) else f"{band.upto:.0%}"
        parts.append(f"{lower:.0%}–{upper}: {getattr(band, attr):.0%}")
        lower = band.upto
    return "; ".join(parts)


def _indicator_text(indicator: Any, labels: Labels) -> str:
    """``县域内就诊率 ≥ 90.0% (容差 10.0%), 权重 30``: one assessment indicator."""
    def amount(value: float) -> str:
        unit = labels.unit(indicator.key)
        return f"{labels.value(indicator.key, value)}{'' if unit == '%' else ' '}{unit}"

    sign = "≥" if indicator.direction == "at_least" else "≤"
    return (f"{labels.indicator(indicator.key)} {sign} {amount(indicator.target)} "
            f"({_t(labels, 'tolerance')} {amount(indicator.tolerance)}), "
            f"{_t(labels, 'weight')} {indicator.weight:g}")


def assessment_rows(rules: Any, indicators: list[Any], labels: Labels,
                    from_rules_file: bool = False) -> list[tuple[str, str]]:
    """The resolved assessment: mode, scores and parts scaled; the indicators with weights."""
    a = rules.assessment
    parts = ", ".join(_t(labels, part) for part in a.applies_to) or _t(labels, "applies_none")
    mode = _t(labels, a.mode) if a.mode in TEXT else a.mode
    listed = "; ".join(_indicator_text(ind, labels) for ind in indicators) or _t(labels, "no_indicators")
    if indicators and from_rules_file:
        listed += f" ({_t(labels, 'from_rules_file')})"
    return [
        (_t(labels, "assessment"), f"{mode} ({a.mode}); {_t(labels, 'full_score')} {a.full_score:g}, "
                                   f"{_t(labels, 'pass_score')} {a.pass_score:g}; "
                                   f"{_t(labels, 'applies_to')}: {parts}"),
        (_t(labels, "assessment_indicators"), listed),
    ]


def settings_rows(results: "Results", labels: Labels) -> list[tuple[str, str]]:
    """The key-settings table: (setting, value) pairs."""
    from simulator.report.design import limit_rows
    from simulator.report.money import settlement_rules
    from simulator.report.points import setting_text as points_setting
    from simulator.settlement.resolve import indicators_origin

    s = results.scenario
    rules, indicators = settlement_rules(results)
    yes_no = {True: _t(labels, "yes"), False: _t(labels, "no")}
    n_worlds = int(results.worlds["world"].nunique())
    years = sorted(int(y) for y in results.worlds["year"].unique())
    size = f"{s.population.size:,}" if s.population.source == "synthetic" else \
        f"{_t(labels, 'from_file')}: {s.population.file}"
    return [
        (_t(labels, "population"), size),
        (_t(labels, "years"), f"{years[0]}–{years[-1]} ({len(years)})"),
        (_t(labels, "replications"), f"{n_worlds:,}"),
        (_t(labels, "budget_method"), _t(labels, s.budget.method) if s.budget.method in TEXT else s.budget.method),
        (_t(labels, "rules"), f"{rules.name} — {_t(labels, 'withhold')} {rules.withhold_rate:.0%}; "
                              f"{_t(labels, 'surplus')} [{_bands(rules.surplus.bands, 'retain')}]; "
                              f"{_t(labels, 'overspend')} [{_bands(rules.overspend.bands, 'fund_share')}]"),
        *assessment_rows(rules, indicators, labels, from_rules_file=indicators_origin(s) == "rules"),
        (_t(labels, "points"), points_setting(s, labels)),
        *limit_rows(results, labels),
        (_t(labels, "outside_charged"), yes_no[bool(s.budget.outside_charged)]),
        (_t(labels, "reasonable"), _t(labels, s.settlement.reasonable)),
        (_t(labels, "carry_over"), yes_no[bool(s.settlement.carry_over)]),
    ]


def indicator_table(results: "Results", labels: Labels) -> str:
    """Every indicator: label, key, unit, year-1 and last-year mean with the 90% range of worlds."""
    summary = results.summary().set_index(["indicator", "year"])
    years = sorted(int(y) for y in results.worlds["year"].unique())
    shown = sorted({years[0], years[-1]})
    head = "".join(f"<th>{escape(_t(labels, 'mean_range', year=y))}</th>" for y in shown)
    rows = []
    for ind in INDICATORS:
        cells = []
        for year in shown:
            r = summary.loc[(ind.key, year)]
            cells.append(f"<td class=num>{labels.value(ind.key, r['mean'])} "
                         f"[{labels.value(ind.key, r['p05'])}, {labels.value(ind.key, r['p95'])}]</td>")
        rows.append(f"<tr><td>{escape(labels.indicator(ind.key))}</td><td><code>{ind.key}</code></td>"
                    f"<td>{escape(labels.unit(ind.key))}</td>{''.join(cells)}</tr>")
    return (f"<table><tr><th>{_t(labels, 'indicator')}</th><th>{_t(labels, 'key')}</th>"
            f"<th>{_t(labels, 'unit')}</th>{head}</tr>{''.join(rows)}</table>")


def figure_blocks(figures: dict[str, bytes], labels: Labels) -> dict[str, str]:
    """Figure name -> ``<figure>`` with the PNG embedded as a data URI and its caption."""
    blocks = {}
    for name, data in figures.items():
        caption = CAPTIONS.get(name, (name, name))[0 if labels.zh else 1]
        uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        blocks[name] = (f'<figure id="fig-{escape(name)}"><img src="{uri}" alt="{escape(caption)}">'
                        f"<figcaption>{escape(caption)}</figcaption></figure>")
    return blocks


def render_html(results: "Results", figures: dict[str, bytes], lang: str) -> str:
    """The whole page as text; ``figures`` maps figure names to PNG bytes (embedded in order;
    ``variance_shares`` in its own section)."""
    from simulator.report.design import design_table
    from simulator.report.explain import explain_section
    from simulator.report.narrative import reading
    from simulator.report.points import points_section
    from simulator.report.precision import risk_section
    from simulator.report.community import community_section
    from simulator.report.region import region_section
    from simulator.report.variance import variance_section

    labels = Labels(lang)
    s = results.scenario.scenario
    meta = [(_t(labels, "scenario"), s.name), (_t(labels, "seed"), str(results.seed)),
            (_t(labels, "version"), __version__), (_t(labels, "hash"), results.scenario_hash)]
    items = "".join(f"<li>{escape(line)}</li>" for line in reading(results, lang))
    blocks = figure_blocks(figures, labels)
    variance = variance_section(results, labels, blocks.pop("variance_shares", ""))
    money = "".join(block for name, block in blocks.items() if name in MONEY_FIGURES)
    care = "".join(block for name, block in blocks.items() if name not in MONEY_FIGURES)
    title = f"{_t(labels, 'title')} — {s.name}"
    return "\n".join([
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if labels.zh else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(s.description)}</p>" if getattr(s, "description", "") else "",
        f'<table class="meta">{_rows(meta)}</table>',
        f"<h2>{_t(labels, 'settings')}</h2><table>{_rows(settings_rows(results, labels))}</table>"
        + design_table(results, labels),
        f'<h2>{_t(labels, "reading")}</h2><ul class="reading">{items}</ul>',
        f"<h2>{_t(labels, 'indicators')}</h2>{indicator_table(results, labels)}",
        f"<h2>{_t(labels, 'risk')}</h2>{risk_section(results, labels)}",
        region_section(results, labels),
        variance,
        f"<h2>{_t(labels, 'figures_money')}</h2>{money}" if money else "",
        points_section(results, labels),
        community_section(results, labels),
        explain_section(results, labels),
        f"<h2>{_t(labels, 'figures_care')}</h2>{care}" if care else "",
        "</body></html>",
    ]) + "\n"
