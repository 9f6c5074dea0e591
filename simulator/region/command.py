"""``mcsim run REGION.toml``: the region path of the run command (docs/region.md)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


def run_region_command(file: str, out_dir: str | None, overrides: tuple[str, ...], replications: int | None,
                       seed: int | None, threads: int | None, target_se: tuple[str, ...], as_json: bool,
                       quiet: bool, executor: str | None, workers: int | None, scheduler: str | None) -> None:
    """Validate the region, run it (resuming kept chunks), write its results folder."""
    from simulator.commands.options import check_out_dir
    from simulator.errors import InputError, Problem
    from simulator.region.run import forget_chunks, run_region
    from simulator.region.spec import load_region
    from simulator.scenario.fields import MAX_REPLICATIONS, MAX_SEED

    if target_se:
        raise InputError(Problem("--target-se", "region runs take a fixed number of worlds",
                                 hint="set --replications (or region.replications)"))
    if replications is not None and not 1 <= replications <= MAX_REPLICATIONS:
        raise InputError(Problem("--replications", f"must be between 1 and {MAX_REPLICATIONS:,}, got {replications}"))
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise InputError(Problem("--seed", f"must be between 0 and 2**63 − 1, got {seed}"))
    if scheduler and executor != "dask":
        raise InputError(Problem("--scheduler", "needs --executor dask"))
    if workers is not None and executor is None:
        raise InputError(Problem("--workers", "needs --executor", hint="e.g. --executor processes --workers 4"))
    if out_dir is not None:
        check_out_dir(out_dir)
    region = load_region(file, overrides).with_run(replications=replications, seed=seed)
    target = Path(out_dir) if out_dir is not None else check_out_dir(str(Path("results") / region.name))
    _check_memory(region, threads)
    if executor is not None:
        from simulator.batch.executors import make_executor

        make_executor(executor, workers=workers, scheduler=scheduler)  # flags checked before any work
    from simulator.commands.warmup import ensure_compiled

    ensure_compiled(region.counties[0].scenario.output.lang, quiet=quiet)
    n_counties = len(region.counties)
    total = int(region.meta.replications) * (region.meta.years + 1) * n_counties
    show = not quiet and sys.stderr.isatty()
    if show and executor is None:
        with click.progressbar(length=total, label=f"mcsim {region.name}", file=sys.stderr) as bar:
            results = run_region(region, overrides=overrides, out=target, threads=threads, progress=bar.update)
    else:
        def chunk_done(done: int, count: int) -> None:
            if not quiet:
                click.echo(f"  chunk {done}/{count}", err=True)

        results = run_region(region, overrides=overrides, out=target, executor=executor, workers=workers,
                             scheduler=scheduler, threads=threads, on_chunk=chunk_done if executor else None)
    from simulator.i18n import current_lang

    results.write(target, lang=current_lang(region.counties[0].scenario.output.lang))  # --lang > MCSIM_LANG > output.lang > locale
    forget_chunks(target)
    summary = results.summary_dict()
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
    if not quiet:
        rt = summary["runtime"]
        click.echo(f"wrote {target}/ — region {region.name}: {n_counties} counties, "
                   f"{region.meta.replications} worlds × {region.meta.years} years, seed {results.seed}, "
                   f"{rt['seconds']:.1f} s", err=True)
        last = -1
        for name, doc in [*summary["counties"].items(), ("region", summary)]:
            ind = doc["indicators"]
            p = doc["risk"]["prob_overspend"][last]
            click.echo(f"  {name:12s} balance rate {ind['balance_rate'][last]['mean']:+.3f}  "
                       f"in-county {ind['county_visit_share'][last]['mean']:.3f}  "
                       f"point value {ind[region.meta.pool.method + '_point_value'][last]['mean']:.2f}  "
                       f"P(overspend) {p:.2f}" if p is not None else f"  {name}", err=True)


def _check_memory(region, threads: int | None) -> None:
    """Every county's outputs are held for every world: refuse what cannot fit (exit 2)."""
    from simulator.errors import InputError, Problem
    from simulator.memory import available_bytes, run_bytes

    need = sum(run_bytes(c.scenario, int(region.meta.replications), threads or 2) for c in region.counties)
    have = available_bytes()
    if have is not None and need > have:
        raise InputError(Problem("region.replications", f"this region needs about {need / 2**30:.1f} GiB of "
                                 f"memory, {have / 2**30:.1f} GiB is available",
                                 hint="fewer worlds (--replications) or smaller counties"))
