"""``mcsim compare``: indicators of several runs side by side, with differences and intervals."""

from __future__ import annotations

import click


@click.command("compare", short_help="Compare runs: indicators side by side with differences.")
@click.argument("dirs", metavar="DIR DIR...", nargs=-1, required=True, type=click.Path())
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None, metavar="FILE",
              help="Write the comparison as CSV to FILE, and a figure next to it (same stem, .png).")
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

    if len(dirs) < 2:
        raise InputError(Problem(dirs[0], "compare needs at least two results folders",
                                 hint="mcsim compare DIR DIR..."))
    folders = [Path(d) for d in dirs]
    runs = [load_results(folder) for folder in folders]
    names = _names(folders)
    chosen = lang or runs[0].scenario.output.lang
    table = compare_results(runs, names)
    click.echo(format_table(table, chosen))
    if out_file:
        out = Path(out_file)
        if not out.parent.is_dir():
            raise InputError(Problem("--out", f"folder {out.parent} does not exist"))
        figure = out.with_suffix(".png")
        write_with(out, lambda p: table.to_csv(p, index=False, encoding="utf-8-sig"))
        write_with(figure, lambda p: save_png(comparison_figure(table, chosen), p))
        click.echo(f"wrote {out} and {figure}", err=True)


def _names(folders: list) -> list[str]:
    """Short run names: the folder names, or the paths where names repeat."""
    names = [f.name or str(f) for f in folders]
    return names if len(set(names)) == len(names) else [str(f) for f in folders]
