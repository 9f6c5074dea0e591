"""The indicator table: one row per reported quantity (key, Chinese label, English label, unit, formula).

Every output (summary.json, worlds.parquet, report, compare) takes its keys and labels from here.
Definitions follow docs/outputs.md (contract): "visits" are outpatient visits including chronic-care
visits (门急诊人次); in-county = tiers 0-3; primary = tiers 0-2.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Indicator:
    key: str
    zh: str
    en: str
    unit: str
    formula: str
    #: ``pre``: known before settlement (an assessment may score it); ``post``: a settlement result
    stage: str = "pre"

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


INDICATORS: tuple[Indicator, ...] = (
    Indicator("enrolled", "参保人数", "Insured persons", "persons", "insured headcount of the year"),
    Indicator("episodes_outpatient", "门急诊人次", "Outpatient visits", "visits",
              "outpatient + chronic-care visits"),
    Indicator("episodes_inpatient", "住院人次", "Admissions", "admissions",
              "admissions; a referral is a new admission at the receiving tier"),
    Indicator("total_cost", "医疗总费用", "Total cost of care", "yuan", "Σ episode cost"),
    Indicator("fund_spending", "医保基金支出", "Fund spending", "yuan",
              "fund liability: Σ provider payments by the fund (FFS, DRG, per-diem, capitation)"),
    Indicator("oop_spending", "个人自付", "Out-of-pocket spending", "yuan", "Σ (cost − fund share of claims)"),
    Indicator("budget", "总额预算", "Global budget", "yuan", "budget of the year (income or history method)"),
    Indicator("balance", "结余(超支)", "Balance", "yuan", "budget − fund_spending"),
    Indicator("balance_rate", "结余率", "Balance rate", "share of budget", "balance / budget"),
    Indicator("retained_surplus", "结余留用", "Retained surplus", "yuan", "R of the settlement rules", stage="post"),
    Indicator("fund_shared_overspend", "合理超支分担(基金)", "Overspend shared by the fund", "yuan",
              "F of the settlement rules", stage="post"),
    Indicator("community_borne_overspend", "医共体承担超支", "Overspend borne by the community", "yuan",
              "L of the settlement rules", stage="post"),
    Indicator("withheld_unreleased", "未返还质量保证金", "Withhold not released", "yuan",
              "U = W − W·g(q)", stage="post"),
    Indicator("fund_payout", "基金实际拨付", "Fund payout", "yuan", "(S + R or B + F) − U", stage="post"),
    Indicator("community_net", "医共体净收益", "Community net settlement", "yuan", "fund_payout − fund_spending", stage="post"),
    Indicator("assessment_score", "考核得分", "Assessment score", "points", "weighted linear partial credit", stage="post"),
    Indicator("county_visit_share", "县域内就诊率", "In-county visit share", "share",
              "(in-county visits + in-county admissions) / (visits + admissions)"),
    Indicator("county_inpatient_share", "县域内住院人次占比", "In-county admission share", "share",
              "in-county admissions / admissions"),
    Indicator("primary_visit_share", "基层就诊率", "Primary-care visit share", "share",
              "primary visits / visits"),
    Indicator("county_fund_share", "县域内基金支出比例", "In-county fund share", "share",
              "fund spending at in-county tiers / fund spending"),
    Indicator("primary_fund_share", "基层医保基金占比", "Primary-care fund share", "share",
              "fund spending at primary tiers / fund spending at in-county tiers"),
    Indicator("effective_reimbursement_rate", "实际报销比", "Effective reimbursement rate", "share",
              "fund share of claims / total cost (before settlement)"),
    Indicator("cost_growth_rate", "医疗费用增长率", "Cost growth rate", "share",
              "total cost / previous year's total cost − 1 (year 1 against the base year)"),
    Indicator("cost_per_weighted_case", "每权重病例费用", "Fund cost per weighted admission", "yuan",
              "fund spending on admissions / Σ DRG weights of admissions"),
    Indicator("drg_point_value", "DRG点值", "DRG point value", "yuan per point",
              "settlement point value: fixed, or floating (pool − outlier payments + patient share of the "
              "points cases) / their points, within the band (docs/payments.md)"),
    Indicator("dip_point_value", "DIP分值点值", "DIP point value", "yuan per point",
              "settlement point value of DIP scores, as for DRG (docs/payments.md)"),
    Indicator("public_health_completion", "基本公卫任务完成率", "Public-health completion", "share",
              "share of the bundled public-health service package delivered (community.public_health)"),
)

BY_KEY: dict[str, Indicator] = {ind.key: ind for ind in INDICATORS}
KEYS: tuple[str, ...] = tuple(BY_KEY)
#: indicator keys an assessment may use: known before settlement
PRE_SETTLEMENT: tuple[str, ...] = tuple(ind.key for ind in INDICATORS if ind.stage == "pre")


def label(key: str, lang: str = "en") -> str:
    """Label of an indicator (or the key itself when it is not in the table)."""
    ind = BY_KEY.get(key)
    return ind.label(lang) if ind else key
