"""Settlement of many rows from a CSV file (``mcsim settle --input``).

Input columns: ``budget`` and ``spending`` (yuan, required), ``score`` (points; absent = full
score), ``reasonable`` (yuan; absent or an empty cell = all overspend reasonable). Other columns
pass through unchanged. Every bad row is reported at once, by 1-based data row (the header is not
a data row) and file line; nothing is settled or written while any row is bad. Output: the input
columns followed by the settlement outputs, money rounded to 0.01 yuan; written atomically.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from simulator.errors import InputError, Problem, did_you_mean, not_a_file
from simulator.settlement.core import OUTPUTS, SettlementOutcome, amount_checks

_REQUIRED = ("budget", "spending")
_OPTIONAL = ("score", "reasonable")


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


def read_table(path: Path, full_score: float) -> SettlementTable:
    """Read and check a settlement CSV; raise :class:`InputError` listing every bad row."""
    file = str(path)
    header, rows, lines = _read_cells(path)
    names = [h.strip() for h in header]
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
        raise InputError(problems, title="invalid settlement CSV")

    ragged = [i for i, cells in enumerate(rows) if len(cells) != len(names)]
    problems += _row_problems(file, "", f"expected {len(names)} cells", ragged, lines)
    columns = {}
    for name in _REQUIRED + _OPTIONAL:
        if name not in names:
            continue
        col = names.index(name)
        values = np.full(len(rows), np.nan)
        bad = []
        for i, cells in enumerate(rows):
            text = cells[col].strip() if col < len(cells) else ""
            if name == "reasonable" and not text:
                values[i] = math.inf
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
        raise InputError(problems, title="invalid settlement CSV")
    return SettlementTable(header=header, rows=rows, lines=lines, budget=columns["budget"],
                           spending=columns["spending"], score=columns.get("score"),
                           reasonable=columns.get("reasonable"))


def _read_cells(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    file = str(path)
    why = not_a_file(path)
    if why:
        raise InputError(Problem("", f"input CSV {why}", file=file), title="invalid settlement CSV")
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            rows, lines = [], []
            for cells in reader:
                if any(cell.strip() for cell in cells):
                    rows.append(cells)
                    lines.append(reader.line_num)
    except UnicodeDecodeError as exc:
        raise InputError(Problem("", f"not valid UTF-8 ({exc.reason})", file=file,
                                 hint="save the file as UTF-8"), title="invalid settlement CSV") from None
    except csv.Error as exc:
        raise InputError(Problem("", f"CSV error: {exc}", file=file), title="invalid settlement CSV") from None
    if not header or not any(h.strip() for h in header):
        raise InputError(Problem("", "empty file: a header row with budget,spending[,score] is needed",
                                 file=file), title="invalid settlement CSV")
    return header, rows, lines


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


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (:func:`simulator.atomic.write_atomic`); a missing
    output folder is a bad ``--out``."""
    from simulator import atomic

    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(Problem("--out", "the output directory does not exist", file=str(path)),
                         title="cannot write the output")
    atomic.write_atomic(path, text)
