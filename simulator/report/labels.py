"""Chinese and English labels of the report: indicators, units, tiers, payment methods, words.

Indicator labels come from :mod:`simulator.indicators` (one table for every output), payment
method labels from the payment registry and tier, service and scheme labels from
:mod:`simulator.constants`; the few words a figure needs beyond
them (axis titles, legend entries) are in :data:`WORDS`, one (zh, en) pair per key, so a figure
never hard-codes text. Money is shown in 万元 (zh) or million yuan (en).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from simulator.constants import (
    SCHEME_LABELS_ZH,
    SCHEME_NAMES,
    SERVICE_LABELS_ZH,
    SERVICE_NAMES,
    TIER_LABELS_ZH,
    TIER_NAMES,
)
from simulator.indicators import BY_KEY

LANGS = ("zh", "en")

TIER_LABELS_EN: tuple[str, ...] = (
    "Village clinic", "Township centre", "Sub-centre", "County hospital",
    "Outside (agreement)", "Outside (other)",
)
SERVICE_LABELS_EN: tuple[str, ...] = ("Outpatient", "Inpatient", "Chronic care", "Long stay (per diem)")
SCHEME_LABELS_EN: tuple[str, ...] = ("Resident scheme", "Employee scheme")

#: indicator units (simulator.indicators) in Chinese
UNITS_ZH: dict[str, str] = {
    "persons": "人", "visits": "人次", "admissions": "人次", "yuan": "元", "share": "比例",
    "share of budget": "占预算比例", "points": "分", "yuan per point": "元/点",
}

#: words of figures and report beyond the indicator table: key -> (zh, en)
WORDS: dict[str, tuple[str, str]] = {
    "year": ("年份", "Year"),
    "median": ("中位数", "Median"),
    "band50": ("50%区间", "50% of worlds"),
    "band90": ("90%区间", "90% of worlds"),
    "worlds": ("模拟世界数", "Worlds"),
    "share_of_episodes": ("占比", "Share"),
    "visits": ("门急诊", "Visits"),
    "admissions": ("住院", "Admissions"),
    "in_county": ("县域内", "In county"),
    "out_of_county": ("县域外", "Out of county"),
    "referral_from": ("转出机构", "Referred from"),
    "referral_to": ("转入机构", "Referred to"),
    "referrals_per_world": ("转诊人次(每个世界平均)", "Referrals (mean per world)"),
    "tier_flows": ("就诊流向", "Where care is used"),
    "referrals": ("转诊流向", "Referrals"),
    "surplus_band": ("结余留用 {share:.0%}", "Surplus kept {share:.0%}"),
    "overspend_band": ("基金分担 {share:.0%}", "Fund shares {share:.0%}"),
    "min_rate": ("起算线", "Minimum rate"),
    "target": ("目标值", "Target"),
    "weight": ("权重", "weight"),
    "tolerance": ("容差区间", "Tolerance band"),
    "interval90": ("90%区间", "90% of worlds"),
    "mean": ("均值", "Mean"),
    "last_year": ("末年", "Last year"),
    "no_assessment": ("本情景未设置考核指标", "No assessment indicators in this scenario"),
    "settlement_split": ("{surplus}与超支分担", "{surplus} and overspend shares"),
    "settlement_zoom": ("结算调整(放大)", "Settlement steps (zoomed)"),
    "axis_not_zero": ("纵轴不从0开始", "y axis does not start at 0"),
    "waterfall": ("{year}年基金资金流(均值)", "Fund money in {year} (mean over worlds)"),
    "claims_total": ("医保基金支出", "Fund spending"),
    "primary": ("基层", "Primary"),
    "county": ("县级医院", "County hospital"),
    "outside": ("县外", "Outside"),
    "compare": ("方案比较: 相对于{base}的差异(90%区间)", "Difference from {base} (90% interval)"),
    "indicator": ("指标", "Indicator"),
    "period_first": ("首年", "First year"),
    "period_last": ("末年", "Last year"),
    "diff_note": ("Δ = 与{base}的差异 [90%区间]", "Δ = difference from {base} [90% interval]"),
    "paired": ("配对(同一随机世界)", "paired (common random numbers)"),
    "unpaired": ("非配对", "unpaired"),
    "variance_title": ("方差来源 — {year}年({n}个模拟世界)", "Where the variance comes from — {year} ({n} worlds)"),
    "share_of_variance": ("占方差比例 (%)", "Share of variance across worlds (%)"),
    "no_uncertainty": ("本情景未设置参数不确定性", "No parameter uncertainty in this scenario"),
}

#: the risk figures of :meth:`simulator.results.Results.risk`: key -> (zh, en)
RISK_NAMES: dict[str, tuple[str, str]] = {
    "prob_overspend": ("超支概率", "P(overspend)"),
    "overspend_var95": ("基金额外支出 VaR95", "Fund extra outlay VaR95"),
    "overspend_cvar95": ("基金额外支出 CVaR95", "Fund extra outlay CVaR95"),
    "prob_community_loss": ("医共体净亏损概率", "P(community net loss)"),
    "community_loss_var95": ("医共体净亏损 VaR95", "Community net loss VaR95"),
    "community_loss_cvar95": ("医共体净亏损 CVaR95", "Community net loss CVaR95"),
}


#: money indicators per case (shown in yuan, not in 万元 / million yuan)
PER_CASE_MONEY = frozenset({"cost_per_weighted_case"})


def number(value: float, *, signed: bool = False) -> str:
    """A number with a precision that suits its size (thousands separators, no exponent above 1e-3)."""
    if value != value:  # NaN
        return "–"
    sign = "+" if signed else ""
    size = abs(value)
    if size == 0:
        return f"{0:{sign}.0f}"
    if size >= 1000:
        return f"{value:{sign},.0f}"
    if size >= 10:
        return f"{value:{sign}.1f}"
    if size >= 1:
        return f"{value:{sign}.2f}"
    decimals = min(6, 2 - math.floor(math.log10(size)))  # three significant digits, no exponent
    return f"{value:{sign}.{decimals}f}"


@dataclass(frozen=True)
class Labels:
    """Labels in one language (``zh`` or ``en``)."""

    lang: str = "en"

    def __post_init__(self) -> None:
        if self.lang not in LANGS:
            raise ValueError(f"lang must be one of {LANGS}, got {self.lang!r}")

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    def word(self, key: str, **fmt: object) -> str:
        zh, en = WORDS[key]
        text = zh if self.zh else en
        return text.format(**fmt) if fmt else text

    def indicator(self, key: str) -> str:
        return BY_KEY[key].label(self.lang)

    def unit(self, key: str) -> str:
        """Display unit of an indicator (money in 万元 / million yuan, shares in %)."""
        unit = BY_KEY[key].unit
        if unit == "yuan" and key not in PER_CASE_MONEY:
            return self.money_unit
        if unit in ("share", "share of budget"):
            return "%"
        return UNITS_ZH.get(unit, unit) if self.zh else unit

    def axis(self, key: str) -> str:
        """Axis title of an indicator: ``label (unit)``."""
        return f"{self.indicator(key)} ({self.unit(key)})"

    @property
    def money_unit(self) -> str:
        return "万元" if self.zh else "million yuan"

    @property
    def money_scale(self) -> float:
        """Divide yuan by this to get :attr:`money_unit`."""
        return 1e4 if self.zh else 1e6

    def scale(self, key: str) -> float:
        """Divide values of indicator ``key`` by this for display in :meth:`unit`."""
        unit = BY_KEY[key].unit
        if unit == "yuan" and key not in PER_CASE_MONEY:
            return self.money_scale
        if unit in ("share", "share of budget"):
            return 0.01
        return 1.0

    def tier(self, tier: int | str) -> str:
        index = TIER_NAMES.index(tier) if isinstance(tier, str) else int(tier)
        return (TIER_LABELS_ZH if self.zh else TIER_LABELS_EN)[index]

    def service(self, service: int | str) -> str:
        index = SERVICE_NAMES.index(service) if isinstance(service, str) else int(service)
        return (SERVICE_LABELS_ZH if self.zh else SERVICE_LABELS_EN)[index]

    def scheme(self, scheme: int | str) -> str:
        index = SCHEME_NAMES.index(scheme) if isinstance(scheme, str) else int(scheme)
        return (SCHEME_LABELS_ZH if self.zh else SCHEME_LABELS_EN)[index]

    def risk(self, figure: str) -> str:
        """Name of a risk figure (:data:`RISK_NAMES`)."""
        zh, en = RISK_NAMES[figure]
        return zh if self.zh else en

    def method(self, method: str) -> str:
        """Label of a payment method (from the payment registry)."""
        from simulator.payment.registry import REGISTRY

        return REGISTRY.get(method).label("zh" if self.zh else "en")

    # ------------------------------------------------------------------ numbers as text
    def value(self, key: str, value: float, *, signed: bool = False) -> str:
        """A value of indicator ``key`` as text in its display unit (no unit suffix)."""
        return number(value / self.scale(key), signed=signed)

    def money(self, yuan: float) -> str:
        """Yuan as text with the money unit (``1,234.5 万元``)."""
        shown = number(yuan / self.money_scale)
        return f"{shown}{self.money_unit}" if self.zh else f"{shown} {self.money_unit}"

    def plus_minus(self, value: float, se: float, *, share: bool = False) -> str:
        """``value ± se`` without a unit: yuan in :attr:`money_unit` or, with ``share``, a share in %."""
        if share:
            return f"{_percent(value)} ± {_percent(se)}"
        return f"{number(value / self.money_scale)} ± {number(se / self.money_scale)}"


def _percent(share: float) -> str:
    """A share as a percentage number with one decimal (``0.2134`` -> ``21.3``); NaN as ``–``."""
    return "–" if share != share else f"{share * 100:.1f}"
