"""``mcsim explain``: an exact additive decomposition of a change, between years or between runs."""

from __future__ import annotations

import click


@click.command("explain", short_help="Explain a change: enrolment, volume, case mix, prices, tiers, rules.")
@click.argument("dir_a", metavar="DIR", type=click.Path())
@click.argument("dir_b", metavar="[DIR_B]", required=False, type=click.Path())
@click.option("--from-year", type=int, default=None, metavar="Y1",
              help="Year the change starts from (one run: default the first year; two runs: DIR's year).")
@click.option("--to-year", type=int, default=None, metavar="Y2",
              help="Year the change goes to (one run: default the last year; two runs: DIR_B's year).")
@click.option("--json", "as_json", is_flag=True,
              help="Print {measure: {change, parts, lo90, hi90, ...}} as JSON.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write the table to FILE (.csv with BOM, .xlsx, .parquet, .json) and the waterfall "
                   "figure next to it (same stem, .png).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of labels (default: DIR's [output].lang).")
def command(dir_a: str, dir_b: str | None, from_year: int | None, to_year: int | None, as_json: bool,
            out_file: str | None, lang: str | None) -> None:
    """Split the change of fund spending, total cost, balance and community net into enrolment,
    volume, case_mix, unit_price, tier_shift, benefit, payment and settlement: exactly, world
    by world (docs/explain.md), with the mean and the range of 90% of worlds of each part.

    One results folder: from one year to another. Two folders run with the same seed, worlds and
    tiers: DIR against DIR_B, world by world (common random numbers).

    \b
    Examples:
      mcsim explain results/reference                       # first year -> last year
      mcsim explain results/reference --from-year 2026 --to-year 2027 --json
      mcsim explain results/tiered results/aca --out explain.xlsx
    """
    import json
    from pathlib import Path

    from simulator.atomic import write_with
    from simulator.commands.results_dir import load_results
    from simulator.explain import explain
    from simulator.report.explain import explain_figure, explain_frame, format_explanation
    from simulator.report.figures import save_png
    from simulator.tables_io import check_out_file, write_table

    out = check_out_file(out_file) if out_file else None
    folders = [Path(dir_a)] + ([Path(dir_b)] if dir_b else [])
    runs = [load_results(folder) for folder in folders]
    names = tuple(f.name or str(f) for f in folders)
    if len(names) == 2 and names[0] == names[1]:
        names = tuple(str(f) for f in folders)
    result = explain(runs[0], runs[1] if dir_b else None, from_year=from_year, to_year=to_year,
                     names=names if len(names) == 2 else (names[0], names[0]))
    from simulator.i18n import current_lang

    chosen = current_lang(runs[0].scenario.output.lang, command=lang)  # order: simulator.i18n.lang
    if as_json:
        click.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(format_explanation(result, chosen))
    if out is not None:
        frame, labels = explain_frame(result)
        write_table(frame, out, labels)
        figure = out.with_suffix(".png")
        write_with(figure, lambda p: save_png(explain_figure(result, chosen), p))
        click.echo(f"wrote {out} and {figure}", err=True)

