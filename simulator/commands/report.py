"""``mcsim report``: rebuild report.html and figures/ from a stored results folder."""

from __future__ import annotations

import click


@click.command("report", short_help="Rebuild report.html and figures/ from stored results.")
@click.argument("results_dir", metavar="DIR", type=click.Path())
@click.option("--lang", type=click.Choice(["zh", "en"]), default=None,
              help="Language of the report (default: the scenario's [output].lang).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None,
              help="Write the report to this HTML file instead (figures embedded; DIR is left "
                   "unchanged), e.g. to keep a Chinese and an English report side by side.")
def command(results_dir: str, lang: str | None, out_file: str | None) -> None:
    """Rebuild DIR/report.html and DIR/figures/*.png from the results `mcsim run` wrote in DIR.

    The new files are written into a temporary folder first and replace the old ones only when
    all are complete. With --out FILE only the report is written, to FILE.

    \b
    Examples:
      mcsim report results/reference-county --lang en
      mcsim report results/reference-county --lang en --out results/reference-county/report.en.html
    """
    import os
    import shutil
    import tempfile
    from pathlib import Path

    from simulator.atomic import replace_dir
    from simulator.commands.results_dir import load_results
    from simulator.report import write_report

    folder = Path(results_dir)
    target = _check_out_file(out_file) if out_file is not None else None
    results = load_results(folder)
    from simulator.i18n import current_lang

    chosen = current_lang(results.scenario.output.lang, command=lang)  # order: simulator.i18n.lang
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=target.parent))
        try:
            write_report(results, tmp, figures=False, report=True, lang=chosen)
            os.replace(tmp / "report.html", target)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        click.echo(f"wrote {target} ({chosen})", err=True)
        return
    tmp = Path(tempfile.mkdtemp(prefix=".report-", dir=folder))
    try:
        write_report(results, tmp, figures=True, report=True, lang=chosen)
        replace_dir(tmp / "figures", folder / "figures")
        os.replace(tmp / "report.html", folder / "report.html")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    click.echo(f"wrote {folder / 'report.html'} and {folder / 'figures'}/ ({chosen})", err=True)


def _check_out_file(value: str):
    """``--out`` as a path: not empty, not a folder (exit 2 otherwise, before any work)."""
    from pathlib import Path

    from simulator.errors import InputError, Problem

    if not value.strip():
        raise InputError(Problem("--out", "is empty", hint="give an HTML file, e.g. --out report.en.html"))
    path = Path(value).expanduser()
    if path.is_dir():
        raise InputError(Problem("--out", f"{value} is a folder", hint="give a file name, e.g. --out report.en.html"))
    return path
