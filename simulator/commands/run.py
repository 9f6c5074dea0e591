"""``mcsim run``: simulate a scenario and write its results folder."""

from __future__ import annotations

import sys

import click

from simulator.commands.options import check_out_dir, set_option, threads_option


@click.command("run")
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Results folder (default results/<scenario name>/). Replaced atomically.")
@set_option
@click.option("--replications", "-n", type=int, default=None, help="Worlds to simulate (default: the scenario's).")
@click.option("--seed", type=int, default=None, help="Master seed (default: the scenario's, else fresh; recorded).")
@threads_option
@click.option("--target-se", "target_se", multiple=True, metavar="FIGURE=SE",
              help="Add chunks of worlds until every year's standard error of FIGURE (prob_overspend, "
                   "overspend_var95, ... community_loss_cvar95) is at most SE; --replications is the "
                   "ceiling. Repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print summary.json to stdout.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or closing summary on stderr.")
@click.option("--executor", default=None, type=click.Choice(["local", "threads", "processes", "dask"]),
              help="Region files: run chunks of worlds on a batch executor (default: in this process).")
@click.option("--workers", type=int, default=None, help="Region files: workers of --executor.")
@click.option("--scheduler", default=None, metavar="ADDRESS", help="Region files: a dask scheduler (--executor dask).")
def command(scenario: str, out_dir: str | None, overrides: tuple[str, ...], replications: int | None,
            seed: int | None, threads: int | None, target_se: tuple[str, ...], as_json: bool,
            quiet: bool, executor: str | None, workers: int | None, scheduler: str | None) -> None:
    """Simulate SCENARIO (TOML) and write summary.json, worlds.parquet, flows.parquet,
    report.html, figures/ and scenario.resolved.toml.

    A region file (top-level [region] table: several counties and city hospitals under one points
    pool, docs/region.md) runs every county and writes the same files with a county column.

    \b
    Example:
      mcsim run scenarios/reference.toml --replications 50 --set budget.risk_reserve=0.07
      mcsim run scenarios/region/region.toml --replications 20
    """
    import json
    from pathlib import Path

    from simulator.region.spec import is_region_file

    if is_region_file(scenario):
        from simulator.region.command import run_region_command

        return run_region_command(scenario, out_dir, overrides, replications, seed, threads, target_se,
                                  as_json, quiet, executor, workers, scheduler)
    if executor is not None or workers is not None or scheduler is not None:
        from simulator.errors import InputError, Problem

        flag = "--executor" if executor is not None else "--workers" if workers is not None else "--scheduler"
        raise InputError(Problem(flag, "executors run region files (a scenario runs in this process)",
                                 hint="drop the flag, or use `mcsim batch` for many scenarios"))

    from simulator.api import run
    from simulator.errors import InputError, Problem
    from simulator.scenario import load_scenario

    if replications is not None and replications < 1:
        raise InputError(Problem("--replications", f"must be >= 1, got {replications}"))
    if seed is not None and seed < 0:
        raise InputError(Problem("--seed", f"must be >= 0, got {seed}"))
    from simulator.stopping import parse_targets

    targets = parse_targets(target_se) if target_se else None
    if out_dir is not None:  # before the scenario is read: `--out ''` is an error, not the default
        check_out_dir(out_dir)
    from simulator.payment.registry import payment_notices

    s = load_scenario(scenario, overrides)
    if not quiet:
        for line in payment_notices(s.payment):
            click.echo(line, err=True)
    target = Path(out_dir) if out_dir is not None else check_out_dir(str(Path("results") / s.name))
    from simulator.commands.warmup import ensure_compiled

    ensure_compiled(s.output.lang, quiet=quiet)  # a cold kernel cache says so before compiling
    results = run(s, replications=replications, seed=seed, threads=threads,
                  progress=not quiet and sys.stderr.isatty(), target_se=targets)
    from simulator.i18n import current_lang

    results.write(target, lang=current_lang(s.output.lang))  # --lang > MCSIM_LANG > output.lang > locale
    summary = results.summary_dict()
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    if not quiet:
        rt = summary["runtime"]
        ind = summary["indicators"]
        click.echo(f"wrote {target}/ — {summary['scenario']['replications']} worlds × "
                   f"{summary['scenario']['years']} years, seed {results.seed}, "
                   f"{rt['seconds']:.1f} s ({rt['episodes_per_second'] / 1e6:.1f} M episodes/s)", err=True)
        for key in ("balance_rate", "county_visit_share", "primary_visit_share", "effective_reimbursement_rate"):
            first = ind[key][0]
            click.echo(f"  {key:30s} year {first['year']}: mean {first['mean']:.3f} "
                       f"[{first['p05']:.3f}, {first['p95']:.3f}]", err=True)
        risk = ", ".join(f"{p:.2f} ± {se:.2f}" for p, se in zip(summary["risk"]["prob_overspend"],
                                                               summary["risk"]["prob_overspend_se"]))
        click.echo(f"  prob_overspend by year (± Monte Carlo SE): {risk}", err=True)
        if results.stopping is not None:
            stop = results.stopping
            state = "met" if stop["met"] else "not met at the ceiling"
            click.echo(f"  --target-se {state}: {stop['worlds']} worlds "
                       + ", ".join(f"{k} SE {v:.3g}" for k, v in stop["achieved"].items()), err=True)
