"""Users' tables in and out: CSV (UTF-8, UTF-8 with BOM, GBK/GB18030), xlsx, parquet and JSON.

Analysts keep their tables in Excel on Chinese Windows, so every table mcsim reads or writes
goes through here:

* **Reading text.** :func:`decode` strips a UTF-8 BOM, tries UTF-8, then GB18030 (a superset of
  GBK and GB2312, what Excel's "CSV" saves on Chinese Windows); ``--encoding`` (any Python codec
  name: ``gbk``, ``gb18030``, ``utf-8``, ``big5``) chooses instead of detecting. A file neither
  decodes is an :class:`~simulator.errors.InputError` naming the file and the line.
* **Reading xlsx.** :func:`read_xlsx` reads the first sheet, or the one ``--sheet`` names (a
  name, or a 1-based number); blank rows are skipped and each row keeps its sheet row number,
  which problems show as the line. Needs openpyxl.
* **Header aliases.** :func:`alias_header` maps the zh (and en) labels of a table's columns to
  their machine keys, so ``总额预算`` reads as ``budget``; a BOM or stray spaces are stripped.
* **Writing.** :func:`write_table` writes ``.csv`` (UTF-8 with a BOM, so Excel shows 甲县, not
  mojibake), ``.xlsx`` (sheet 1: the machine keys in row 1, then the data with number formats;
  sheet 2 ``labels``: key, 中文, English), ``.parquet`` or ``.json`` (records) by suffix, always
  atomically (:mod:`simulator.atomic`). The xlsx of sheet 1 reads back as input unchanged.
* **Output paths.** :func:`check_out_file` checks a ``--out FILE`` before any work starts.

:func:`read_table` is the pandas face of the line-numbered reader of :mod:`simulator.tabular`.
The rules, for users, are in ``docs/tables.md``.
"""

from __future__ import annotations

import codecs
import json
import math
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from simulator.errors import InputError, Problem, did_you_mean

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: suffixes :func:`write_table` writes
TABLE_SUFFIXES = (".csv", ".xlsx", ".parquet", ".pq", ".json")
#: suffixes read as workbooks
XLSX_SUFFIXES = (".xlsx", ".xlsm")
#: the codecs tried, in order, when no encoding is chosen
DETECTED = ("utf-8", "gb18030")
#: Excel's largest sheet: 1,048,576 rows, one of them the header
XLSX_MAX_ROWS = 1_048_575

#: number formats for :func:`write_table`'s ``formats``
YUAN = "#,##0"
YUAN_FEN = "#,##0.00"
SHARE = "0.0%"
COUNT = "#,##0"
DECIMAL = "0.0000"

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ENCODING_HINT = "save it as 'CSV UTF-8' in Excel, or choose the encoding, e.g. --encoding gbk"


# ---------------------------------------------------------------------------------------------
# Text and encodings
# ---------------------------------------------------------------------------------------------

def check_encoding(encoding: str | None, option: str = "--encoding") -> str | None:
    """``encoding`` as a codec name Python knows (or None); else InputError naming ``option``."""
    if encoding is None:
        return None
    try:
        return codecs.lookup(encoding.strip()).name
    except (LookupError, ValueError):
        raise InputError(Problem(option, f"unknown encoding {encoding!r}",
                                 hint="e.g. utf-8, gbk, gb18030, big5"), title="invalid options") from None


def decode(data: bytes, *, file: str, encoding: str | None = None) -> tuple[str, str]:
    """Text of a file's bytes and the codec used: ``(text, codec)``; a leading BOM is dropped.

    Without ``encoding``: UTF-8 (with or without BOM), else GB18030 (GBK's superset). A UTF-16
    file (Excel's "Unicode Text") is refused unless chosen. Raises :class:`InputError`.
    """
    if encoding is not None:
        codec = check_encoding(encoding)
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise InputError(Problem("", f"not valid {encoding} (byte {exc.start})", file=file, line=line,
                                     hint="check --encoding; without it mcsim detects UTF-8 or GBK")) from None
        return text.removeprefix("\ufeff"), codec
    if data.startswith(_BOM):
        data = data[len(_BOM):]
    elif data[:2] in _UTF16_BOMS:
        raise InputError(Problem("", "UTF-16 text (Excel's 'Unicode Text'), not CSV", file=file, line=1,
                                 hint="save it as 'CSV UTF-8' or .xlsx, or give --encoding utf-16"))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        first = exc
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    line = data[: first.start].count(b"\n") + 1
    raise InputError(Problem("", f"neither UTF-8 nor GBK/GB18030 text (byte {first.start})", file=file,
                             line=line, hint=_ENCODING_HINT))


# ---------------------------------------------------------------------------------------------
# Header aliases
# ---------------------------------------------------------------------------------------------

def _norm(text: str) -> str:
    """A header as compared: NFKC (full-width to half-width), no BOM, trimmed, lower case."""
    return unicodedata.normalize("NFKC", str(text)).replace("\ufeff", "").strip().lower()


def _unit_free(text: str) -> str:
    """``总额预算(元)`` -> ``总额预算``: a trailing unit in brackets is not part of the name."""
    text = _norm(text)
    if text.endswith(")") and "(" in text:
        text = text[: text.rindex("(")].strip()
    return text


def alias_header(header: Sequence[str], labels: Mapping[str, tuple[str, str]] | None) -> list[str]:
    """Header names with zh/en labels replaced by their keys (``labels``: key -> (zh, en)).

    A name that is already a key stays; a label matches with or without a trailing unit in
    brackets (``总额预算（元）``) and whatever its case and width. Unknown names are kept.
    """
    header = [str(h).replace("\ufeff", "").strip() for h in header]
    if not labels:
        return header
    keys = set(labels)
    lookup: dict[str, str] = {}
    for key, pair in labels.items():
        for label in (key, *pair):
            if label:
                lookup.setdefault(_norm(label), key)
                lookup.setdefault(_unit_free(label), key)
    out = []
    for name in header:
        if name in keys:
            out.append(name)
        else:
            out.append(lookup.get(_norm(name), lookup.get(_unit_free(name), name)))
    return out


# ---------------------------------------------------------------------------------------------
# xlsx
# ---------------------------------------------------------------------------------------------

def _openpyxl(file: str):
    try:
        import openpyxl
    except ImportError:  # a core dependency; only a broken install lacks it
        raise InputError(Problem("", "reading or writing .xlsx needs the openpyxl package", file=file,
                                 hint="pip install openpyxl, or use CSV")) from None
    return openpyxl


def read_xlsx(path: Path, sheet: str | None = None) -> tuple[list[Any], list[tuple[int, tuple]]]:
    """The header and rows of one sheet: ``(header cells, [(sheet row number, cells), ...])``.

    ``sheet``: a sheet name, or a 1-based number; None = the first sheet. Blank rows are skipped;
    cells are as openpyxl gives them (numbers, text, datetimes, None). Raises :class:`InputError`.
    """
    import zipfile

    file = str(path)
    openpyxl = _openpyxl(file)
    if Path(path).suffix.lower() == ".xls":
        raise InputError(Problem("", "an old Excel 97-2003 workbook (.xls)", file=file,
                                 hint="save it as .xlsx (Excel Workbook) or as CSV UTF-8"))
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile,
            openpyxl.utils.exceptions.InvalidFileException) as exc:
        raise InputError(Problem("", f"not a readable xlsx workbook ({_short(exc)})", file=file,
                                 hint="save it from Excel as .xlsx (an encrypted workbook cannot be read)")) from None
    try:
        names = list(book.sheetnames)
        ws = _pick_sheet(book, names, sheet, file)
        rows = [(n, tuple(row)) for n, row in enumerate(ws.iter_rows(values_only=True), start=1)
                if any(v is not None and str(v).strip() for v in row)]
    except (OSError, ValueError, KeyError, IndexError, zipfile.BadZipFile) as exc:
        raise InputError(Problem("", f"not a readable xlsx workbook ({_short(exc)})", file=file)) from None
    finally:
        book.close()
    if not rows:
        raise InputError(Problem("", f"sheet {ws.title!r} is empty", file=file,
                                 hint="the first row holds the column names" if len(names) == 1
                                 else f"sheets: {', '.join(names)}; choose one with --sheet"))
    header = list(rows[0][1])
    while header and (header[-1] is None or not str(header[-1]).strip()):
        header.pop()
    return header, rows[1:]


def _pick_sheet(book, names: list[str], sheet: str | None, file: str):
    if sheet is None:
        return book.worksheets[0]
    if sheet in names:
        return book[sheet]
    text = str(sheet).strip()
    if text.isdigit() and 1 <= int(text) <= len(names):
        return book.worksheets[int(text) - 1]
    raise InputError(Problem("--sheet", f"no sheet {sheet!r} in the workbook", file=file,
                             hint=(did_you_mean(text, names) or "") + f" sheets: {', '.join(names)}"
                             + " (or a number from 1)"), title="invalid options")


def _short(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:119] + "…"


# ---------------------------------------------------------------------------------------------
# Reading a table as a frame
# ---------------------------------------------------------------------------------------------

def read_table(path: str | Path, sheet: str | None = None, encoding: str | None = None,
               labels: Mapping[str, tuple[str, str]] | None = None, *, key: str = "",
               what: str = "table") -> "pd.DataFrame":
    """Read a user's table (CSV, xlsx, parquet by suffix) into a frame of raw cells.

    CSV cells are text; xlsx and parquet cells keep their types. zh/en ``labels`` (key -> (zh,
    en)) are accepted as aliases of the keys. ``frame.attrs``: ``file``, ``lines`` (the file
    line or sheet row of each row; None for parquet) and ``encoding``. Raises
    :class:`InputError` for a bad file, listing every ragged row.
    """
    import pandas as pd

    from simulator.errors import ProblemList
    from simulator.tabular import read_table as read_raw

    problems = ProblemList(title=f"invalid {what} file")
    table = read_raw(Path(path), key=key, what=what, problems=problems, sheet=sheet,
                     encoding=encoding, labels=labels)
    problems.raise_if_any()
    frame = pd.DataFrame({name: table.columns[name] for name in table.header})
    frame.attrs.update(file=table.file, encoding=table.encoding,
                       lines=None if table.lines is None else table.lines.tolist())
    return frame


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

def check_out_file(value: str | Path, option: str = "--out", suffixes: Sequence[str] | None = TABLE_SUFFIXES,
                   ) -> Path:
    """Check an output file before any work: raise :class:`InputError` (exit 2) naming ``option``.

    ``value`` must be non-empty, end in one of ``suffixes`` (None: any), not be an existing
    folder, and its parent must be an existing folder that accepts a new file (tried with a probe
    file, created and removed). Returns ``value`` as a path.
    """
    import os
    import tempfile

    text = str(value)
    if not text.strip():
        raise InputError(Problem(option, "is empty", hint="name the file to write, e.g. --out result.csv"),
                         title="invalid options")
    path = Path(text).expanduser()
    problems = []
    if suffixes is not None and path.suffix.lower() not in suffixes:
        problems.append(Problem(option, f"{text}: the name must end in {', '.join(suffixes)}",
                                hint="the suffix says which format is written"))
    if path.is_dir():
        problems.append(Problem(option, f"{text} is a folder, not a file", hint="name a file in it"))
    parent = path.parent
    if not parent.exists():
        problems.append(Problem(option, f"cannot write {text}: folder {parent} does not exist",
                                hint="make the folder first, or choose another --out"))
    elif not parent.is_dir():
        problems.append(Problem(option, f"cannot write {text}: {parent} is a file, not a folder"))
    elif not problems:
        try:
            fd, probe = tempfile.mkstemp(prefix=f".{path.name}.probe-", dir=parent)
            os.close(fd)
            os.unlink(probe)
        except OSError as exc:
            problems.append(Problem(option, f"cannot write {text}: {parent} takes no new file "
                                    f"({exc.strerror or exc})",
                                    hint=f"choose a folder you can write, or fix the permissions of {parent}"))
    if problems:
        raise InputError(problems, title="invalid options")
    return path


def write_table(frame: Any, path: str | Path, labels: Mapping[str, tuple[str, str]] | None = None,
                formats: Mapping[str, str] | None = None) -> None:
    """Write ``frame`` (a pandas DataFrame or a pyarrow Table) to ``path`` by suffix, atomically.

    * ``.csv``: UTF-8 with a BOM (``utf-8-sig``), comma-separated, ``\\n`` line ends;
    * ``.xlsx``: sheet ``data`` with the column names (machine keys) in row 1 and the rows below,
      cells formatted by ``formats`` (column -> Excel number format, e.g. :data:`YUAN`,
      :data:`SHARE`); sheet ``labels`` with one row per column: key, 中文, English (from
      ``labels``: key -> (zh, en); empty where not given). NaN cells are empty, infinities text;
    * ``.parquet`` / ``.pq``: the frame as is; ``.json``: a list of records (UTF-8, NaN null).

    No partial file is left at ``path`` if writing fails. Raises :class:`InputError` for an
    unknown suffix or a table larger than an xlsx sheet holds.
    """
    from simulator import atomic

    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise InputError(Problem("--out", f"{path}: cannot write {suffix or 'a name without suffix'}",
                                 hint=f"end the name in {', '.join(TABLE_SUFFIXES)}"))
    if suffix == ".csv" and _is_arrow(frame):
        _write_arrow_csv(frame, path)
        return
    if _is_arrow(frame):
        if suffix in (".parquet", ".pq"):
            import pyarrow.parquet as pq

            atomic.write_with(path, lambda tmp: pq.write_table(frame, str(tmp)))
            return
        frame = frame.to_pandas()
    if suffix == ".csv":
        text = frame.to_csv(index=False, lineterminator="\n")
        atomic.write_atomic(path, text.encode("utf-8-sig"))
    elif suffix in (".parquet", ".pq"):
        atomic.write_with(path, lambda tmp: frame.to_parquet(tmp, index=False))
    elif suffix == ".json":
        records = [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]
        atomic.write_atomic(path, json.dumps(records, ensure_ascii=False, indent=1) + "\n")
    else:
        if len(frame) > XLSX_MAX_ROWS:
            raise InputError(Problem("--out", f"{path}: {len(frame):,} rows; an xlsx sheet holds at most "
                                     f"{XLSX_MAX_ROWS:,}", hint="write .csv or .parquet instead"))
        atomic.write_with(path, lambda tmp: _write_xlsx(frame, tmp, labels or {}, formats or {}))


def _is_arrow(frame: Any) -> bool:
    return hasattr(frame, "schema") and hasattr(frame, "to_pandas") and hasattr(frame, "num_rows")


def _write_arrow_csv(table: Any, path: Path) -> None:
    """An arrow table as CSV with a BOM (arrow writes millions of rows much faster than pandas)."""
    import pyarrow.csv as pacsv

    from simulator import atomic

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            handle.write(_BOM)
            pacsv.write_csv(table, handle, write_options=pacsv.WriteOptions(quoting_style="needed"))

    atomic.write_with(path, write)


def _plain(value: Any) -> Any:
    """A cell as a JSON or xlsx value: Python scalars, None for missing."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        try:
            value = value.item()
        except (ValueError, TypeError):
            pass
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        import pandas as pd

        if value is pd.NaT or (not isinstance(value, (str, bytes, list, dict)) and pd.isna(value)):
            return None
        if isinstance(value, pd.Timestamp):
            return value.isoformat()
    except (TypeError, ValueError):
        pass
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def _cell(value: Any) -> Any:
    """A cell for openpyxl: numbers and text as they are, datetimes as datetimes, NaN empty."""
    import datetime

    if hasattr(value, "to_pydatetime"):
        return value.to_pydatetime()
    value = _plain(value)
    if isinstance(value, (datetime.date, datetime.datetime, int, float, str, bool)) or value is None:
        return value
    return str(value)


def _write_xlsx(frame: "pd.DataFrame", tmp: Path, labels: Mapping[str, tuple[str, str]],
                formats: Mapping[str, str]) -> None:
    openpyxl = _openpyxl(str(tmp))
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("data")
    names = [str(c) for c in frame.columns]
    for j, name in enumerate(names, start=1):
        zh, en = labels.get(name, ("", ""))
        width = max(len(name), 2 * len(zh or ""), 10) + 2
        sheet.column_dimensions[get_column_letter(j)].width = min(width, 40)
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    head = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = bold
        head.append(cell)
    sheet.append(head)
    formatted = [formats.get(name) for name in names]
    for row in frame.itertuples(index=False, name=None):
        cells = []
        for value, fmt in zip(row, formatted):
            value = _cell(value)
            if fmt is not None and isinstance(value, (int, float)) and not isinstance(value, bool):
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = fmt
                cells.append(cell)
            else:
                cells.append(value)
        sheet.append(cells)
    legend = book.create_sheet("labels")
    legend.column_dimensions["A"].width = 28
    legend.column_dimensions["B"].width = 24
    legend.column_dimensions["C"].width = 40
    titles = []
    for title in ("key", "中文", "English"):
        cell = WriteOnlyCell(legend, value=title)
        cell.font = bold
        titles.append(cell)
    legend.append(titles)
    for name in names:
        zh, en = labels.get(name, ("", ""))
        legend.append([name, zh or None, en or None])
    book.save(tmp)
