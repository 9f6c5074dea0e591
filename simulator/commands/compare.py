"""``mcsim compare``: indicators of several runs side by side, with differences and intervals."""

from __future__ import annotations

import click


@click.command("compare", short_help="Compare runs: indicators side by side with differences.")
@click.argument("dirs", metavar="DIR DIR...", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write the comparison to FILE (.csv with a BOM, .xlsx, .parquet or .json by its name) "
                   "and a figure next to it (same stem, .png).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of labels (default: the first run's [output].lang).")
def command(dirs: tuple[str, ...], out_file: str | None, lang: str | None) -> None:
    """Compare the results folders DIR... (the first is the reference).

    For each indicator: the mean over worlds in the first and the last year of each run, and the
    difference from the first run with a 90% interval. Runs with the same seed and worlds are
    compared world by world (paired: common random numbers), others by their means and SDs.

    \b
    Example:
      mcsim run scenarios/reference.toml --out results/tiered
      mcsim run scenarios/reference.toml --set settlement.rules=aca-corridor --out results/aca
      mcsim compare results/tiered results/aca --out compare.csv
    """
    from pathlib import Path

    from simulator.atomic import write_with
    from simulator.commands.results_dir import load_results
    from simulator.errors import InputError, Problem
    from simulator.report.compare import compare_results, comparison_figure, format_table
    from simulator.report.figures import save_png
    from simulator.tables_io import check_out_file, write_table

    if len(dirs) < 2:
        raise InputError(Problem(dirs[0], "compare needs at least two results folders",
                                 hint="mcsim compare DIR DIR..."))
    out = check_out_file(out_file) if out_file is not None else None  # before any work
    folders = [Path(d) for d in dirs]
    runs = [load_results(folder) for folder in folders]
    names = _names(folders)
    chosen = lang or runs[0].scenario.output.lang
    table = compare_results(runs, names)
    click.echo(format_table(table, chosen))
    if out is not None:
        figure = out.with_suffix(".png")
        write_table(table, out, _OUT_LABELS, {"n": "#,##0"})
        write_with(figure, lambda p: save_png(comparison_figure(table, chosen), p))
        click.echo(f"wrote {out} and {figure}", err=True)


#: zh and en labels of the --out columns (simulator.report.compare.COLUMNS) for the xlsx labels sheet
_OUT_LABELS = {
    "indicator": ("指标", "indicator"), "label_en": ("英文名称", "label (English)"),
    "label_zh": ("中文名称", "label (Chinese)"), "unit": ("单位", "unit"), "period": ("期间", "period"),
    "year": ("年份", "year"), "run": ("方案", "run"), "n": ("模拟世界数", "worlds"), "mean": ("均值", "mean"),
    "sd": ("标准差", "standard deviation"), "diff": ("与基准之差", "difference from the first run"),
    "diff_lo90": ("差值90%区间下限", "difference, 90% interval low"),
    "diff_hi90": ("差值90%区间上限", "difference, 90% interval high"),
    "diff_p05": ("差值5%分位数", "difference, 5% quantile over worlds"),
    "diff_p95": ("差值95%分位数", "difference, 95% quantile over worlds"),
    "paired": ("配对比较", "paired (common random numbers)"),
}


def _names(folders: list) -> list[str]:
    """Short run names: the folder names, or the paths where names repeat."""
    names = [f.name or str(f) for f in folders]
    return names if len(set(names)) == len(names) else [str(f) for f in folders]
