"""Settlement of many rows from a table (``mcsim settle --input``): CSV or xlsx in, CSV/xlsx out.

Input columns: ``budget`` and ``spending`` (yuan, required), ``score`` (points; absent or an empty
cell = full score), ``reasonable`` (yuan; absent or an empty cell = all overspend reasonable);
the zh labels (总额预算, 基金支出, 考核得分, 合理超支) are accepted as column names. Other
columns pass through unchanged. The file is CSV (UTF-8, a BOM allowed, or GBK/GB18030, detected
or chosen with ``encoding``) or an xlsx workbook (first sheet, or ``sheet``). Every bad row is
reported at once, by 1-based data row (the header is not a data row) and file line (xlsx: sheet
row); nothing is settled or written while any row is bad. Output: the input columns followed by
the settlement outputs, money rounded to 0.01 yuan; CSV (UTF-8 with a BOM in a file) or, by the
name's suffix, xlsx (numbers formatted, a ``labels`` sheet), parquet or JSON; written atomically.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import InputError, Problem, did_you_mean, not_a_file
from simulator.settlement.core import INPUTS, LABELS_ZH, OUTPUTS, SettlementOutcome, amount_checks

_REQUIRED = ("budget", "spending")
_OPTIONAL = ("score", "reasonable")
_TITLE = "invalid settlement table"
#: English labels of the inputs and outputs (the zh ones are :data:`LABELS_ZH`)
LABELS_EN = {
    "budget": "budget (yuan)", "spending": "fund spending (yuan)", "score": "assessment score (points)",
    "reasonable": "reasonable overspend (yuan)", "balance": "balance: surplus (+) / overspend (−) (yuan)",
    "retained_surplus": "retained surplus (yuan)", "fund_shared_overspend": "overspend shared by the fund (yuan)",
    "community_borne_overspend": "overspend borne by the community (yuan)",
    "withheld_unreleased": "withhold not released (yuan)", "fund_payout": "fund payout (yuan)",
    "community_net": "community net (yuan)", "score_factor": "score factor g(q)",
}
#: key -> (zh, en) for the header aliases and the xlsx ``labels`` sheet
LABELS = {name: (LABELS_ZH[name], LABELS_EN[name]) for name in INPUTS + OUTPUTS}


@dataclass(frozen=True)
class SettlementTable:
    """A parsed settlement CSV: the original cells and the numeric inputs (1-D, one per row)."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    budget: np.ndarray
    spending: np.ndarray
    score: np.ndarray | None
    reasonable: np.ndarray | None


def parse_number(text: str) -> float:
    """A number as people write it: ``1e8``, ``100,000,000``, ``100_000_000``; else ValueError."""
    return float(text.strip().replace(",", "").replace("_", ""))


def read_table(path: Path, full_score: float, *, sheet: str | None = None,
               encoding: str | None = None) -> SettlementTable:
    """Read and check a settlement table (CSV or xlsx); raise :class:`InputError` listing every
    bad row. ``sheet`` / ``encoding``: see the module docstring."""
    file = str(path)
    header, rows, lines = _read_cells(Path(path), sheet, encoding)
    names = header
    problems = [Problem(f"column {name}", "required column is missing", file=file, line=1,
                        hint=did_you_mean(name, names) or f"columns found: {', '.join(names)}")
                for name in _REQUIRED if name not in names]
    problems += [Problem(f"column {name}", "column appears twice", file=file, line=1)
                 for name in sorted({n for n in names if names.count(n) > 1})]
    clash = [n for n in names if n in OUTPUTS]
    if clash:
        problems.append(Problem("header", f"input columns named like outputs: {', '.join(clash)}",
                                file=file, line=1, hint="rename or drop them"))
    if not rows and not problems:
        problems.append(Problem("", "no data rows", file=file))
    if problems:
        raise InputError(problems, title=_TITLE)

    ragged = [i for i, cells in enumerate(rows) if len(cells) != len(names)]
    problems += _row_problems(file, "", f"expected {len(names)} cells", ragged, lines)
    # an empty cell: score = full score, reasonable = all overspend (as if the column were absent)
    empty = {"score": full_score, "reasonable": math.inf}
    columns = {}
    for name in _REQUIRED + _OPTIONAL:
        if name not in names:
            continue
        col = names.index(name)
        values = np.full(len(rows), np.nan)
        bad = []
        for i, cells in enumerate(rows):
            text = _text(cells[col]) if col < len(cells) else ""
            if name in empty and not text:
                values[i] = empty[name]
                continue
            try:
                values[i] = parse_number(text)
            except ValueError:
                if i not in ragged:
                    bad.append(i)
        problems += _row_problems(file, f"column {name}", "not a number", bad, lines)
        values[bad] = np.nan
        columns[name] = values
    checks = amount_checks(columns["budget"], columns["spending"],
                           columns.get("score", np.array(full_score)),
                           columns.get("reasonable", np.array(math.inf)), full_score)
    for name, text, mask in checks:
        skip = set(ragged) | set(np.flatnonzero(np.isnan(columns[name])).tolist())
        rows_bad = [int(i) for i in np.flatnonzero(mask) if i not in skip]
        problems += _row_problems(file, f"column {name}", text, rows_bad, lines)
    if problems:
        raise InputError(problems, title=_TITLE)
    return SettlementTable(header=header, rows=rows, lines=lines, budget=columns["budget"],
                           spending=columns["spending"], score=columns.get("score"),
                           reasonable=columns.get("reasonable"))


def _text(cell: Any) -> str:
    """A cell as text for :func:`parse_number`: CSV text, or an xlsx number, text or None."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    return cell.strip() if isinstance(cell, str) else str(cell)


def _fit(row: tuple, n: int) -> list:
    """An xlsx row to ``n`` cells: trailing empty cells are not cells (a longer row with text
    beyond the header stays long, and is reported)."""
    cells = list(row)
    if len(cells) > n and not any(_text(v) for v in cells[n:]):
        cells = cells[:n]
    return cells + [None] * (n - len(cells))


def _read_cells(path: Path, sheet: str | None, encoding: str | None) -> tuple[list[str], list[list], list[int]]:
    """Header (labels turned into keys), rows of cells and the file line (sheet row) of each row."""
    from simulator import tables_io

    file = str(path)
    why = not_a_file(path)
    if why:
        raise InputError(Problem("", f"input CSV {why}", file=file), title=_TITLE)
    if path.suffix.lower() in tables_io.XLSX_SUFFIXES + (".xls",):
        given, body = tables_io.read_xlsx(path, sheet)
        header = tables_io.alias_header(["" if v is None else str(v) for v in given], LABELS)
        return header, [_fit(row, len(header)) for _, row in body], [n for n, _ in body]
    if sheet is not None:
        raise InputError(Problem("--sheet", f"only for an xlsx workbook, not {path.name}", file=file),
                         title="invalid options")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(Problem("", f"cannot read the file: {exc}", file=file), title=_TITLE) from None
    text, _ = tables_io.decode(data, file=file, encoding=encoding)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        rows, lines = [], []
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append(cells)
                lines.append(reader.line_num)
    except csv.Error as exc:
        raise InputError(Problem("", f"CSV error: {exc}", file=file), title=_TITLE) from None
    if not header or not any(h.strip() for h in header):
        raise InputError(Problem("", "empty file: a header row with budget,spending[,score] is needed",
                                 file=file), title=_TITLE)
    return tables_io.alias_header(header, LABELS), rows, lines


def _row_problems(file: str, path: str, message: str, rows: list[int], lines: list[int]) -> list[Problem]:
    if not rows:
        return []
    where = ", ".join(str(i + 1) for i in rows)
    at = ", ".join(str(lines[i]) for i in rows)
    label = "data row" if len(rows) == 1 else "data rows"
    return [Problem(path, f"{message}: {label} {where} (file line{'s' if len(rows) > 1 else ''} {at})",
                    file=file)]


def render_table(table: SettlementTable, outcome: SettlementOutcome) -> str:
    """The output CSV text: input cells as given, then the outputs (money to 0.01 yuan)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(list(table.header) + list(OUTPUTS))
    # rounding first (+ 0.0 turns -0.0 into 0.0) so float noise never prints as "-0.00"
    money = [np.round(np.ravel(getattr(outcome, name)), 2) + 0.0 for name in OUTPUTS[:-1]]
    factor = np.ravel(outcome.score_factor)
    for i, cells in enumerate(table.rows):
        writer.writerow(list(cells) + [f"{col[i]:.2f}" for col in money] + [f"{factor[i]:.10g}"])
    return out.getvalue()


def settled_frame(table: SettlementTable, outcome: SettlementOutcome):
    """The output as a frame for xlsx, parquet or JSON: the input columns (budget, spending, score
    and reasonable as the numbers read, empty cells None; others as given), then the outputs."""
    import pandas as pd

    parsed = {"budget": table.budget, "spending": table.spending, "score": table.score,
              "reasonable": table.reasonable}
    data: dict[str, Any] = {}
    for j, name in enumerate(table.header):
        cells = [row[j] if j < len(row) else None for row in table.rows]
        if parsed.get(name) is not None:
            data[name] = [None if not _text(c) else float(v) for c, v in zip(cells, parsed[name])]
        else:
            data[name] = [None if isinstance(c, str) and not c.strip() else c for c in cells]
    for name in OUTPUTS[:-1]:
        data[name] = np.round(np.ravel(getattr(outcome, name)), 2) + 0.0
    data["score_factor"] = np.ravel(outcome.score_factor).astype(float)
    return pd.DataFrame(data)


def write_output(path: Path, table: SettlementTable, outcome: SettlementOutcome) -> None:
    """Write the settled table to ``path`` by its suffix (``.xlsx``, ``.parquet``, ``.json``; any
    other name is CSV with a BOM), atomically."""
    from simulator.tables_io import DECIMAL, YUAN_FEN, write_table

    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".parquet", ".pq", ".json"):
        formats = {name: YUAN_FEN for name in ("budget", "spending", "reasonable", *OUTPUTS[:-1])}
        formats.update(score="0.0", score_factor=DECIMAL)
        write_table(settled_frame(table, outcome), path, LABELS, formats)
    else:
        write_atomic(path, "\ufeff" + render_table(table, outcome))


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (:func:`simulator.atomic.write_atomic`); a missing
    output folder is a bad ``--out``."""
    from simulator import atomic

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(Problem("--out", "the output directory does not exist", file=str(path)),
                         title="cannot write the output")
    atomic.write_atomic(path, text)
