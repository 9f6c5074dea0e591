"""The one schema of a run's tables: every column of worlds, flows and referrals, declared once.

``worlds.parquet`` (one row per world × year), ``flows.parquet`` (world × year × tier × service
× scheme) and ``referrals.parquet`` (world × year × from-tier × to-tier, non-zero cells) are
written by :mod:`simulator.results` and by batch workers from these lists, the report labels
their columns from them, and ``docs/outputs.md`` is generated from them (:func:`markdown`).

Each :class:`Column` has a name, a dtype, a unit, zh and en labels and a stage: ``key`` (it
identifies the row), ``pre`` (known before settlement: care, payment and budget) or ``post``
(a result of the year-end settlement). Indicator columns take all of these from the indicator
table (:mod:`simulator.indicators`); points-method columns are one set per points method of the
payment registry (``<code>_point_value``, ``<code>_pool``, ``<code>_fund_payment``).
"""

from __future__ import annotations

from dataclasses import dataclass

from simulator.indicators import INDICATORS
from simulator.payment.registry import REGISTRY


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str    # int64 | float64 | bool | category
    unit: str
    zh: str
    en: str
    stage: str    # key | pre | post

    def label(self, lang: str = "en") -> str:
        return self.zh if lang == "zh" else self.en


_WORLD_KEYS = (
    Column("world", "int64", "index", "模拟世界", "World", "key"),
    Column("year", "int64", "year", "年份", "Year", "key"),
)

#: quantities of flows.parquet, in the engine's order (its last axis)
FLOW_QUANTITIES: tuple[Column, ...] = (
    Column("episodes", "float64", "visits or admissions", "人次", "Episodes", "pre"),
    Column("cost", "float64", "yuan", "医疗费用", "Cost of care", "pre"),
    Column("fund", "float64", "yuan", "基金应付(待遇政策)", "Fund share of claims", "pre"),
    Column("oop", "float64", "yuan", "个人自付", "Out of pocket", "pre"),
    Column("days", "float64", "bed-days", "床日", "Bed-days", "pre"),
    Column("payment", "float64", "yuan", "基金支付(支付方式)", "Fund payment to the provider", "pre"),
    Column("weight", "float64", "relative weight", "DRG权重合计", "DRG weights of admissions (sum)", "pre"),
)

FLOW_COLUMNS: tuple[Column, ...] = (
    *_WORLD_KEYS,
    Column("tier", "category", "tier", "机构层级", "Tier", "key"),
    Column("service", "category", "service", "服务类型", "Service", "key"),
    Column("scheme", "category", "scheme", "参保类型", "Scheme", "key"),
    *FLOW_QUANTITIES,
)

REFERRAL_COLUMNS: tuple[Column, ...] = (
    *_WORLD_KEYS,
    Column("from_tier", "category", "tier", "转出机构", "Referred from", "key"),
    Column("to_tier", "category", "tier", "转入机构", "Referred to", "key"),
    Column("count", "float64", "transfers", "转诊人次", "Transfers", "pre"),
)


def _points_columns() -> tuple[Column, ...]:
    """Pool, fund payment, budget point value and pool deficit of each points method (its
    settlement point value is an indicator), then their deficits' total."""
    out = []
    for method in REGISTRY.of_valuation("points"):
        out += [Column(f"{method.code}_pool", "float64", "yuan", f"{method.zh}基金池",
                       f"{method.en} fund pool", "pre"),
                Column(f"{method.code}_fund_payment", "float64", "yuan", f"{method.zh}基金支付",
                       f"{method.en} fund payment", "pre"),
                Column(f"{method.code}_budget_point_value", "float64", "yuan per point", f"{method.zh}预算点值",
                       f"{method.en} budget point value", "pre"),
                Column(f"{method.code}_pool_deficit", "float64", "yuan", f"{method.zh}基金池缺口(基金兜底)",
                       f"{method.en} pool deficit paid by the fund", "pre")]
    out.append(Column("points_pool_deficit", "float64", "yuan", "点数法基金池缺口合计",
                      "Points pools' deficit paid by the fund", "pre"))
    return tuple(out)


def _margin_columns() -> tuple[Column, ...]:
    """Provider margin per tier: fund payment + patient OOP − cost (yuan)."""
    from simulator.constants import TIER_LABELS_ZH, TIER_NAMES

    return tuple(Column(f"provider_margin_{name}", "float64", "yuan", f"{zh}结余(支付−成本)",
                        f"Provider margin: {name}", "pre") for name, zh in zip(TIER_NAMES, TIER_LABELS_ZH))


def extra_world_columns() -> tuple[Column, ...]:
    """Settlement and payment quantities of worlds.parquet beside the indicators (float64)."""
    return (
        Column("score_factor", "float64", "share", "考核系数", "Assessment factor g(q)", "post"),
        *_points_columns(),
        *_margin_columns(),
        Column("fund_outside", "float64", "yuan", "县外基金支出", "Fund payment out of county", "pre"),
        Column("reasonable_overspend", "float64", "yuan", "合理超支", "Reasonable overspend (Rz)", "pre"),
        *_community_columns(),
    )


#: member types of the community's internal distribution (医共体内部分配) and their tiers
MEMBER_TYPES: tuple[tuple[str, str, str, tuple[int, ...]], ...] = (
    ("county_hospital", "县级医院", "County hospital", (3,)),
    ("township", "乡镇卫生院(含次中心)", "Township centres", (1, 2)),
    ("village", "村卫生室", "Village clinics", (0,)),
)


def _community_columns() -> tuple[Column, ...]:
    """The money inside the community (issue 17): member types' part of the net settlement,
    bundled public-health money, the schemes' own accounts and the monthly cash position."""
    members = tuple(Column(f"community_net_{key}", "float64", "yuan", f"{zh}分得净收益", f"Net settlement: {en}",
                           "post") for key, zh, en, _ in MEMBER_TYPES)
    schemes = tuple(c for scheme, zh in (("resident", "城乡居民"), ("employee", "职工"))
                    for c in (Column(f"balance_{scheme}", "float64", "yuan", f"{zh}结余(超支)",
                                     f"Balance: {scheme} fund", "pre"),
                              Column(f"community_net_{scheme}", "float64", "yuan", f"{zh}医共体净收益",
                                     f"Community net: {scheme} fund", "post")))
    return (*members,
            Column("public_health_funding", "float64", "yuan", "打包基本公卫资金", "Bundled public-health funding", "pre"),
            Column("public_health_spending", "float64", "yuan", "基本公卫支出", "Public-health spending", "pre"),
            *schemes,
            Column("cash_low_point", "float64", "yuan", "月度现金最低点", "Lowest monthly cash position", "pre"),
            Column("cash_short_months", "float64", "months", "现金短缺月数", "Months short of cash", "pre"))


def world_columns(params: tuple[str, ...] = ()) -> tuple[Column, ...]:
    """Every column of worlds.parquet, in file order; ``params``: the scenario's uncertain keys
    (``[[uncertainty.param]]``), one ``param.<key>`` column each: the world's draw."""
    indicators = tuple(Column(i.key, "float64", i.unit, i.zh, i.en, i.stage) for i in INDICATORS)
    drawn = tuple(Column(f"{PARAM_PREFIX}{key}", "float64", "value drawn (scale = true: multiplier)",
                         f"参数抽样: {key}", f"Drawn: {key}", "pre") for key in params)
    return (*_WORLD_KEYS, *indicators, *extra_world_columns(),
            Column("epidemic", "bool", "flag", "疫情冲击", "Epidemic shock that year", "pre"), *drawn)


#: prefix of the worlds' parameter-draw columns (``param.dynamics.cost_inflation``)
PARAM_PREFIX = "param."


#: risk figures (simulator.risk): overspend of the fund's budget, then the community's net loss
RISK_FIGURES: tuple[str, ...] = ("prob_overspend", "overspend_var95", "overspend_cvar95",
                                 "prob_community_loss", "community_loss_var95", "community_loss_cvar95")
#: the risk block of summary.json, one value per year each: the first release's three figures,
#: their Monte Carlo standard errors, then the community's figures and theirs
RISK_KEYS: tuple[str, ...] = (*RISK_FIGURES[:3], *(f"{k}_se" for k in RISK_FIGURES[:3]),
                              *RISK_FIGURES[3:], *(f"{k}_se" for k in RISK_FIGURES[3:]))
#: indicators whose variance summary.json splits over the uncertain parameters (variance_shares)
VARIANCE_INDICATORS: tuple[str, ...] = ("balance_rate", "fund_spending", "community_net", "county_visit_share")


def markdown() -> str:
    """The schema as Markdown (docs/outputs.md): summary.json's keys, then one table per file."""
    from simulator.indicators import KEYS

    parts = ["# Outputs of `mcsim run`\n",
             "Generated from `simulator/outputs.py` (`python -m simulator.outputs > docs/outputs.md`); "
             "do not edit by hand: a test checks it against the code.\n",
             "\n## summary.json\n",
             "```\n{\"mcsim_version\", \"scenario\": {\"name\", \"hash\", \"seed\", \"replications\", "
             "\"years\", \"start_year\"},\n \"runtime\": {\"seconds\", \"episodes\", "
             "\"episodes_per_second\", \"threads\"},\n \"indicators\": {KEY: [{\"year\", \"mean\", "
             "\"sd\", \"p05\", \"p50\", \"p95\"}, ... one per year]},\n \"risk\": {"
             + ", ".join(f'\"{k}\": [per year]' for k in RISK_KEYS) + "},\n"
             " \"uncertainty\": {\"params\": [{\"key\", \"distribution\", \"factor\"}], \"factors\": [...]},"
             "  # with [uncertainty]\n"
             " \"variance_shares\": {KEY: [{\"year\", \"shares\": {FACTOR: share}, \"se\": {FACTOR: se}}]},"
             "  # with [uncertainty]\n"
             " \"target_se\": {\"targets\", \"achieved\", \"met\", \"worlds\", \"ceiling\", \"chunk\"}}"
             "  # with --target-se\n```\n",
             "Risk figures: overspend = max(0, fund_payout − budget) and community loss = "
             "max(0, −community_net), yuan; `*_se` are Monte Carlo standard errors (docs/model.md, "
             "\"Uncertainty\"). Variance shares cover "
             + ", ".join(f"`{k}`" for k in VARIANCE_INDICATORS) + "; FACTOR is a param's key or its "
             "group, and `interactions and process noise` is the remainder.\n",
             "Indicator keys (units and formulas: `simulator/indicators.py`): "
             + ", ".join(f"`{k}`" for k in KEYS) + ".\n"]
    for title, columns in (("worlds.parquet", world_columns(("<key>",))), ("flows.parquet", FLOW_COLUMNS),
                           ("referrals.parquet", REFERRAL_COLUMNS)):
        parts.append(f"\n## {title}\n\n| column | dtype | unit | 中文 | English | stage |\n|---|---|---|---|---|---|")
        parts += [f"| `{c.name}` | {c.dtype} | {c.unit} | {c.zh} | {c.en} | {c.stage} |" for c in columns]
    return "\n".join(parts) + "\n"


if __name__ == "__main__":
    print(markdown(), end="")
