"""Reading users' tables (CSV, xlsx or parquet) and reporting bad cells by file, column and row.

Case-mix tables and population files share one reader so that every problem reads the same way:
``people.csv:12: column sex: expected 0 or 1 (got '2')`` for CSV (the line number counts the
header as line 1), ``people.parquet: row 11, column sex: ...`` for parquet (rows numbered from 1),
``people.xlsx:12: ...`` for xlsx (the sheet's row number). CSV text is UTF-8 (a BOM is allowed) or
GBK/GB18030, detected or chosen (:func:`simulator.tables_io.decode`); column names may be the zh/en
labels of the keys where the caller has a label table (:func:`simulator.tables_io.alias_header`).
Readers never stop at the first bad cell: they collect problems in a :class:`ProblemList` and the
caller raises them together. A check that fails on many rows reports the first
:data:`MAX_ROWS_REPORTED` and one summary line with the count of the rest.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np

from simulator.errors import InputError, Problem, ProblemList, did_you_mean, not_a_file

#: Rows reported individually per check and column before a one-line summary of the rest.
MAX_ROWS_REPORTED = 20

_TRUE = {"1", "1.0", "true", "yes"}
_FALSE = {"0", "0.0", "false", "no"}


@dataclass(frozen=True)
class Table:
    """Raw columns of one table (strings for CSV, arrow-converted values for parquet).

    Parameters
    ----------
    file : name of the file shown in problems.
    header : column names in file order.
    columns : column name -> raw values, one per row (object or numeric array).
    lines : 1-based physical line of each row for CSV (header = line 1), the sheet row for xlsx;
        None for parquet.
    encoding : the codec a CSV was read with (``utf-8``, ``gb18030`` ...); None otherwise.
    """

    file: str
    header: tuple[str, ...]
    columns: dict[str, np.ndarray]
    lines: np.ndarray | None
    ragged: bool = False         # some rows did not match the header: not a table to quote from
    encoding: str | None = None

    @property
    def n_rows(self) -> int:
        return len(self.lines) if self.lines is not None else (
            len(next(iter(self.columns.values()))) if self.columns else 0)

    def problem(self, row: int | None, column: str | None, message: str,
                hint: str | None = None) -> Problem:
        """A problem at data row ``row`` (0-based) of ``column``; either may be None."""
        parts = []
        line = None
        if row is not None:
            if self.lines is not None:
                line = int(self.lines[row])
            else:
                parts.append(f"row {row + 1}")
        if column is not None:
            parts.append(f"column {column}")
        if row is None and self.lines is not None:
            line = 1  # a column- or table-wide problem points at the header
        return Problem(", ".join(parts), message, file=self.file, line=line, hint=hint)

    def report(self, problems: ProblemList, column: str, bad: np.ndarray,
               message: Callable[[int], str], hint: str | None = None) -> None:
        """Add one problem per row where ``bad`` is true (capped), built by ``message(row)``."""
        rows = np.flatnonzero(bad)
        for row in rows[:MAX_ROWS_REPORTED]:
            problems.items.append(self.problem(int(row), column, message(int(row)), hint))
        if len(rows) > MAX_ROWS_REPORTED:
            rest = len(rows) - MAX_ROWS_REPORTED
            problems.items.append(self.problem(
                None, column, f"{rest} more row{'s' if rest != 1 else ''} with the same kind of problem"))

    def require(self, problems: ProblemList, required: Sequence[str]) -> list[str]:
        """Report the ``required`` columns the table lacks (one problem); return them."""
        missing = [c for c in required if c not in self.columns]
        if missing:
            spare = [h for h in self.header if h not in required]
            close = [did_you_mean(c, spare) for c in missing]
            hint = "; ".join(f"{c}: {h}" for c, h in zip(missing, close) if h)
            problems.items.append(self.problem(
                None, None, f"missing column{'s' if len(missing) > 1 else ''}: {', '.join(missing)}",
                hint=(hint + "; " if hint else "") + self.found()))
        return missing

    def found(self) -> str:
        """``columns found: a, b, c`` — only for a file whose rows fit its header (a table), each
        name cut to 40 characters: an error never echoes more of a file that is not a table."""
        if self.ragged:
            return "the file does not read as a table (its rows do not match its first line)"
        return "columns found: " + ", ".join(_cut(h) for h in self.header)

    def shown(self, column: str, row: int) -> str:
        """The raw value of a cell, as text for messages."""
        value = self.columns[column][row]
        if isinstance(value, np.generic):
            value = value.item()
        if value is None or value == "" or (isinstance(value, float) and np.isnan(value)):
            return "empty"
        return repr(_cut(str(value))) if isinstance(value, str) else repr(value)

    # -- typed views of a column: (values, bad mask); callers report the bad rows -------------

    def numbers(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Column as float64; non-numeric, empty or NaN cells are bad (NaN in ``values``)."""
        raw = self.columns[column]
        if raw.dtype.kind in "biuf":
            values = raw.astype(np.float64)
        else:
            try:  # fast path: every cell is a number
                values = raw.astype(np.float64)
            except (TypeError, ValueError):
                values = np.array([_to_float(v) for v in raw], dtype=np.float64)
        return values, np.isnan(values)

    def flags(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """Column as bool from 0/1 (or true/false); anything else is bad."""
        raw = self.columns[column]
        if raw.dtype.kind == "b":
            return raw.astype(bool), np.zeros(len(raw), dtype=bool)
        if raw.dtype.kind in "iuf":
            values = raw.astype(np.float64)
            return values == 1.0, ~((values == 0.0) | (values == 1.0))
        index, uniques = _factorize(raw)
        text = [_text(v) for v in uniques]
        true = np.array([t in _TRUE for t in text] + [False], dtype=bool)
        bad = np.array([t not in _TRUE and t not in _FALSE for t in text] + [True], dtype=bool)
        return true[index], bad[index]

    def flag_columns(self, problems: ProblemList, columns: Sequence[str], out: dict) -> None:
        """Read each present 0/1 column of ``columns`` into ``out``, reporting bad cells."""
        for column in columns:
            if column in self.columns:
                flags, bad = self.flags(column)
                self.report(problems, column, bad,
                            lambda r, c=column: f"must be 0 or 1 (got {self.shown(c, r)})")
                out[column] = flags

    def codes(self, column: str, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """Column as int64 codes: a label from ``labels`` or its 0-based index; else bad (-1)."""
        raw = self.columns[column]
        n = len(labels)
        if raw.dtype.kind in "iuf":
            values = raw.astype(np.float64)
            ok = (values == np.round(values)) & (values >= 0) & (values < n)
            return np.where(ok, values, -1).astype(np.int64), ~ok
        lookup = {label: i for i, label in enumerate(labels)}
        index, uniques = _factorize(raw)
        mapped = np.full(len(uniques) + 1, -1, dtype=np.int64)  # last entry: missing cells
        for j, v in enumerate(uniques):
            text = str(v).strip()
            number = _to_float(text)
            if text in lookup:
                mapped[j] = lookup[text]
            elif np.isfinite(number) and number == round(number) and 0 <= number < n:
                mapped[j] = int(number)
        out = mapped[index]
        return out, out < 0


def _cut(text: str, width: int = 40) -> str:
    """At most ``width`` characters of a cell or name (longer ones end in …)."""
    return text if len(text) <= width else text[:width - 1] + "…"


def _factorize(raw: np.ndarray) -> tuple[np.ndarray, list]:
    """Codes of each cell into its distinct values; missing cells (None) get code len(uniques)."""
    import pandas as pd

    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    uniques = list(uniques)
    return np.where(codes < 0, len(uniques), codes), uniques


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "1" if value else "0"
    return str(value).strip().lower()


def _to_float(value: object) -> float:
    if value is None or isinstance(value, (bool, np.bool_)):
        return float(value) if value is not None else float("nan")
    try:
        return float(str(value).strip().replace("_", "#"))  # '1_000' is not a number in a table
    except ValueError:
        return float("nan")


# ---------------------------------------------------------------------------------------------
# Readers
# ---------------------------------------------------------------------------------------------

def read_table(path: Path, *, key: str, what: str, problems: ProblemList, sheet: str | None = None,
               encoding: str | None = None, labels: Mapping[str, tuple[str, str]] | None = None,
               ) -> Table | None:
    """Read a CSV, xlsx or parquet file (by suffix: ``.parquet``/``.pq`` parquet, ``.xlsx``/``.xlsm``
    a workbook's first sheet or ``sheet``, anything else CSV in UTF-8 or GBK, or ``encoding``).

    A missing, unreadable or undecodable file raises :class:`InputError` at once (nothing else
    can be checked); ragged rows are added to ``problems`` and left out of the table.
    ``key`` is the scenario key or option that named the file (``casemix.file``); ``what`` names
    the table; ``labels`` (key -> (zh, en)) lets the header use the labels instead of the keys.
    """
    from simulator import tables_io

    path = Path(path)
    why = not_a_file(path)
    if why:
        raise InputError(Problem(key, f"{what} file {why}: {path}", file=str(path),
                                 hint="relative paths are taken from the scenario file's folder"))
    suffix = path.suffix.lower()
    if sheet is not None and suffix not in tables_io.XLSX_SUFFIXES:
        raise InputError(Problem("--sheet", f"only for an xlsx workbook, not {path.name}", file=str(path)),
                         title="invalid options")
    if suffix in (".parquet", ".pq"):
        return read_parquet(path, what=what, labels=labels)
    if suffix in tables_io.XLSX_SUFFIXES or suffix == ".xls":
        return read_xlsx(path, what=what, problems=problems, sheet=sheet, labels=labels)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(Problem(key, f"cannot read {what} file: {exc}", file=str(path))) from None
    return parse_csv(data, file=str(path), what=what, problems=problems, encoding=encoding, labels=labels)


def read_xlsx(path: Path, *, what: str, problems: ProblemList, sheet: str | None = None,
              labels: Mapping[str, tuple[str, str]] | None = None) -> Table:
    """One sheet of a workbook as a :class:`Table` (``lines``: the sheet's row numbers)."""
    from simulator import tables_io

    file = str(path)
    cells, body = tables_io.read_xlsx(path, sheet)
    header = tables_io.alias_header(["" if v is None else str(v) for v in cells], labels)
    _check_header(header, cells, file, what, line=1)
    for number, row in body:
        if any(v is not None and str(v).strip() for v in row[len(header):]):
            problems.add("", f"cells beyond the header's {len(header)} columns", file=file, line=number)
    columns = {}
    for j, name in enumerate(header):
        columns[name] = np.empty(len(body), dtype=object)
        columns[name][:] = [row[j] if j < len(row) else None for _, row in body]
    return Table(file, tuple(header), columns, np.array([n for n, _ in body], dtype=np.int64))


def _check_header(header: Sequence[str], given: Sequence[object], file: str, what: str,
                  line: int | None) -> None:
    """Raise for duplicate column names (a label and its key count as one name) or empty ones."""
    duplicates = sorted({h for h in header if header.count(h) > 1})
    if duplicates:
        def shown(name: str) -> str:
            spelt = [str(g).strip() for g, h in zip(given, header) if h == name]
            return "" if all(s == name for s in spelt) else f" (as {', '.join(spelt)})"

        raise InputError([Problem(f"column {h}", f"duplicate column name{shown(h)}", file=file, line=line)
                          for h in duplicates], title=f"invalid {what} file")


def read_parquet(path: Path, *, what: str, labels: Mapping[str, tuple[str, str]] | None = None) -> Table:
    """Read a parquet file into a :class:`Table` (rows numbered from 1 in problems)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        arrow = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(Problem("", f"not a readable parquet {what} file: {exc}", file=str(path),
                                 hint="write it with pandas.DataFrame.to_parquet or pyarrow")) from None
    from simulator.tables_io import alias_header

    names = alias_header([str(n) for n in arrow.column_names], labels)
    _check_header(names, arrow.column_names, str(path), what, line=None)
    columns: dict[str, np.ndarray] = {}
    for name, given in zip(names, arrow.column_names):
        column = arrow.column(given)
        if pa.types.is_dictionary(column.type):
            column = column.cast(column.type.value_type)
        if column.null_count and not pa.types.is_floating(column.type):
            values = np.array(column.to_pylist(), dtype=object)
        else:
            values = column.to_numpy(zero_copy_only=False)
        if values.dtype.kind not in "biufO":
            values = values.astype(object)
        columns[name] = values
    return Table(str(path), tuple(names), columns, None)


def parse_csv(data: bytes, *, file: str, what: str, problems: ProblemList, encoding: str | None = None,
              labels: Mapping[str, tuple[str, str]] | None = None) -> Table:
    """Parse CSV bytes (UTF-8, a BOM allowed, or GBK/GB18030; or ``encoding``) keeping each row's
    physical line number; ``labels`` as in :func:`read_table`."""
    from simulator.tables_io import alias_header, decode

    text, codec = decode(data, file=file, encoding=encoding)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    rows: list[list[str]] = []
    lines: list[int] = []
    last, ragged = 0, False
    try:
        for record in reader:
            start, last = last + 1, reader.line_num
            if not record or (len(record) == 1 and not record[0].strip()):
                continue  # blank line
            if header is None:
                given = [cell.strip() for cell in record]
                header = alias_header(given, labels)
                continue
            if len(record) != len(header):
                ragged = True
                problems.items.append(Problem(
                    "", f"row has {len(record)} fields, the header has {len(header)}",
                    file=file, line=start, hint="check for a stray or missing comma or quote"))
                continue
            rows.append(record)
            lines.append(start)
    except csv.Error as exc:
        raise InputError(Problem("", f"broken CSV: {exc}", file=file, line=reader.line_num,
                                 hint="check the quoting on this line"), title=f"invalid {what} file") from None
    if header is None:
        raise InputError(Problem("", f"the {what} file is empty", file=file), title=f"invalid {what} file")
    _check_header(header, given, file, what, line=1)
    columns = {}
    for j, name in enumerate(header):
        values = np.empty(len(rows), dtype=object)
        values[:] = [r[j] for r in rows]
        columns[name] = values
    return Table(file, tuple(header), columns, np.asarray(lines, dtype=np.int64), ragged, codec)
