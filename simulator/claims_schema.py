"""The claims format: one settlement record per row, modelled on the national 医保结算清单.

Used by mcsim's own microdata (``output.microdata_fraction``) and read by ``mcsim calibrate
--claims``. CSV or parquet; one schema, defined here only.

A row settles one visit or one admission. mcsim's simulated outpatient care is priced per
person-year and tier, so its microdata write one row per person, year, tier and service
with ``visits`` > 1 where several visits were settled together; real extracts leave
``visits`` at 1 (or omit the column).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str          # "int", "float", "str", "date"
    required: bool
    meaning: str


CLAIMS_COLUMNS: tuple[Column, ...] = (
    Column("person_id", "str", True, "insured person identifier (个人编码)"),
    Column("scheme", "str", True, "insurance scheme: resident (城乡居民) | employee (职工)"),
    Column("age", "int", True, "age in years at admission / visit"),
    Column("level", "str", True, "tier of the institution: village | township | subcenter | county | "
                                 "outside_agreement | outside_other (医疗机构等级/县域内外)"),
    Column("setting", "str", True, "outpatient (门诊, incl. 两病 chronic care) | inpatient (住院)"),
    Column("admission_date", "date", True, "admission or visit date (入院日期/就诊日期), ISO yyyy-mm-dd"),
    Column("discharge_date", "date", True, "discharge date (出院日期); = admission_date for visits"),
    Column("case_group", "str", False, "DRG/DIP case group code of an admission (病组编码); empty for visits"),
    Column("total_cost", "float", True, "total medical cost (医疗费用总额), yuan"),
    Column("in_scope_cost", "float", True, "cost within the policy scope (政策范围内费用), yuan"),
    Column("fund_paid", "float", True, "fund payment (统筹基金支付), yuan"),
    Column("self_paid", "float", True, "patient payment (个人自付), yuan"),
    Column("visits", "int", False, "visits settled by the row (default 1)"),
    Column("chronic_care", "int", False, "1 for 两病 chronic-care visits (门诊慢特病), else 0"),
    Column("world", "int", False, "simulated world (mcsim microdata only)"),
)

REQUIRED = tuple(c.name for c in CLAIMS_COLUMNS if c.required)
NAMES = tuple(c.name for c in CLAIMS_COLUMNS)
