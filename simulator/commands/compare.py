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
@click.option("--objective", default=None, metavar="KEY[:min|max]",
              help="Rank the runs by this indicator or risk figure (default direction: docs/ranking.md).")
@click.option("--constraint", "constraints", multiple=True, metavar="\"KEY>=VALUE\"",
              help="A condition every design must meet (>=, <=, >, <); repeat for more.")
@click.option("--year", type=int, default=None, help="Year of the ranking (default: the last year).")
@click.option("--stat", default="mean", show_default=True, metavar="mean|pNN",
              help="Statistic over worlds ranked and constrained: the mean or a quantile (p05, p95).")
def command(dirs: tuple[str, ...], out_file: str | None, lang: str | None, objective: str | None,
            constraints: tuple[str, ...], year: int | None, stat: str) -> None:
    """Compare the results folders DIR... (the first is the reference).

    For each indicator: the mean over worlds in the first and the last year of each run, and the
    difference from the first run with a 90% interval. Runs with the same seed and worlds are
    compared world by world (paired: common random numbers), others by their means and SDs.

    \b
    Example:
      mcsim run scenarios/reference.toml --out results/tiered
      mcsim run scenarios/reference.toml --set settlement.rules=aca-corridor --out results/aca
      mcsim compare results/tiered results/aca --out compare.csv
      mcsim compare results/tiered results/aca --objective community_net:max \\
          --constraint "balance_rate>=0" --constraint "prob_overspend<=0.2" --stat p05

    With --objective or --constraint, the runs are also ranked in one year (docs/ranking.md):
    feasible designs first, then by the objective, with the probability over worlds that each
    beats the first run (paired runs only; ties count ½). --out then also writes STEM-ranking.
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
    from simulator.ranking import Ranking

    ranking = Ranking.parse(objective, constraints, stat) if objective or constraints else None
    out = check_out_file(out_file) if out_file is not None else None  # before any work
    folders = [Path(d) for d in dirs]
    runs = [load_results(folder) for folder in folders]
    names = _names(folders)
    from simulator.i18n import current_lang

    chosen = current_lang(runs[0].scenario.output.lang, command=lang)  # order: simulator.i18n.lang
    table = compare_results(runs, names)
    click.echo(format_table(table, chosen))
    if out is not None:
        figure = out.with_suffix(".png")
        write_table(table, out, _OUT_LABELS, {"n": "#,##0"})
        write_with(figure, lambda p: save_png(comparison_figure(table, chosen), p))
        click.echo(f"wrote {out} and {figure}", err=True)
    if ranking is not None:
        ranked = _rank(ranking, runs, names, year)
        click.echo(_format_ranking(ranked, ranking, chosen))
        if out is not None:
            target = out.with_name(f"{out.stem}-ranking{out.suffix}")
            write_table(ranked, target)
            click.echo(f"wrote {target}", err=True)


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


def _rank(ranking, runs: list, names: list[str], year: int | None):
    """The ranking table of the runs in ``year`` (default the reference's last year)."""
    from simulator.errors import InputError, Problem
    from simulator.report.compare import can_pair

    chosen = int(runs[0].worlds["year"].max()) if year is None else int(year)
    frames = []
    for run, name in zip(runs, names):
        frame = run.worlds[run.worlds["year"] == chosen]
        if frame.empty:
            years = sorted(int(y) for y in run.worlds["year"].unique())
            raise InputError(Problem("--year", f"year {chosen} is not in {name} (years {years[0]}–{years[-1]})"),
                             title="invalid options")
        frames.append(frame)
    table = ranking.rank(frames, names, [True] + [can_pair(runs[0], r) for r in runs[1:]])
    table.insert(2, "year", chosen)
    return table


def _format_ranking(table, ranking, lang: str) -> str:
    """The ranking as text: rank, run, objective, constraints met, P(beats the first run)."""
    words = {"zh": ("排名", "方案", "满足全部约束", "优于基准的概率", "是", "否", "非配对"),
             "en": ("rank", "run", "feasible", "P(beats reference)", "yes", "no", "unpaired")}[lang]
    head = f"== {table['year'].iloc[0]}, {ranking.stat}"
    if ranking.objective:
        head += f"; {ranking.objective.key}:{'max' if ranking.objective.maximise else 'min'}"
    if ranking.constraints:
        head += "; " + ", ".join(c.text for c in ranking.constraints)
    value = ranking.objective.key if ranking.objective else ""
    rows = [[words[0], words[1], value, words[2], words[3]]]
    for r in table.sort_values("rank", kind="stable").itertuples():
        win = "–" if r.win_prob != r.win_prob else f"{r.win_prob:.3f}"
        rows.append([str(r.rank), str(r.run), f"{r.objective_value:.6g}" if value else "",
                     words[4] if r.feasible else words[5], win if r.paired else words[6]])
    from simulator.report.compare import _pad, _width

    widths = [max(_width(row[j]) for row in rows) for j in range(len(rows[0]))]
    return "\n".join([head] + ["  ".join(_pad(c, w) for c, w in zip(row, widths)).rstrip() for row in rows])


def _names(folders: list) -> list[str]:
    """Short run names: the folder names, or the paths where names repeat."""
    names = [f.name or str(f) for f in folders]
    names = names if len(set(names)) == len(names) else [str(f) for f in folders]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):  # one folder given twice: run, run (2)
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            names[i] = f"{name} ({seen[name]})"
    return names
