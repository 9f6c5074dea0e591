"""``mcsim settle``: deterministic year-end settlement (年终清算) of real or planned figures."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import click

_WHERE = "command line"

_HELP = """Settle a year under settlement rules (docs/settlement.md).

RULES is a preset name (county-tiered, full-carryover, aca-corridor, mssp-basic-c) or a rules
TOML file. Amounts are yuan; thousands separators are accepted (100,000,000).

\b
Examples:
  mcsim settle --rules county-tiered --budget 1e8 --spending 9e7 --score 80
  mcsim settle --rules aca-corridor --budget 1e8 --spending 1.1e8 --json
  mcsim settle --rules my-rules.toml --input years.csv --out settled.csv
  mcsim settle --rules county-tiered --input 各县.xlsx --sheet 2026 --out 清算.xlsx

With --input, the table (CSV in UTF-8 or GBK, or an xlsx workbook) has columns budget,
spending[, score][, reasonable], or their zh labels 总额预算, 基金支出, 考核得分, 合理超支; other
columns pass through. An empty score cell means full score, an empty reasonable cell all
overspend reasonable. The output holds the inputs and every settlement quantity: CSV (UTF-8 with
a BOM, for Excel) or, when --out ends in .xlsx, .parquet or .json, that format. Without --out,
CSV goes to standard output. Table formats and encodings: docs/tables.md.
"""


@click.command("settle", help=_HELP, short_help="Year-end settlement of a budget (结余留用/超支分担).")
@click.option("--rules", "rules_source", required=True, metavar="RULES",
              help="Preset name or rules TOML file.")
@click.option("--budget", metavar="YUAN", help="Budget B (总额预算), yuan, > 0.")
@click.option("--spending", metavar="YUAN", help="Fund liability S for the year (基金支出), yuan, >= 0.")
@click.option("--score", metavar="POINTS", help="Assessment score q (考核得分); default: full score.")
@click.option("--reasonable", metavar="YUAN",
              help="Reasonable overspend Rz (合理超支), yuan; default: all overspend is reasonable.")
@click.option("--input", "input_csv", type=click.Path(path_type=Path), metavar="TABLE",
              help="Settle every row of a table (CSV or .xlsx) instead.")
@click.option("--sheet", metavar="NAME",
              help="With an xlsx --input: the sheet to read (name or number from 1; default the first).")
@click.option("--encoding", metavar="CODEC",
              help="With a CSV --input: its encoding (default: UTF-8 or GBK, detected), e.g. gbk.")
@click.option("--out", "out_csv", type=click.Path(), metavar="FILE",
              help="With --input: write the settled table here (atomically; .xlsx, .parquet or .json "
                   "by name, else CSV) instead of CSV to stdout.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON: the inputs and the spec's outputs.")
def command(rules_source: str, budget: str | None, spending: str | None, score: str | None,
            reasonable: str | None, input_csv: Path | None, sheet: str | None, encoding: str | None,
            out_csv: str | None, as_json: bool) -> None:
    from simulator.errors import InputError, Problem
    from simulator.settlement.rules import load_rules
    from simulator.tables_io import check_encoding, check_out_file

    single = {"--budget": budget, "--spending": spending, "--score": score, "--reasonable": reasonable}
    problems = []
    if input_csv is not None:
        given = [name for name, value in single.items() if value is not None]
        if given:
            problems.append(Problem(", ".join(given), "cannot be combined with --input", file=_WHERE,
                                    hint="put the figures in the CSV's columns"))
        if as_json:
            problems.append(Problem("--json", "not available with --input (the output is CSV)",
                                    file=_WHERE))
        if out_csv is not None:
            try:  # before any work: an output nobody can write is known now
                check_out_file(out_csv, suffixes=None)
            except InputError as exc:
                problems += exc.problems
        try:
            encoding = check_encoding(encoding)
        except InputError as exc:
            problems += exc.problems
    else:
        missing = [name for name in ("--budget", "--spending") if single[name] is None]
        if missing:
            problems.append(Problem(", ".join(missing), "required (or --input CSV)", file=_WHERE,
                                    hint="both --budget and --spending are needed"))
        if out_csv is not None:
            problems.append(Problem("--out", "only with --input", file=_WHERE))
        for option, value in (("--sheet", sheet), ("--encoding", encoding)):
            if value is not None:
                problems.append(Problem(option, "only with --input", file=_WHERE))
    if problems:
        raise InputError(problems, title="invalid options")

    rules = load_rules(rules_source, base_dir=Path.cwd())
    if input_csv is not None:
        _settle_csv(rules, input_csv, None if out_csv is None else Path(out_csv), sheet, encoding)
    else:
        _settle_one(rules, single, as_json)


def _settle_one(rules, single: dict[str, str | None], as_json: bool) -> None:
    import numpy as np

    from simulator.errors import InputError, Problem
    from simulator.settlement.core import amount_checks, settle
    from simulator.settlement.csvio import parse_number

    full = rules.assessment.full_score
    values, problems = {}, []
    for option, text in single.items():
        if text is None:
            continue
        try:
            values[option] = parse_number(text)
        except ValueError:
            problems.append(Problem(option, f"not a number (got {text!r})", file=_WHERE))
    # a placeholder that passes the range checks stands in for a missing or unparsable value
    placeholders = {"--budget": 1.0, "--spending": 0.0, "--score": full, "--reasonable": np.inf}
    arrays = [np.asarray(values.get(option, placeholders[option]), dtype=float) for option in single]
    problems += [Problem(f"--{name}", f"{text} (got {values[f'--{name}']:g})", file=_WHERE)
                 for name, text, _ in amount_checks(*arrays, full)]
    if problems:
        raise InputError(problems, title="invalid options")
    outcome = settle(rules, *arrays)
    inputs = {"budget": values["--budget"], "spending": values["--spending"],
              "score": values.get("--score", full), "reasonable": values.get("--reasonable"),
              "rules": rules.name}
    # money to the fen (0.01 yuan); + 0.0 turns a rounded -0.0 into 0.0
    outputs = {name: round(float(value), 2) + 0.0 for name, value in outcome.to_dict().items()}
    outputs["score_factor"] = float(outcome.score_factor)
    if as_json:
        click.echo(json.dumps({**inputs, **outputs}, ensure_ascii=False, indent=2))
    else:
        click.echo(_table(inputs, outputs))


def _table(inputs: dict, outputs: dict[str, float]) -> str:
    from simulator.settlement.core import LABELS_ZH

    def money(x: float) -> str:
        return f"{x + 0.0:,.2f}"

    shown = {
        "budget": money(inputs["budget"]),
        "spending": money(inputs["spending"]),
        "score": f"{inputs['score']:g}",
        "reasonable": "all 全部" if inputs["reasonable"] is None else money(inputs["reasonable"]),
    }
    shown.update({name: money(value) for name, value in outputs.items()})
    shown["score_factor"] = f"{outputs['score_factor']:.4f}"
    labels = {name: f"{LABELS_ZH[name]} {name}" for name in shown}
    label_width = max(_width(text) for text in labels.values())
    value_width = max(len(text) for text in shown.values())
    lines = [f"年终清算 settlement — rules: {inputs['rules']}"]
    for i, name in enumerate(shown):
        if i == 4:
            lines.append("-" * (label_width + 2 + value_width))
        pad = " " * (label_width - _width(labels[name]))
        lines.append(f"{labels[name]}{pad}  {shown[name]:>{value_width}}")
    lines.append("money in yuan 元")
    return "\n".join(lines)


def _width(text: str) -> int:
    """Display width in a terminal: wide (CJK) characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _settle_csv(rules, input_csv: Path, out_csv: Path | None, sheet: str | None,
                encoding: str | None) -> None:
    from simulator.settlement.core import settle
    from simulator.settlement.csvio import read_table, render_table, write_output

    table = read_table(input_csv, rules.assessment.full_score, sheet=sheet, encoding=encoding)
    outcome = settle(rules, table.budget, table.spending, table.score, table.reasonable)
    if out_csv is None:
        click.echo(render_table(table, outcome), nl=False)
    else:
        write_output(out_csv, table, outcome)
        click.echo(f"settled {len(table.rows)} rows with {rules.name} -> {out_csv}", err=True)
