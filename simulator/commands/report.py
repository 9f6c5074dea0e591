"""``mcsim report``: rebuild report.html and figures/ from a stored results folder."""

from __future__ import annotations

import click


@click.command("report", short_help="Rebuild report.html and figures/ from stored results.")
@click.argument("results_dir", metavar="DIR", type=click.Path())
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the report (default: the scenario's [output].lang).")
def command(results_dir: str, lang: str | None) -> None:
    """Rebuild DIR/report.html and DIR/figures/*.png from the results `mcsim run` wrote in DIR.

    The new files are written into a temporary folder first and replace the old ones only when
    all are complete.

    \b
    Example:
      mcsim report results/reference-county --lang en
    """
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from simulator.atomic import replace_dir
    from simulator.commands.results_dir import load_results
    from simulator.report import write_report

    folder = Path(results_dir)
    results = load_results(folder)
    chosen = lang or results.scenario.output.lang
    tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=folder))
    try:
        write_report(results, tmp, figures=True, report=True, lang=chosen)
        replace_dir(tmp / "figures", folder / "figures")
        os.replace(tmp / "report.html", folder / "report.html")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    click.echo(f"wrote {folder / 'report.html'} and {folder / 'figures'}/ ({chosen})", err=True)
