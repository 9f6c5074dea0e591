"""A reference of every scenario key, generated from the schema: ``docs/scenario-keys.md``.

    python -m simulator.scenario.reference > docs/scenario-keys.md

One row per key of :class:`~simulator.scenario.schema.Scenario` (tables recurse; arrays of tables
are written ``key[]``): its type, unit, default (or *required*), allowed values (bounds, choices,
list lengths) and Chinese term. Everything but the Chinese terms and units comes from the
pydantic models and their constraints, so the page cannot drift from the schema (a test
regenerates it and compares). Units come from the field types' own limits ("yuan", "km", ...),
from the description, or from :data:`UNITS`; Chinese terms from the description's Chinese words
or from :data:`TERMS`.
"""

from __future__ import annotations

import math
import re
import sys
import types
import typing
from typing import Any, Iterator, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from simulator.constants import N_TIERS

#: Chinese terms of keys (and tables) whose description has none; a key inherits its table's
#: term when it has neither
TERMS: dict[str, str] = {
    "scenario": "情景", "scenario.name": "情景名称", "scenario.start_year": "起始年份",
    "scenario.years": "模拟年数", "scenario.replications": "模拟次数(世界数)", "scenario.seed": "随机种子",
    "population": "参保人群", "population.size": "参保人数", "population.growth_rate": "参保人数年增长率",
    "population.age_bands": "年龄组", "population.age_shares": "年龄构成",
    "population.scheme_shares": "参保险种构成(城乡居民/职工)", "population.hypertension_prevalence": "高血压患病率",
    "population.diabetes_prevalence": "糖尿病患病率", "population.villages": "行政村数",
    "population.townships": "乡镇数", "population.distance_township_km": "到乡镇卫生院距离",
    "population.distance_county_km": "到县城距离", "population.distance_outside_km": "到县外医院距离",
    "casemix": "病组(病例组合)", "tiers": "医疗机构层级", "tiers.enabled": "层级启用",
    "tiers.capability": "收治能力(最高病情严重度)", "tiers.beds": "床位数", "tiers.quality": "医疗质量评分",
    "tiers.cost_multiplier_outpatient": "门诊费用系数", "tiers.cost_multiplier_inpatient": "住院费用系数",
    "tiers.los_multiplier": "住院日系数", "tiers.cost_cv": "费用变异系数",
    "demand": "就医需求", "demand.outpatient": "门诊", "demand.inpatient": "住院",
    "demand.chronic": "两病门诊", "choice": "就医选择(多项Logit)", "referral": "双向转诊",
    "referral.upward_in_county": "县域内优先上转", "referral.agreement_share": "转往县外协议医院比例",
    "referral.reserved_share": "预留号源/床位比例", "referral.down_referral_share": "下转康复比例",
    "benefits": "医保待遇", "benefits.resident": "城乡居民医保", "benefits.employee": "职工医保",
    "payment": "支付方式", "budget": "总额预算", "budget.method": "预算方法(以收定支/历史基数)",
    "budget.per_capita_financing": "人均筹资", "budget.community_share": "医共体分配比例",
    "budget.growth": "预算增长率", "budget.ratchet": "按实际支出调整基数", "budget.tcm_tilt": "中医倾斜",
    "settlement": "年终清算", "settlement.rules": "清算规则", "settlement.carry_over": "结余结转",
    "settlement.reasonable": "合理超支认定", "settlement.withhold_rate": "质量保证金比例",
    "settlement.surplus": "结余留用", "settlement.overspend": "合理超支分担", "settlement.assessment": "考核",
    "dynamics": "年度动态", "dynamics.cost_inflation": "费用上涨率", "dynamics.utilisation_trend": "利用率趋势",
    "dynamics.casemix_drift": "病例组合指数漂移", "dynamics.epidemic": "疫情冲击",
    "dynamics.investment_share": "结余投入比例", "output": "输出", "output.lang": "报告语言",
    "output.microdata_fraction": "微观数据抽样比例", "uncertainty": "参数不确定性",
}

#: units of keys whose type and description do not say
UNITS: dict[str, str] = {
    "scenario.start_year": "year", "scenario.years": "years",
    "population.ageing_shift": "share per year", "population.villages": "villages",
    "population.townships": "townships", "tiers.beds": "beds", "tiers.capability": "severity 0–4",
    "demand.chronic.visits_per_patient": "visits per patient-year",
}

#: units by a key's last name, wherever it appears (both choice tables)
UNITS_BY_NAME: dict[str, str] = {
    "asc": "utility", "b_oop_per_1000": "utility per 1,000 yuan", "b_distance_per_10km": "utility per 10 km",
    "b_quality": "utility per quality point", "b_signed_primary": "utility", "b_capable": "utility",
}

_CJK = re.compile(r"[\u3400-\u9fff]+")
_UNIT_WORDS = (("yuan per insured person-year", "yuan per person-year"), ("yuan", "yuan"),
               ("bed-days per bed-year", "bed-days per bed-year"), ("per person-year", "per person-year"),
               ("km", "km"), ("insured persons", "persons"), ("worlds", "worlds"), ("beds", "beds"))


def rows(model: type[BaseModel] | None = None, prefix: str = "") -> Iterator[dict[str, str]]:
    """One dict per key (``key``, ``type``, ``unit``, ``default``, ``allowed``, ``zh``,
    ``description``), tables first-to-last as declared, nested tables recursed."""
    from simulator.scenario.schema import Scenario

    model = model or Scenario
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        ann = info.annotation
        nested = _model_of(ann)
        if nested is not None and not _is_list(ann):
            yield _row(key, info, table=True)
            yield from rows(nested, key + ".")
            continue
        inner = _list_item(ann)
        if inner is not None and _model_of(inner) is not None:
            yield _row(key, info, table=True, array=True)
            yield from rows(_model_of(inner), key + "[].")
            continue
        yield _row(key, info)


def _row(key: str, info: FieldInfo, *, table: bool = False, array: bool = False) -> dict[str, str]:
    description = " ".join((info.description or "").split())
    bare = re.sub(r"\[\]", "", key)
    zh = TERMS.get(bare) or ", ".join(dict.fromkeys(_CJK.findall(description))) or ""
    if table:
        kind = "array of tables" if array else "table"
        return {"key": key, "type": kind, "unit": "", "default": _default(info, table=True),
                "allowed": "", "zh": zh, "description": description or _doc_line(info.annotation)}
    return {"key": key, "type": _type_name(info.annotation), "unit": _unit(bare, info, description),
            "default": _default(info), "allowed": _allowed(info), "zh": zh, "description": description}


def _doc_line(ann: Any) -> str:
    model = _model_of(ann)
    doc = (model.__doc__ or "") if model is not None else ""
    first = doc.strip().split("\n\n")[0]
    return " ".join(first.split())


def _args(ann: Any) -> tuple[Any, ...]:
    return typing.get_args(ann)


def _strip(ann: Any) -> Any:
    """``ann`` without ``Annotated`` and ``| None``."""
    while typing.get_origin(ann) is typing.Annotated:
        ann = _args(ann)[0]
    if _is_union(ann):
        rest = [a for a in _args(ann) if a is not type(None)]
        if len(rest) == 1:
            return _strip(rest[0])
    return ann


def _is_union(ann: Any) -> bool:
    return typing.get_origin(ann) in (typing.Union, types.UnionType)


def _is_list(ann: Any) -> bool:
    return typing.get_origin(_strip(ann)) is list


def _list_item(ann: Any) -> Any:
    ann = _strip(ann)
    return _args(ann)[0] if typing.get_origin(ann) is list else None


def _model_of(ann: Any) -> type[BaseModel] | None:
    ann = _strip(ann)
    return ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def _type_name(ann: Any) -> str:
    optional = _is_union(ann) and type(None) in _args(ann)
    ann0 = _strip(ann)
    origin = typing.get_origin(ann0)
    if origin is Literal:
        name = "string"
    elif origin is list:
        item = _strip(_args(ann0)[0])
        name = f"list of {_type_name(item)}" if typing.get_origin(item) is not Literal else "list of strings"
        name = name.replace("list of list of", "list of lists of")
    elif origin is dict:
        name = "table"
    elif _is_union(ann0):
        name = " or ".join(_type_name(a) for a in _args(ann0) if a is not type(None))
    else:
        name = {bool: "boolean", int: "integer", float: "number", str: "string"}.get(ann0, str(ann0))
    return f"{name} (optional)" if optional else name


def _constraints(ann: Any, metadata: list[Any]) -> list[Any]:
    """Constraint and validator objects of ``ann`` (nested Annotated included) and the field's."""
    out = list(metadata)
    while True:
        if typing.get_origin(ann) is typing.Annotated:
            out += list(ann.__metadata__)
            ann = _args(ann)[0]
        elif _is_union(ann) and type(None) in _args(ann) and len(_args(ann)) == 2:
            ann = next(a for a in _args(ann) if a is not type(None))
        else:
            break
    expanded = []
    for c in out:  # Field(ge=..) inside Annotated: its constraints are in its own metadata
        expanded += list(c.metadata) if isinstance(c, FieldInfo) else [c]
    return expanded


def _bounds(items: list[Any]) -> str:
    low = high = None
    low_strict = high_strict = False
    for c in items:
        for attr, strict in (("ge", False), ("gt", True)):
            if getattr(c, attr, None) is not None:
                low, low_strict = getattr(c, attr), strict
        for attr, strict in (("le", False), ("lt", True)):
            if getattr(c, attr, None) is not None:
                high, high_strict = getattr(c, attr), strict
        limit = _at_most(c)
        if limit is not None:
            high, high_strict = limit, False
            if _closure(c).get("magnitude") and _closure(c)["magnitude"].cell_contents:
                low, low_strict = -limit, False
        if getattr(getattr(c, "func", None), "__name__", "") == "_above_minus_one":
            low, low_strict = -1, True
    if low is None and high is None:
        return ""
    if high is None:
        return f"{'>' if low_strict else '≥'} {_num(low)}"
    if low is None:
        return f"{'<' if high_strict else '≤'} {_num(high)}"
    return f"{'(' if low_strict else '['}{_num(low)}, {_num(high)}{')' if high_strict else ']'}"


def _closure(validator: Any) -> dict[str, Any]:
    """The closure cells of a validator's function by name (those :func:`at_most` makes)."""
    func = getattr(validator, "func", None)
    code = getattr(func, "__code__", None)
    return dict(zip(getattr(code, "co_freevars", ()), getattr(func, "__closure__", None) or ()))


def _at_most(validator: Any) -> float | None:
    """The limit of a :func:`simulator.scenario.fields.at_most` validator (its closure's ``limit``)."""
    cells = _closure(validator)
    if "limit" in cells and "why" in cells:
        return float(cells["limit"].cell_contents)
    return None


def _why(items: list[Any]) -> str:
    for c in items:
        cells = _closure(c)
        if "why" in cells:
            return str(cells["why"].cell_contents)
    return ""


def _num(value: float) -> str:
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if value >= 2**62:  # the seed's limit
        return "2**63 − 1"
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}".replace(",", "_") if abs(value) >= 10_000 else f"{int(value)}"
    return f"{value:g}"


def _allowed(info: FieldInfo) -> str:
    ann = info.annotation
    core = _strip(ann)
    if typing.get_origin(core) is Literal:
        return ", ".join(f'"{v}"' if isinstance(v, str) else str(v) for v in _args(core))
    parts = []
    items = _constraints(ann, info.metadata)
    if typing.get_origin(core) is list:
        item = _args(core)[0]
        if typing.get_origin(_strip(item)) is Literal:
            parts.append("each " + ", ".join(f'"{v}"' for v in _args(_strip(item))))
        else:
            bound = _bounds(_constraints(item, []))
            if bound:
                parts.append(f"each {bound}")
        if _per_tier(items):
            parts.append(f"{N_TIERS} values, one per tier")
        for c in items:
            if getattr(c, "min_length", None):
                parts.append(f"at least {c.min_length} value{'s' if c.min_length > 1 else ''}")
    else:
        bound = _bounds(items)
        if bound:
            parts.append(bound)
        for c in items:
            if getattr(c, "min_length", None):
                parts.append("not empty")
    return "; ".join(parts)


def _per_tier(items: list[Any]) -> bool:
    for c in items:
        func = getattr(c, "func", None)
        if func is not None and getattr(func, "__qualname__", "").startswith("_per_tier"):
            return True
    return False


def _unit(key: str, info: FieldInfo, description: str) -> str:
    if key in UNITS:
        return UNITS[key]
    if key.split(".")[-1] in UNITS_BY_NAME:
        return UNITS_BY_NAME[key.split(".")[-1]]
    ann = info.annotation
    core = _strip(ann)
    items = _constraints(ann, info.metadata)
    if typing.get_origin(core) is list:
        items = _constraints(_args(core)[0], [])
    why = _why(items)
    for word, unit in _UNIT_WORDS:
        if why.startswith(" " + word):
            return unit
    if key.endswith("_km") or "km" in key.split(".")[-1]:
        return "km"
    if "(+1,000% a year)" in why or key.endswith(("growth_rate", "_trend", "_inflation", "_drift")):
        return "per year (relative)"
    low, high = _share_bounds(core, items)
    if low == 0 and high == 1 and core is not bool:
        return "share 0–1"
    text = description.lower()
    for word, unit in (("yuan", "yuan"), ("per person-year", "per person-year"), ("km", "km")):
        if word in text:
            return unit
    return ""


def _share_bounds(core: Any, items: list[Any]) -> tuple[Any, Any]:
    low = high = None
    for c in items:
        low = getattr(c, "ge", low)
        high = getattr(c, "le", high)
    return low, high


def _default(info: FieldInfo, table: bool = False) -> str:
    if info.is_required():
        return "*required*"
    if info.default_factory is not None:
        value = info.default_factory()
    else:
        value = info.default
    if value is PydanticUndefined:
        return "*required*"
    if table:
        return "*defaults*" if value is not None else "none"
    if value is None:
        return "none"
    if isinstance(value, BaseModel):
        return "*defaults*"
    return _toml(value)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + "}"
    return f"{value:g}" if isinstance(value, float) else str(value)


HEADER = """# Scenario keys

Every key a scenario file may hold, generated from the schema (`simulator/scenario/schema.py`)
by `python -m simulator.scenario.reference > docs/scenario-keys.md`; a test regenerates it, so it
is always the schema's. Unknown keys are errors (with a did-you-mean). `--set KEY=VALUE` takes
these dotted keys (an element of a list: `tiers.enabled[2]`).

Conventions: money in yuan (元); rates per person per year; shares in [0, 1]. Lists of six
values follow the tier order `[village, township, subcenter, county, outside_agreement,
outside_other]` (村卫生室, 乡镇卫生院, 县域医疗次中心, 县级医院, 县外协议医院, 其他县外医院); lists by age
follow `population.age_bands`. `key[]` marks an array of tables (`[[uncertainty.param]]`).
*required*: the scenario must set it; *defaults*: a table whose keys all have defaults.
The settlement parts (`settlement.surplus`, `.overspend`, `.assessment`) take the keys of a rules
file: see `docs/settlement.md`.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown() -> str:
    """The whole page (``docs/scenario-keys.md``)."""
    out = [HEADER]
    table = None
    columns = ("key", "type", "unit", "default", "allowed", "zh", "description")
    heads = ("key", "type", "unit", "default", "allowed values", "中文", "meaning")
    for row in rows():
        top = row["key"].split(".")[0]
        if top != table:
            table = top
            out.append(f"\n## [{top}]\n")
            out.append("| " + " | ".join(heads) + " |")
            out.append("|" + "|".join("---" for _ in heads) + "|")
        cells = [f"`{row['key']}`"] + [_cell(row[c]) for c in columns[1:]]
        out.append("| " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main() -> None:
    sys.stdout.write(markdown())


if __name__ == "__main__":
    main()
