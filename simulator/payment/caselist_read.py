"""Reading a case list for ``mcsim points``: CSV, parquet or xlsx, every bad row listed by line.

The columns and their meaning are in :mod:`simulator.payment.caselist` (its module docstring);
their zh labels (:data:`CASE_LABELS`) are accepted as column names. UTF-8 CSV and parquet are
read through pyarrow; on any bad cell, a GBK file, a chosen encoding or an xlsx workbook the file
is read with :mod:`simulator.tabular`, which names every bad row by file line (CSV), row (parquet)
or sheet row (xlsx). Nothing of a file's contents is echoed beyond one offending cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulator.constants import N_TIERS, TIER_LABELS_ZH, TIER_NAMES
from simulator.errors import InputError, Problem, ProblemList, not_a_file

#: input columns -> (zh label, en label, further aliases...): headers may use any of them
CASE_LABELS: dict[str, tuple[str, ...]] = {
    "group": ("病组", "group", "病种", "病组编码", "病种编码"),
    "cost": ("总费用", "total cost (yuan)", "医疗总费用", "医疗费用总额", "费用"),
    "oop": ("个人负担", "patient's share (yuan)", "个人自付", "自付"),
    "weight": ("相对权重", "relative weight (DRG)", "权重"),
    "score": ("病种分值", "score (DIP)", "分值"),
    "tier": ("医疗机构层级", "tier", "层级"),
}

_TIER_CODES = {**{n: i for i, n in enumerate(TIER_NAMES)}, **{n: i for i, n in enumerate(TIER_LABELS_ZH)}}


@dataclass(frozen=True)
class CaseList:
    """A validated case list: one entry per case (float64 yuan, int64 codes; module docstring).

    ``tier`` is None without a tier column; ``weight`` / ``score`` None where absent. ``columns``
    holds the input columns as read (arrow or numpy arrays, file order) for the output file.
    """

    file: str
    group: np.ndarray
    cost: np.ndarray
    oop: np.ndarray
    weight: np.ndarray | None
    score: np.ndarray | None
    tier: np.ndarray | None
    columns: dict[str, Any]

    @property
    def n(self) -> int:
        return len(self.cost)




def read_cases(path: Path, method: str, *, sheet: str | None = None,
               encoding: str | None = None) -> CaseList:
    """Read and validate a case list (CSV, parquet or xlsx) for ``method`` ("drg" or "dip").

    UTF-8 CSV and parquet are read by arrow first; if anything is wrong the file is read again by
    :mod:`simulator.tabular`, which reports every bad row by file line (CSV, header = line 1),
    row (parquet) or sheet row (xlsx). ``sheet``: the workbook's sheet (name or 1-based number;
    default the first); ``encoding``: the CSV's codec (default: UTF-8 or GBK, detected).
    Raises :class:`InputError`.
    """
    from simulator import tabular
    from simulator.tables_io import XLSX_SUFFIXES, check_encoding

    path = Path(path)
    why = not_a_file(path)
    if why:
        raise InputError(Problem("CASES", f"case list {why}", file=str(path)), title="invalid case list")
    codec = check_encoding(encoding)
    problems = ProblemList(title="invalid case list")
    fast_ok = path.suffix.lower() not in XLSX_SUFFIXES + (".xls",) and sheet is None
    arrow = _read_arrow(path) if fast_ok and codec in (None, "utf-8") else None
    if arrow is not None:
        fast = _ArrowCells(arrow)
        cases = _parse(fast, method, str(path))
        if not fast.failed:
            return cases
    cells = _TableCells(tabular.read_table(path, key="CASES", what="case list", problems=problems,
                                           sheet=sheet, encoding=encoding, labels=CASE_LABELS), problems)
    cases = _parse(cells, method, str(path))
    problems.raise_if_any()
    return cases


def _parse(cells, method: str, file: str) -> CaseList | None:
    """Typed columns of a case list; bad cells go to ``cells.report`` (module docstring)."""
    required = ("group", "cost") + (("weight",) if method == "drg" else ())
    if cells.require(required):
        return None
    if cells.n_rows == 0:
        cells.report(None, None, lambda r: "no cases: the file has a header and no data rows")
        return None
    codes, names = cells.factorize("group")
    text = np.array([str(v).strip() if v is not None else "" for v in names] + [""], dtype=object)
    _, group = np.unique(text, return_inverse=True)  # " G1" and "G1" are one group
    cells.report("group", (text == "")[codes], lambda r: "the group is empty")
    cost = _numbers(cells, "cost", 0.0, ">= 0 yuan")
    oop = _numbers(cells, "oop", 0.0, ">= 0 yuan") if cells.has("oop") else np.zeros(cells.n_rows)
    cells.report("oop", oop > cost,
                 lambda r: f"the patient's share exceeds the cost ({oop[r]:g} > {cost[r]:g})")
    weight = _numbers(cells, "weight", None, "> 0") if method == "drg" else None
    score = _numbers(cells, "score", None, "> 0") if method == "dip" and cells.has("score") else None
    tier = _tiers(cells) if cells.has("tier") else None
    return CaseList(file, group[codes].astype(np.int64), cost, oop, weight, score, tier, cells.columns())


def _numbers(cells, column: str, least: float | None, wanted: str) -> np.ndarray:
    """A numeric column (float64, writable); ``least`` None: values must be > 0, else >= least."""
    values, bad = cells.numbers(column)
    cells.report(column, bad, lambda r: f"not a number (got {cells.shown(column, r)})")
    ok = np.isfinite(values) & ((values > 0) if least is None else (values >= least))
    cells.report(column, ~bad & ~ok,
                 lambda r: f"must be a finite number {wanted} (got {cells.shown(column, r)})")
    return values if values.flags.writeable else values.copy()


def _tiers(cells) -> np.ndarray:
    """Tier codes 0-5 from codes, names or zh labels; unknown tiers are reported."""
    codes, uniques = cells.factorize("tier")
    mapped = np.array([_tier_code(v) for v in uniques] + [-1], dtype=np.int64)[codes]
    cells.report("tier", mapped < 0, lambda r: f"unknown tier {cells.shown('tier', r)}",
                 hint="0-5 or one of " + ", ".join(TIER_NAMES))
    return np.maximum(mapped, 0)


def _tier_code(value: object) -> int:
    text = "" if value is None or isinstance(value, (bool, np.bool_)) else str(value).strip()
    if text in _TIER_CODES or text.lower() in _TIER_CODES:
        return _TIER_CODES.get(text, _TIER_CODES.get(text.lower(), -1))
    try:
        number = float(text)
    except ValueError:
        return -1
    return int(number) if number.is_integer() and 0 <= number < N_TIERS else -1


def _read_arrow(path: Path):
    """The file as an arrow table (CSV: every column as text), or None where arrow cannot read
    it; a None or any bad cell sends the file to the exact reader of :mod:`simulator.tabular`."""
    import csv

    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from simulator.tables_io import alias_header

    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            table = pq.read_table(path)
            names = alias_header(table.column_names, CASE_LABELS)
            table = table.rename_columns(names)
        else:
            data = path.read_bytes().removeprefix(b"\xef\xbb\xbf")
            first = data.split(b"\n", 1)[0].decode("utf-8")
            names = alias_header(next(csv.reader([first]), []), CASE_LABELS)
            table = pacsv.read_csv(
                pa.py_buffer(data), read_options=pacsv.ReadOptions(column_names=names, skip_rows=1),
                parse_options=pacsv.ParseOptions(newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                     strings_can_be_null=False))
    except (pa.ArrowException, OSError, ValueError, csv.Error):
        return None
    return table if names and len(set(names)) == len(names) else None


class _ArrowCells:
    """Typed views of an arrow table; any problem only sets ``failed`` (the exact reader reports)."""

    def __init__(self, table) -> None:
        self.table, self.failed = table, False
        self.n_rows = table.num_rows

    def has(self, column: str) -> bool:
        return column in self.table.column_names

    def require(self, columns) -> list[str]:
        missing = [c for c in columns if not self.has(c)]
        self.failed |= bool(missing)
        return missing

    def report(self, column, bad, message, hint=None) -> None:
        self.failed |= bad is None or bool(np.any(bad))

    def shown(self, column: str, row: int) -> str:
        return repr(self.table[column][row].as_py())

    def columns(self) -> dict[str, Any]:
        return {name: self.table[name] for name in self.table.column_names}

    def numbers(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        import pyarrow as pa
        import pyarrow.compute as pc

        col = self.table[column]
        try:
            if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
                col = pc.utf8_trim_whitespace(col)
            values = pc.cast(col, pa.float64()).to_numpy()
        except (pa.ArrowException, TypeError):
            self.failed = True
            values = np.full(self.n_rows, np.nan)
        return values, np.isnan(values)

    def factorize(self, column: str) -> tuple[np.ndarray, list]:
        """Codes into the distinct values (missing cells: code len(values))."""
        import pyarrow as pa
        import pyarrow.compute as pc

        col = self.table[column]
        if pa.types.is_dictionary(col.type):
            col = col.cast(col.type.value_type)
        encoded = col.combine_chunks().dictionary_encode()
        values = encoded.dictionary.to_pylist()
        codes = pc.fill_null(encoded.indices, len(values)).to_numpy(zero_copy_only=False)
        return codes.astype(np.int64), values


class _TableCells:
    """Typed views of a :class:`simulator.tabular.Table`; problems go to ``problems`` by line."""

    def __init__(self, table, problems: ProblemList) -> None:
        self.table, self.problems = table, problems
        self.n_rows = table.n_rows
        self.shown = table.shown
        self.numbers = table.numbers

    def has(self, column: str) -> bool:
        return column in self.table.columns

    def require(self, columns) -> list[str]:
        return self.table.require(self.problems, columns)

    def report(self, column, bad, message, hint=None) -> None:
        if bad is None:
            self.problems.items.append(self.table.problem(None, None, message(0)))
        else:
            self.table.report(self.problems, column, bad, message, hint)

    def columns(self) -> dict[str, Any]:
        return dict(self.table.columns)

    def factorize(self, column: str) -> tuple[np.ndarray, list]:
        import pandas as pd

        codes, uniques = pd.factorize(self.table.columns[column], use_na_sentinel=True)
        return np.where(codes < 0, len(uniques), codes).astype(np.int64), list(uniques)
