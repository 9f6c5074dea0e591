"""``mcsim batch``: run a sweep of scenario variants × counties as resumable tasks."""

from __future__ import annotations

import sys

import click

_HELP = """Run the sweep SWEEP (a TOML file) and write one partitioned parquet dataset.

Tasks are variant × county × chunk of worlds; every variant uses the same seed and worlds
(common random numbers). OUT (default results/<sweep name>/) receives dataset/ (partitioned by
variant and county), summary.csv, variants.csv, failures.csv when some tasks failed, and
tornado.png for one-at-a-time sweeps. An interrupted batch continues with --resume (only the
missing tasks run; the dataset comes out byte-identical).

With --objective and/or --constraint, summary.csv gains the columns objective_value, rank,
feasible and win_prob: every variant ranked within each county and year against the first
variant, world by world (docs/ranking.md). --pareto KEY1,KEY2 writes pareto.png and pareto.csv:
each variant's last-year statistic of the two metrics and which variants are on the front.

\b
Exit codes: 0 all tasks done; 2 bad input (the sweep file, an option, or a variant value
that does not validate: the other tasks still run); 1 a task failed otherwise.

\b
Examples:
  mcsim batch sweeps/risk-reserve.toml --workers 8
  mcsim batch sweeps/province.toml --executor dask --scheduler tcp://10.0.0.5:8786
  mcsim batch sweeps/risk-reserve.toml --resume
  mcsim batch sweeps/risk-reserve.toml --objective community_net:max --constraint "prob_overspend<=0.1" \\
      --pareto fund_spending,county_visit_share:max
"""


@click.command("batch", help=_HELP, short_help="Run a sweep of scenario variants (local or dask).")
@click.argument("sweep", type=click.Path(dir_okay=False))
@click.option("--executor", type=click.Choice(["local", "threads", "processes", "dask"]), default="local",
              show_default=True,
              help="local: this machine, worker threads for small batches (estimated under 30 s of "
                   "simulation per worker) and worker processes otherwise; threads or processes to "
                   "choose; dask: dask.distributed.")
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="dask scheduler address (tcp://host:8786); default a LocalCluster on this machine.")
@click.option("--workers", "-w", type=int, default=None,
              help="Workers (default: CPUs available); the LocalCluster's size with dask.")
@click.option("--resume", is_flag=True, help="Complete the batch already in OUT: run only missing tasks.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Output folder (default results/<sweep name>/).")
@click.option("--objective", default=None, metavar="KEY[:min|max]",
              help="Rank the variants by this indicator or risk figure (summary.csv columns).")
@click.option("--constraint", "constraints", multiple=True, metavar="\"KEY>=VALUE\"",
              help="A condition every variant must meet (>=, <=, >, <); repeat for more.")
@click.option("--stat", default="mean", show_default=True, metavar="mean|pNN",
              help="Statistic over worlds ranked, constrained and plotted: the mean or a quantile.")
@click.option("--pareto", default=None, metavar="KEY1,KEY2",
              help="Pareto-front figure of two metrics (each KEY[:min|max]): pareto.png, pareto.csv.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True,
              help="Language of the Pareto figure.")
@click.option("--summary", "summary_file", default=None, metavar="FILE",
              help="Also write the summary table to FILE: .xlsx (keys in row 1, a sheet of zh/en labels), "
                   ".csv (UTF-8 with a BOM), .parquet or .json.")
def command(sweep: str, executor: str, scheduler: str | None, workers: int | None, resume: bool,
            out_dir: str | None, objective: str | None, constraints: tuple[str, ...], stat: str,
            pareto: str | None, lang: str, summary_file: str | None) -> None:
    from simulator.batch.run import execute_sweep
    from simulator.batch.spec import load_sweep
    from simulator.commands.options import check_out_dir
    from simulator.ranking import Ranking

    ranking = Ranking.parse(objective, constraints, stat) if objective or constraints else None
    axes = _pareto_axes(pareto) if pareto else None
    Ranking.parse(None, (), stat)  # --stat checked before any work

    if out_dir is not None:
        check_out_dir(out_dir)  # before any work: not empty, not a system folder, writable
    if summary_file is not None:
        from simulator.tables_io import check_out_file

        check_out_file(summary_file, "--summary")
    spec = load_sweep(sweep)
    if scheduler and executor == "local":
        executor = "dask"  # an address only makes sense for dask

    def started(o) -> None:
        s = o.sweep
        chunks = -(-s.replications // s.chunk_worlds)
        if s.is_region:  # every task simulates all counties of its worlds (one pool)
            click.echo(f"region sweep {s.name}: {len(s.variants)} variants × {chunks} chunks = {o.total} "
                       f"tasks, each every county of region {s.region.name} ({len(s.counties)} counties "
                       f"coupled by the pool; {s.replications} worlds each variant, {s.chunk_worlds} per task, "
                       f"seed {s.seed})", err=True)
        else:
            click.echo(f"sweep {s.name}: {len(s.variants)} variants × {len(s.counties)} counties × "
                       f"{chunks} chunks = {o.total} tasks ({s.replications} worlds each variant, "
                       f"{s.chunk_worlds} per task, seed {s.seed})", err=True)
        if o.skipped:
            click.echo(f"resuming {o.out}: {o.skipped} tasks done, {o.total - o.skipped} to run", err=True)
        bad = [v for v in s.variants if v.problems]
        for v in bad:
            click.echo(f"invalid variant {v.id} ({v.label}), its tasks are skipped:", err=True)
            for p in v.problems:
                click.echo(f"  - {p}", err=True)
        click.echo(f"executor {executor} ({o.mode}), {o.workers} workers → {o.out}", err=True)
        click.echo(_eta_line(o), err=True)

    if executor != "dask":  # compile once here, not in every worker at once
        from simulator.commands.warmup import ensure_compiled

        ensure_compiled("en")
    outcome = execute_sweep(spec, executor=executor, workers=workers, scheduler=scheduler, out=out_dir,
                            resume=resume, progress=sys.stderr.isatty(), on_start=started, ranking=ranking)
    _print_summary(outcome)
    if summary_file is not None:
        _write_summary(outcome.summary, summary_file)
    if axes is not None and outcome.frame is not None and not outcome.frame.empty:
        _write_pareto(outcome, axes, stat, lang)
    click.echo(f"wrote {outcome.out}/ — {outcome.ran} tasks run, {outcome.skipped} already done, "
               f"{len(outcome.failures)} failed; {outcome.wall_seconds:.1f} s", err=True)
    if outcome.tornado is not None:
        click.echo(f"tornado chart: {outcome.tornado}", err=True)
    if outcome.failures:
        click.echo(f"{len(outcome.failures)} tasks failed (details in {outcome.out / 'failures.csv'}):", err=True)
        for f in outcome.failures[:20]:
            first = f.message.strip().splitlines()
            click.echo(f"  - {f.task} [{f.variant.label}]: {first[-1] if first else ''}", err=True)
        click.get_current_context().exit(outcome.exit_code)


def _pareto_axes(text: str):
    """``KEY1,KEY2`` (each ``KEY[:min|max]``) as two objectives; InputError naming --pareto."""
    from simulator.errors import InputError, Problem
    from simulator.ranking import parse_objective

    keys = [k.strip() for k in text.split(",")]
    if len(keys) != 2 or not all(keys):
        raise InputError(Problem("--pareto", f"{text!r}: give two metrics, KEY1,KEY2",
                                 hint="e.g. --pareto fund_spending,county_visit_share"), title="invalid options")
    return tuple(parse_objective(k, "--pareto") for k in keys)


def _write_pareto(outcome, axes, stat: str, lang: str) -> None:
    """pareto.csv and pareto.png in the batch folder (simulator.report.pareto)."""
    from simulator.atomic import write_with
    from simulator.report.figures import save_png
    from simulator.report.pareto import pareto_figure, pareto_table
    from simulator.tables_io import write_table

    labels = {v.id: v.label for v in outcome.sweep.variants}
    table = pareto_table(outcome.frame, axes, labels, stat)
    write_table(table, outcome.out / "pareto.csv")
    write_with(outcome.out / "pareto.png", lambda p: save_png(pareto_figure(table, axes, lang), p))
    front = table[table["front"]]
    click.echo(f"Pareto front ({axes[0].key}, {axes[1].key}): "
               + ", ".join(f"{r.label} [{r.county}]" for r in front.itertuples())
               + f" — {outcome.out / 'pareto.png'}", err=True)


def _eta_line(o) -> str:
    """The batch's estimated wall time, from the per-person-year rate of the planner
    (:data:`simulator.batch.plan.SECONDS_PER_PERSON_YEAR`, one core) over the tasks to run."""
    from simulator.batch.plan import SECONDS_PER_PERSON_YEAR, plan_tasks, task_seconds

    tasks = [t for t in plan_tasks(o.sweep) if not t.variant.problems]
    work = sum(task_seconds(o.sweep, t) for t in tasks) * (o.total - o.skipped) / max(o.total, 1)
    seconds = work / max(o.workers, 1)
    shown = ("under 1 s" if seconds < 1 else f"{seconds:.0f} s" if seconds < 120
             else f"{seconds / 60:.1f} min")
    return (f"estimated time: about {shown} of simulation ({work:.0f} core-seconds at "
            f"{SECONDS_PER_PERSON_YEAR * 1e6:.2g} µs per person-year, {o.workers} workers; a rough guide)")


def _print_summary(outcome) -> None:
    """The last year's means of the sweep's metrics, one line per variant × county."""
    table = outcome.summary
    if table is None or table.empty:
        return
    last = table["year"].max()
    wide = table[table["year"] == last].pivot_table(index=["variant", "label", "county"], columns="metric",
                                                    values="mean", sort=False)
    metrics = [m for m in (*outcome.sweep.metrics, "prob_overspend") if m in wide.columns]
    wide = wide[metrics].reset_index()
    click.echo(f"mean over worlds, year {last} (all years and p05/p50/p95 in {outcome.out / 'summary.csv'}):")
    click.echo(wide.to_string(index=False, float_format=lambda x: f"{x:.4g}"))
    if "rank" in table.columns:  # --objective / --constraint (simulator.ranking)
        ranks = table[table["year"] == last].drop_duplicates(["variant", "county"])
        ranks = ranks[["variant", "label", "county", "objective_value", "rank", "feasible", "win_prob"]]
        click.echo(f"ranking, year {last} (win_prob: P(beats {ranks['variant'].iloc[0]}) over worlds):")
        click.echo(ranks.sort_values(["county", "rank"], kind="stable").to_string(
            index=False, float_format=lambda x: f"{x:.4g}"))


def _write_summary(summary, file: str) -> None:
    """The summary table by the file's suffix, indicator columns labelled in Chinese and English."""
    from simulator.indicators import BY_KEY
    from simulator.tables_io import write_table

    labels = {}
    for column in summary.columns:
        key = column.split(":")[-1]
        for stat in ("_mean", "_sd", "_p05", "_p50", "_p95"):
            key = key.removesuffix(stat)
        if key in BY_KEY:
            labels[column] = (BY_KEY[key].zh + column[len(key):] if column.startswith(key) else BY_KEY[key].zh,
                              BY_KEY[key].en + column[len(key):] if column.startswith(key) else BY_KEY[key].en)
    write_table(summary, file, labels=labels or None)
