"""Claims import: read and check settlement records, and derive calibration targets from them.

The format is :mod:`simulator.claims_schema`: CSV (UTF-8, a BOM allowed, or GBK/GB18030,
detected or chosen with ``encoding``), parquet, or an xlsx workbook (first sheet, or ``sheet``);
the zh names of :data:`CLAIMS_LABELS` (个人编码, 险种 ...) are accepted as column names. Every
row is checked; a bad row is reported by its row number (1-based, data rows; for CSV also its
file line, the header being line 1; for xlsx its sheet row) and **excluded** — never used silently. Checks: missing required columns (an error for
the whole file), empty ``person_id``, unknown ``scheme`` / ``level`` / ``setting``, ``age`` not
an integer in 0–130, unparseable dates, discharge before admission, costs that are not numbers or
are negative, ``fund_paid`` or ``in_scope_cost`` above ``total_cost``, ``fund_paid + self_paid``
different from ``total_cost`` beyond rounding (0.015 yuan or 1e-6 relative), ``visits`` not an
integer >= 1, ``chronic_care`` not 0/1. A file with no valid row is an :class:`InputError`.

Targets (:func:`claims_targets`): each measure of :mod:`simulator.calibrate.measures` is a
ratio estimator over insured person-years (unit = person × calendar year of admission, and ×
``world`` for mcsim microdata) with a delta-method standard error. Claims hold only people
who used care: per-person rates need the insured headcount (``enrolled`` per year; the people
without a claim enter as zeros). Without it the distinct persons in the file are taken, which
overstates per-person rates unless the extract covers every insured person — a warning says so.
Targets carry no year: they are compared with the first simulated year.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, TextIO

import numpy as np
import pandas as pd

from simulator.calibrate import measures
from simulator.calibrate.targets import Target
from simulator.claims_schema import NAMES, REQUIRED
from simulator.constants import SCHEME_NAMES, TIER_NAMES
from simulator.errors import InputError, Problem, did_you_mean, not_a_file

SETTINGS = ("outpatient", "inpatient")
#: claims columns -> (zh label, en label, further zh aliases): headers may use any of them
CLAIMS_LABELS: dict[str, tuple[str, ...]] = {
    "person_id": ("个人编码", "person id", "人员编号"), "scheme": ("险种", "scheme", "险种类型"),
    "age": ("年龄", "age"), "level": ("医疗机构等级", "tier", "机构等级"),
    "setting": ("就诊类型", "setting", "医疗类别"), "admission_date": ("入院日期", "admission date", "就诊日期"),
    "discharge_date": ("出院日期", "discharge date"), "case_group": ("病组编码", "case group", "病组"),
    "total_cost": ("医疗费用总额", "total cost (yuan)", "总费用"),
    "in_scope_cost": ("政策范围内费用", "in-scope cost (yuan)"),
    "fund_paid": ("统筹基金支付", "fund paid (yuan)", "基金支付"), "self_paid": ("个人自付", "self paid (yuan)"),
    "visits": ("结算人次", "visits"), "chronic_care": ("两病门诊", "chronic care"),
    "world": ("模拟世界", "world"),
}
MONEY = ("total_cost", "in_scope_cost", "fund_paid", "self_paid")
ABS_TOL, REL_TOL = 0.015, 1e-6

DEFAULT_MEASURES: tuple[str, ...] = (
    "visits_per_person", "admissions_per_person", "primary_visit_share", "visit_share.county",
    "outside_admission_share", "cost_per_visit.township", "cost_per_visit.county",
    "cost_per_admission.township", "cost_per_admission.county", "cost_per_admission.outside",
    "effective_reimbursement.resident", "effective_reimbursement.employee",
)


@dataclass
class Claims:
    """Checked claims: the valid rows (typed) and the problems of the excluded ones."""

    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    file: str | None = None

    @property
    def excluded(self) -> int:
        return self.rows - len(self.frame)


def read_claims(source: str | Path | pd.DataFrame, *, file: str | None = None, sheet: str | None = None,
                encoding: str | None = None) -> Claims:
    """Read a claims CSV/xlsx/parquet file (or a frame) and check every row; see the module docstring."""
    if isinstance(source, pd.DataFrame):
        raw, lines, name = source.reset_index(drop=True), None, file
    else:
        path = Path(source)
        name = str(path)
        raw = _read(path, sheet, encoding)
        lines = raw.attrs.get("lines")
    csv = lines is not None
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        problems = [Problem(f"column {c}", "required column is missing", file=name, line=1 if csv else None,
                            hint=did_you_mean(c, [str(x) for x in raw.columns])
                            or f"required: {', '.join(REQUIRED)}") for c in missing]
        raise InputError(problems, title=f"invalid claims file {name or ''}".strip())
    if len(raw) == 0:
        raise InputError(Problem("", "the claims file has no rows", file=name), title="invalid claims file")
    bad = _check(raw)
    problems = [Problem(f"row {i + 1}" + (f", column {col}" if col else ""), msg, file=name,
                        line=lines[i] if csv else None) for i, col, msg in sorted(bad, key=lambda b: b[0])]
    keep = np.ones(len(raw), bool)
    keep[[i for i, _, _ in bad]] = False
    if not keep.any():
        raise InputError(problems[:20] + ([Problem("", f"... and {len(problems) - 20} more problems", file=name)]
                                          if len(problems) > 20 else [])
                         + [Problem("", "no valid row: nothing can be used", file=name)],
                         title=f"invalid claims file {name or ''}".strip())
    return Claims(frame=_typed(raw[keep]), problems=problems, rows=len(raw), file=name)


def _read(path: Path, sheet: str | None = None, encoding: str | None = None) -> pd.DataFrame:
    """The raw table: CSV cells as text, xlsx cells as typed (dates as yyyy-mm-dd), parquet as
    pandas reads it; ``attrs["lines"]``: the file line (sheet row) of each row, None for parquet."""
    import datetime

    from simulator.tables_io import alias_header, read_table

    why = not_a_file(path)
    if why:
        raise InputError(Problem("", f"claims file {why}", file=str(path)))
    if path.suffix.lower() == ".parquet":
        if sheet is not None:
            raise InputError(Problem("--sheet", f"only for an xlsx workbook, not {path.name}", file=str(path)),
                             title="invalid options")
        try:
            frame = pd.read_parquet(path)
        except (ValueError, OSError) as exc:  # pyarrow errors subclass these
            raise InputError(Problem("", f"cannot read the file: {exc}", file=str(path),
                                     hint="a claims file is CSV, xlsx or parquet")) from None
        frame.columns = alias_header([str(c) for c in frame.columns], CLAIMS_LABELS)
        frame.attrs["lines"] = None
        return frame
    frame = read_table(path, sheet=sheet, encoding=encoding, labels=CLAIMS_LABELS, what="claims")

    def day(value):  # an Excel date cell is a datetime at midnight
        if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat() if isinstance(value, datetime.date) else value

    lines = frame.attrs["lines"]
    for column in ("admission_date", "discharge_date"):
        if column in frame.columns and frame[column].dtype == object:
            frame[column] = frame[column].map(day)
    frame.attrs["lines"] = lines
    return frame


def _text(col: pd.Series) -> pd.Series:
    return col.astype(str).str.strip().where(col.notna(), "")


def _is_text(col: pd.Series) -> bool:
    return col.dtype == object or pd.api.types.is_string_dtype(col)


def _numbers(col: pd.Series) -> pd.Series:
    if _is_text(col):
        col = _text(col).replace("", np.nan)
    return pd.to_numeric(col, errors="coerce").astype(float)


def _dates(col: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(col):
        return col
    return pd.to_datetime(_text(col), format="%Y-%m-%d", errors="coerce")


def _check(raw: pd.DataFrame) -> list[tuple[int, str, str]]:
    """(row index, column, message) for every problem found."""
    out: list[tuple[int, str, str]] = []

    def flag(mask: Iterable[bool], column: str, message) -> None:
        for i in np.flatnonzero(np.asarray(mask, bool)):
            out.append((int(i), column, message(i) if callable(message) else message))

    pid = _text(raw["person_id"])
    flag(pid == "", "person_id", "empty person_id")
    for column, allowed in (("scheme", SCHEME_NAMES), ("level", TIER_NAMES), ("setting", SETTINGS)):
        values = _text(raw[column])
        flag(~values.isin(allowed), column,
             lambda i, v=values, a=allowed, c=column: f"unknown {c} {v.iloc[i]!r}; expected one of "
             f"{', '.join(a)}" + (f" ({did_you_mean(v.iloc[i], a)})" if did_you_mean(v.iloc[i], a) else ""))
    age = _numbers(raw["age"])
    flag(~(age.notna() & (age % 1 == 0) & (age >= 0) & (age <= 130)), "age",
         lambda i: f"age must be an integer 0-130, got {raw['age'].iloc[i]!r}")
    adm, dis = _dates(raw["admission_date"]), _dates(raw["discharge_date"])
    for column, parsed in (("admission_date", adm), ("discharge_date", dis)):
        flag(parsed.isna(), column, lambda i, c=column: f"unparseable date {raw[c].iloc[i]!r} (expected yyyy-mm-dd)")
    flag(adm.notna() & dis.notna() & (dis < adm), "discharge_date", "discharge before admission")
    money = {c: _numbers(raw[c]) for c in MONEY}
    for c, v in money.items():
        flag(v.isna() | ~np.isfinite(v.fillna(0.0)), c, lambda i, c=c: f"{c} is not a number: {raw[c].iloc[i]!r}")
        flag(v < 0, c, lambda i, c=c, v=v: f"negative {c} ({v.iloc[i]:g})")
    total = money["total_cost"]
    tol = np.maximum(ABS_TOL, REL_TOL * total.abs().fillna(0.0))
    flag(money["fund_paid"] > total + tol, "fund_paid",
         lambda i: f"fund_paid {money['fund_paid'].iloc[i]:g} exceeds total_cost {total.iloc[i]:g}")
    flag(money["in_scope_cost"] > total + tol, "in_scope_cost",
         lambda i: f"in_scope_cost {money['in_scope_cost'].iloc[i]:g} exceeds total_cost {total.iloc[i]:g}")
    gap = (money["fund_paid"] + money["self_paid"] - total).abs()
    flag(gap > tol, "self_paid",
         lambda i: f"fund_paid + self_paid = {money['fund_paid'].iloc[i] + money['self_paid'].iloc[i]:g} "
                   f"differs from total_cost {total.iloc[i]:g}")
    if "visits" in raw.columns:
        text = _text(raw["visits"]) if _is_text(raw["visits"]) else None
        visits = _numbers(raw["visits"])
        empty = (text == "") if text is not None else raw["visits"].isna()
        flag(~empty & ~(visits.notna() & (visits % 1 == 0) & (visits >= 1)), "visits",
             lambda i: f"visits must be an integer >= 1, got {raw['visits'].iloc[i]!r}")
    if "chronic_care" in raw.columns:
        text = _text(raw["chronic_care"]) if _is_text(raw["chronic_care"]) else None
        flags = _numbers(raw["chronic_care"])
        empty = (text == "") if text is not None else raw["chronic_care"].isna()
        flag(~empty & ~flags.isin([0, 1]), "chronic_care",
             lambda i: f"chronic_care must be 0 or 1, got {raw['chronic_care'].iloc[i]!r}")
    return out


def _typed(raw: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame({
        "person_id": _text(raw["person_id"]).to_numpy(),
        "scheme": _text(raw["scheme"]).to_numpy(),
        "age": _numbers(raw["age"]).astype(np.int64).to_numpy(),
        "level": _text(raw["level"]).to_numpy(),
        "setting": _text(raw["setting"]).to_numpy(),
        "admission_date": _dates(raw["admission_date"]).to_numpy(),
        "discharge_date": _dates(raw["discharge_date"]).to_numpy(),
        **{c: _numbers(raw[c]).astype(float).to_numpy() for c in MONEY},
    })
    for column, default in (("visits", 1), ("chronic_care", 0), ("world", 0)):
        values = _numbers(raw[column]) if column in raw.columns else pd.Series(default, index=raw.index)
        out[column] = values.fillna(default).astype(np.int64).to_numpy()
    if "case_group" in raw.columns:
        out["case_group"] = _text(raw["case_group"]).to_numpy()
    return out[[c for c in NAMES if c in out.columns]]


def print_problems(claims: Claims, stream: TextIO | None = None, limit: int = 50) -> None:
    """Print the excluded rows' problems (at most ``limit``, then counts by column) to stderr."""
    stream = stream or sys.stderr
    if not claims.problems:
        return
    print(f"warning: {claims.excluded} of {claims.rows} claim rows excluded "
          f"({len(claims.problems)} problems):", file=stream)
    for p in claims.problems[:limit]:
        print(f"  - {p}", file=stream)
    if len(claims.problems) > limit:
        counts = pd.Series([p.path.partition("column ")[2] or "row" for p in claims.problems[limit:]]).value_counts()
        print(f"  ... and {len(claims.problems) - limit} more: "
              + ", ".join(f"{k} {v}" for k, v in counts.items()), file=stream)


# ---------------------------------------------------------------------------------------------
# Targets from claims
# ---------------------------------------------------------------------------------------------

def claims_tally(frame: pd.DataFrame) -> measures.Tally:
    """Tally of checked claims; units are person-years (× world)."""
    year = pd.DatetimeIndex(frame["admission_date"]).year.to_numpy()
    world = frame["world"].to_numpy() if "world" in frame.columns else np.zeros(len(frame), np.int64)
    keys = pd.MultiIndex.from_arrays([world, frame["person_id"].to_numpy(), year])
    unit, uniques = pd.factorize(keys)
    inpatient = frame["setting"].to_numpy() == "inpatient"
    chronic = frame["chronic_care"].to_numpy() == 1
    kind = np.where(inpatient, 2, np.where(chronic, 1, 0))
    days = (pd.DatetimeIndex(frame["discharge_date"]) - pd.DatetimeIndex(frame["admission_date"])).days.to_numpy()
    episodes = np.where(inpatient, 1.0, frame["visits"].to_numpy(float))
    q = np.column_stack([episodes, frame["total_cost"].to_numpy(float), frame["in_scope_cost"].to_numpy(float),
                         frame["fund_paid"].to_numpy(float), frame["self_paid"].to_numpy(float),
                         np.where(inpatient, np.maximum(days, 1), 0).astype(float)])
    tier = pd.Categorical(frame["level"], categories=TIER_NAMES).codes.astype(np.int64)
    scheme = pd.Categorical(frame["scheme"], categories=SCHEME_NAMES).codes.astype(np.int64)
    return measures.Tally(unit=unit.astype(np.int64), tier=tier, kind=kind, scheme=scheme, q=q,
                          persons=np.ones(len(uniques)))


def claims_targets(claims: Claims | pd.DataFrame, *, enrolled: int | None = None,
                   measure_keys: Iterable[str] | None = None,
                   warn: TextIO | None = None, quiet: bool = False) -> tuple[list[Target], pd.DataFrame]:
    """Targets (value, delta-method se) of ``measure_keys`` from checked claims.

    Parameters
    ----------
    enrolled : insured persons per calendar year (per world for microdata); default the distinct
        persons in the claims (then per-person rates are per user; a warning is printed).
    measure_keys : measures to derive (default :data:`DEFAULT_MEASURES`); ones the claims cannot
        measure (no episodes there, fewer than 2 units) are skipped and listed in the table.

    Returns the targets and a table (key, value, se, units, note).
    """
    frame = claims.frame if isinstance(claims, Claims) else claims
    name = claims.file if isinstance(claims, Claims) else None
    tally = claims_tally(frame)
    years = pd.DatetimeIndex(frame["admission_date"]).year
    periods = len(pd.MultiIndex.from_arrays([frame["world"].to_numpy() if "world" in frame.columns
                                             else np.zeros(len(frame), np.int64), years]).unique())
    extra = 0.0
    if enrolled is not None:
        extra = float(enrolled) * periods - tally.n_units
        if extra < 0:
            raise InputError(Problem("--enrolled", f"{enrolled:,} insured per year is fewer than the "
                                     f"{tally.n_units:,} distinct person-years in the claims "
                                     f"({periods} year(s))", file=name))
    keys = tuple(measure_keys) if measure_keys is not None else DEFAULT_MEASURES
    per_person = [k for k in keys if measures.KEYS[k][0].den.quantity == "persons"]
    if enrolled is None and per_person and not quiet:
        print(f"warning: no --enrolled given: per-person measures ({', '.join(per_person)}) divide by the "
              f"{tally.n_units:,} persons with a claim, not all insured", file=warn or sys.stderr)
    targets, rows = [], []
    for key in keys:
        value, se, n = tally.ratio(key, extra)
        note = ""
        if not np.isfinite(value) or not np.isfinite(se):
            note = "skipped: not measurable in these claims"
        else:
            se = max(se, 1e-6 * abs(value), 1e-12)
            targets.append(Target(key, value, se, None, f"claims {Path(name).name if name else ''}".strip()))
        rows.append({"key": key, "value": value, "se": se, "units": n, "note": note})
    return targets, pd.DataFrame(rows)
