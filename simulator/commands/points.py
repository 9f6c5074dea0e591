"""``mcsim points``: the year-end points calculation (DRG点数法 / DIP按病种分值) of a real case list."""

from __future__ import annotations

import json
import time
import unicodedata
from pathlib import Path

import click

_WHERE = "command line"
_TITLE = "invalid options"
_OUT_SUFFIXES = (".csv", ".xlsx", ".parquet", ".pq", ".json")

_HELP = """Value a year of cases under DRG points (点数法) or DIP scores (按病种分值).

CASES is a CSV (UTF-8 or GBK), parquet or xlsx file (first sheet, or --sheet), one row per case:
group and cost (yuan) required; oop (the patient's share, yuan; default 0); weight (DRG relative
weight, required for drg); score (DIP 病种分值; default: the group's mean cost ÷ the mean cost of
all cases × score_scale); tier (0-5, a tier name or its zh label; default coefficient 1). The zh
labels 病组, 总费用, 个人负担, 相对权重, 病种分值, 医疗机构层级 are accepted as column names. Formats
and encodings: docs/tables.md. FILE is a rules TOML with a
[payment.drg] or [payment.dip] table, or a whole scenario file. DRG's base_groups_uniform is
ignored: a case list does not say which groups are base groups.

--pool YUAN floats the point value: cases are booked at the budget point value (the table's
point_value unless --budget-point-value) and the settlement point value spends the pool within
point_value_band and point_value_floor. --point-value V fixes it at V.

\b
Examples:
  mcsim points cases.csv --rules scenario.toml --pool 8.5e7
  mcsim points cases.parquet --rules dip.toml --method dip --point-value 6.2 --json
  mcsim points cases.xlsx --rules drg.toml --pool 85,000,000 --out booked.parquet --lang en
"""

#: summary figure -> (zh label, en label, format)
_ROWS = {
    "point_value": ("结算点值 (元/点)", "settlement point value (yuan/point)", "{:,.4f}"),
    "budget_point_value": ("预算点值 (元/点)", "budget point value (yuan/point)", "{:,.4f}"),
    "pool": ("点数池 (元)", "pool (yuan)", "{:,.2f}"),
    "n_cases": ("病例数", "cases", "{:,}"),
    "total_points": ("总点数", "total points", "{:,.2f}"),
    "total_payment": ("基金支付 (元)", "fund payment (yuan)", "{:,.2f}"),
    "outlier_payment": ("  其中直接支付 (元)", "  of which paid outright (yuan)", "{:,.2f}"),
    "n_high": ("费用极高病例", "high-cost outliers", "{:,}"),
    "n_low": ("费用极低病例", "low-cost outliers", "{:,}"),
    "n_special_review": ("特例单议病例", "special review (reviewed)", "{:,}"),
    "n_zero": ("基金不支付病例 (自付超标准)", "no fund payment (OOP above standard)", "{:,}"),
    "points_pool_deficit": ("点值保底缺口 (元)", "pool deficit (yuan)", "{:,.2f}"),
}
_METHOD_TITLES = {"drg": ("DRG点数法 年终清算", "DRG points: year-end settlement"),
                  "dip": ("DIP按病种分值 年终清算", "DIP scores (按病种分值): year-end settlement")}


@click.command("points", help=_HELP, short_help="Year-end DRG/DIP points calculation of a case list.")
@click.argument("cases_file", metavar="CASES", type=click.Path(path_type=Path))
@click.option("--rules", "rules_file", required=True, type=click.Path(path_type=Path), metavar="FILE",
              help="Rules or scenario TOML with a [payment.drg] or [payment.dip] table.")
@click.option("--method", type=click.Choice(["drg", "dip"]), default=None,
              help="The table to use (default: the one present).")
@click.option("--pool", metavar="YUAN", help="Floating: the points pool (yuan) the year's payments spend.")
@click.option("--point-value", metavar="V", help="Fixed point value, yuan per point.")
@click.option("--budget-point-value", metavar="V",
              help="With --pool: the budget point value (预算点值) cases are booked at; default point_value.")
@click.option("--sheet", metavar="NAME",
              help="With an xlsx CASES: the sheet to read (name or number from 1; default the first).")
@click.option("--encoding", metavar="CODEC",
              help="With a CSV CASES: its encoding (default: UTF-8 or GBK, detected), e.g. gbk.")
@click.option("--out", "out_file", type=click.Path(), metavar="FILE",
              help="Write one row per case (.csv with a BOM, .xlsx, .parquet or .json), atomically.")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh",
              help="Language of the table (default zh).")
@click.option("--quiet", "-q", is_flag=True, help="No progress line on stderr.")
def command(cases_file: Path, rules_file: Path, method: str | None, pool: str | None, point_value: str | None,
            budget_point_value: str | None, sheet: str | None, encoding: str | None, out_file: str | None,
            as_json: bool, lang: str, quiet: bool) -> None:
    from simulator.errors import InputError
    from simulator.payment import caselist
    from simulator.tables_io import check_encoding

    values, problems = _options(pool, point_value, budget_point_value, out_file)
    out_file = None if out_file is None else Path(out_file)
    try:
        encoding = check_encoding(encoding)
    except InputError as exc:
        problems = problems + exc.problems
    title = _TITLE
    try:
        method, params = caselist.load_rules(rules_file, method)
    except InputError as exc:  # report bad options and a bad rules file together
        title = exc.title if not problems else "invalid options and rules file"
        problems = problems + exc.problems
    if problems:
        raise InputError(problems, title=title)

    say = (lambda _text: None) if quiet or as_json else (lambda text: click.echo(text, nl=False, err=True))
    try:
        result = _calculate(say, cases_file, method, params, values, out_file, sheet, encoding)
    except InputError:
        say("\n")  # end the progress line before the problems
        raise
    summary = result.summary()
    if as_json:
        click.echo(json.dumps({**summary, "cases": str(cases_file), "rules": str(rules_file)},
                              ensure_ascii=False, indent=2))
    else:
        click.echo(_table(summary, lang, rules_file, cases_file))


def _calculate(say, cases_file: Path, method: str, params, values: dict, out_file: Path | None,
               sheet: str | None = None, encoding: str | None = None):
    """Read, book, value (and write) with a progress line through ``say``; the PointsResult."""
    from simulator.payment import caselist

    clock = time.perf_counter()
    say(f"reading {cases_file}… ")
    cases = caselist.read_cases(cases_file, method, sheet=sheet, encoding=encoding)
    if out_file is not None:
        _check_clash(cases)
    clock = _lap(say, clock, f"{cases.n:,} cases ", "booking… ")
    budget = values["point_value"] or values["budget_point_value"] or params.point_value
    booking = caselist.book(cases, method, params, budget)
    clock = _lap(say, clock, "", "valuing… ")
    result = caselist.value(booking, method, params, pool=values["pool"])
    if out_file is not None:
        clock = _lap(say, clock, "", f"writing {out_file}… ")
        _write(out_file, _case_table(cases, result))
    _lap(say, clock, "", "\n")
    return result


def _lap(say, since: float, done: str, step: str) -> float:
    """Close a step of the progress line with its time (seconds) and open the next; the time now."""
    now = time.perf_counter()
    say(f"{done}{now - since:.2f} s" + ("" if step == "\n" else " · ") + step)
    return now


def _options(pool: str | None, point_value: str | None, budget_pv: str | None,
             out_file: str | None) -> tuple[dict, list]:
    """The numeric options (yuan, yuan per point; None where not given) and their problems."""
    from simulator.errors import Problem

    problems: list = []
    hint = "--pool YUAN floats the point value; --point-value V fixes it"
    if pool is None and point_value is None:
        problems.append(Problem("--pool, --point-value", "one of them is required", file=_WHERE, hint=hint))
    elif pool is not None and point_value is not None:
        problems.append(Problem("--pool, --point-value", "give one, not both", file=_WHERE, hint=hint))
    if budget_pv is not None and point_value is not None:
        problems.append(Problem("--budget-point-value", "only with --pool (a fixed point value is also the "
                                "budget point value)", file=_WHERE))
    values = {}
    for option, text in (("--pool", pool), ("--point-value", point_value), ("--budget-point-value", budget_pv)):
        values[option[2:].replace("-", "_")] = _positive(option, text, problems)
    if out_file is not None:
        from simulator.errors import InputError
        from simulator.tables_io import check_out_file

        try:  # before any work: empty, a folder, a missing or unwritable parent, a wrong suffix
            check_out_file(out_file, suffixes=_OUT_SUFFIXES)
        except InputError as exc:
            problems += exc.problems
    return values, problems


def _positive(option: str, text: str | None, problems: list) -> float | None:
    """``text`` as a finite number > 0 (``1e8``, ``100,000,000``), or None with a problem added."""
    import math

    from simulator.errors import Problem

    if text is None:
        return None
    try:  # as simulator.settlement.csvio.parse_number, without importing the settlement package
        number = float(text.strip().replace(",", "").replace("_", ""))
    except ValueError:
        problems.append(Problem(option, f"not a number (got {text!r})", file=_WHERE))
        return None
    if not (math.isfinite(number) and number > 0):
        problems.append(Problem(option, f"must be a finite number > 0 (got {text!r})", file=_WHERE))
        return None
    return number


def _check_clash(cases) -> None:
    from simulator.errors import InputError, Problem
    from simulator.payment.caselist import OUTPUT_COLUMNS

    clash = [name for name in cases.columns if name in OUTPUT_COLUMNS]
    if clash:
        raise InputError(Problem("header", f"input columns named like outputs: {', '.join(clash)}",
                                 file=cases.file, hint="rename or drop them"), title="invalid case list")


def _case_table(cases, result):
    """The output file: the input columns (cost, oop, weight and score as the numbers read, the
    others as written), then :data:`~simulator.payment.caselist.OUTPUT_COLUMNS`."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from simulator.payment.caselist import OUTPUT_COLUMNS
    from simulator.payment.cases import CLASS_NAMES

    b = result.booking
    parsed = {"cost": cases.cost, "oop": cases.oop, "weight": cases.weight, "score": cases.score}
    columns = {name: parsed[name] if parsed.get(name) is not None else _arrow(values)
               for name, values in cases.columns.items()}
    outputs = {"base_points": b.base_points, "coefficient": b.coefficient, "points": b.points,
               "standard": b.standard, "class": pc.take(pa.array(CLASS_NAMES), b.klass),
               "reviewed": b.reviewed, "payment": result.payments()}
    columns.update({name: outputs[name] for name in OUTPUT_COLUMNS})  # the schema's order
    return pa.table(columns)


def _arrow(values):
    """An input column for arrow: as is, or (mixed xlsx cells) as text."""
    import pyarrow as pa

    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        return values
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


#: zh and en labels of the output columns (the input columns': caselist_read.CASE_LABELS)
_OUT_LABELS = {
    "base_points": ("基准点数", "base points"), "coefficient": ("等级系数", "tier coefficient"),
    "points": ("结算点数", "points valued"), "standard": ("支付标准 (元)", "payment standard (yuan)"),
    "class": ("病例类型", "case class"), "reviewed": ("特例单议", "special review"),
    "payment": ("基金支付 (元)", "fund payment (yuan)"),
}


def _write(path: Path, table) -> None:
    """Write the case table by suffix (CSV with a BOM, xlsx, parquet, JSON), atomically."""
    from simulator.payment.caselist_read import CASE_LABELS
    from simulator.tables_io import YUAN_FEN, write_table

    labels = {**{k: v[:2] for k, v in CASE_LABELS.items()}, **_OUT_LABELS}
    formats = {name: YUAN_FEN for name in ("cost", "oop", "standard", "payment", "base_points", "points")}
    formats.update(weight="0.0000", coefficient="0.00")
    write_table(table, path, labels, formats)


def _table(summary: dict, lang: str, rules_file: Path, cases_file: Path) -> str:
    """The figures as an aligned table in ``lang`` (zh or en)."""
    pick = 0 if lang == "zh" else 1
    shown = {name: row[2].format(summary[name]) for name, row in _ROWS.items() if summary[name] is not None}
    labels = {name: _ROWS[name][pick] for name in shown}
    label_width = max(_width(text) for text in labels.values())
    value_width = max(len(text) for text in shown.values())
    mode = {"floating": ("浮动点值", "floating point value"), "fixed": ("固定点值", "fixed point value")}
    lines = [f"{_METHOD_TITLES[summary['method']][pick]} — {mode[summary['mode']][pick]}",
             f"{'病例' if pick == 0 else 'cases'}: {cases_file}; {'规则' if pick == 0 else 'rules'}: "
             f"{rules_file} [payment.{summary['method']}]"]
    for name, text in shown.items():
        lines.append(f"{labels[name]}{' ' * (label_width - _width(labels[name]))}  {text:>{value_width}}")
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width in a terminal: wide (CJK) characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
