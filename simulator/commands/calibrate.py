"""``mcsim calibrate``: fit scenario parameters to a county's figures or claims, write the calibrated scenario."""

from __future__ import annotations

import click

from simulator.commands.options import set_option, threads_option


@click.command("calibrate")
@click.argument("scenario", type=click.Path(dir_okay=False))
@click.option("--targets", "targets_file", type=click.Path(dir_okay=False), default=None,
              help="Targets TOML: [[target]] (key, value, se, year) and [[parameter]] (key, low, high, scale, multiply).")
@click.option("--claims", "claims_file", type=click.Path(dir_okay=False), default=None,
              help="Claims CSV (UTF-8 or GBK), xlsx or parquet (simulator.claims_schema): targets are derived from it.")
@click.option("--sheet", default=None, metavar="NAME",
              help="With an xlsx --claims: the sheet to read (name or number from 1; default the first).")
@click.option("--encoding", default=None, metavar="CODEC",
              help="With a CSV --claims: its encoding (default: UTF-8 or GBK, detected), e.g. gbk.")
@click.option("--params", "params_file", type=click.Path(dir_okay=False), default=None,
              help="Parameters TOML ([[parameter]] entries); replaces those of --targets.")
@click.option("--enrolled", type=int, default=None,
              help="Insured persons per year behind the claims (claims hold only users).")
@click.option("--measure", "measure_keys", multiple=True, metavar="KEY",
              help="Measure to derive from the claims (repeatable; default a standard set).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False), default=None,
              help="Calibrated scenario TOML (default <scenario name>.calibrated.toml).")
@click.option("--write-targets", "targets_out", type=click.Path(dir_okay=False), default=None,
              help="Also write the targets used (e.g. those derived from claims) as a targets TOML.")
@set_option
@click.option("--replications", "-n", type=int, default=None, help="Worlds per evaluation (default 8).")
@click.option("--seed", type=int, default=None, help="Seed of every evaluation (common random numbers).")
@click.option("--size", type=int, default=None, help="Insured persons per evaluation world (default 20000).")
@threads_option
@click.option("--max-evaluations", type=int, default=200, show_default=True, help="Cap on simulations.")
@click.option("--no-check", is_flag=True, help="Skip the full-size run of the calibrated scenario.")
@click.option("--json", "as_json", is_flag=True, help="Print the fit (targets and parameters) as JSON.")
@click.option("--quiet", "-q", is_flag=True, help="Only errors and warnings on stderr.")
def command(scenario: str, targets_file: str | None, claims_file: str | None, sheet: str | None,
            encoding: str | None, params_file: str | None, enrolled: int | None,
            measure_keys: tuple[str, ...], out_file: str | None, targets_out: str | None,
            overrides: tuple[str, ...], replications: int | None, seed: int | None, size: int | None,
            threads: int | None, max_evaluations: int, no_check: bool, as_json: bool, quiet: bool) -> None:
    """Fit parameters of SCENARIO to targets (--targets) or to claims (--claims), print the fit
    table and write the calibrated scenario.

    \b
    Examples:
      mcsim calibrate scenarios/reference.toml --targets my-county/targets.toml --out calibrated.toml
      mcsim calibrate scenarios/reference.toml --claims claims.parquet --enrolled 450000 \\
          --params my-county/params.toml
    """
    import json
    from dataclasses import replace
    from pathlib import Path

    from simulator.calibrate.fit import calibrate
    from simulator.calibrate.measures import KEYS
    from simulator.calibrate.report import fit_report
    from simulator.calibrate.targets import CalibrationSpec, Settings, load_targets, write_targets
    from simulator.errors import InputError, Problem, did_you_mean
    from simulator.atomic import write_atomic
    from simulator.scenario import dump_scenario, load_scenario
    from simulator.tables_io import check_out_file

    say = (lambda _m: None) if quiet else (lambda m: click.echo(m, err=True))
    problems = []
    if not targets_file and not claims_file:
        problems.append(Problem("--targets", "give --targets FILE, --claims FILE, or both"))
    for name, value, low in (("--replications", replications, 2), ("--size", size, 100),
                             ("--seed", seed, 0), ("--enrolled", enrolled, 1), ("--max-evaluations", max_evaluations, 1)):
        if value is not None and value < low:
            problems.append(Problem(name, f"must be >= {low}, got {value}"))
    for key in measure_keys:
        if key not in KEYS:
            problems.append(Problem("--measure", f"unknown measure {key!r}", hint=did_you_mean(key, KEYS)))
    problems += _check_outputs(out_file, targets_out, encoding)
    if problems:
        raise InputError(problems, title="invalid options")
    base = load_scenario(scenario, overrides)
    target = Path(out_file) if out_file else Path(f"{base.name}.calibrated.toml")
    if not out_file:  # the default name is known once the scenario is: checked before the fit
        check_out_file(target, suffixes=None)
    spec = load_targets(targets_file) if targets_file else CalibrationSpec(settings=Settings())
    if params_file:
        pspec = load_targets(params_file)
        # the parameters come from --params; its targets and settings add to those of --targets
        spec = replace(spec, parameters=pspec.parameters, targets=spec.targets + pspec.targets,
                       claims_measures=spec.claims_measures or pspec.claims_measures,
                       enrolled=spec.enrolled or pspec.enrolled,
                       settings=spec.settings if targets_file else pspec.settings, file=pspec.file)
    if claims_file:
        from simulator.calibrate.claims import claims_targets, print_problems, read_claims

        claims = read_claims(claims_file, sheet=sheet, encoding=encoding)
        print_problems(claims)
        derived, table = claims_targets(claims, enrolled=enrolled or spec.enrolled,
                                        measure_keys=measure_keys or spec.claims_measures)
        have = {(t.key, t.year) for t in spec.targets}
        spec = replace(spec, targets=spec.targets + [t for t in derived if (t.key, t.year) not in have])
        say(f"claims: {len(claims.frame):,} valid rows of {claims.rows:,}; {len(derived)} targets derived")
        for row in table.itertuples():
            say(f"  {row.key:34s} {row.value:12.4g} ± {row.se:.3g}  ({row.units:,} units) {row.note}")
    from simulator.commands.warmup import ensure_compiled

    ensure_compiled(base.output.lang, quiet=quiet)
    fit = calibrate(base, spec, replications=replications, seed=seed, size=size, threads=threads,
                    check=not no_check, max_evaluations=max_evaluations, log=say)
    header = [f"# calibrated by `mcsim calibrate` from {Path(scenario).name}"
              + (f", targets {Path(targets_file).name}" if targets_file else "")
              + (f", claims {Path(claims_file).name}" if claims_file else ""),
              f"# chi2 = {fit.chi2:.2f} on {len(fit.table)} targets; seed {fit.seed}; {fit.message}"]
    header += [f"#   {r.key}{' (multiplier)' if r.multiply else ''} = {r.estimate:.6g} ± {r.se:.3g}"
               for r in fit.parameters.itertuples()]
    from simulator.calibrate.fit import calibrated_toml

    kept = calibrated_toml(scenario, fit.scenario, target)  # the file's own comments and layout
    if kept is None:
        say("note: the calibrated file is a plain dump (the scenario's comments could not be kept)")
    write_atomic(target, "\n".join(header) + "\n" + (kept if kept is not None else dump_scenario(fit.scenario)))
    if targets_out:
        write_targets(spec.targets, targets_out, header="targets used by mcsim calibrate")
    if as_json:
        click.echo(json.dumps({"chi2": fit.chi2, "seed": fit.seed, "success": fit.success,
                               "message": fit.message, "evaluations": fit.evaluations,
                               "targets": json.loads(fit.table.to_json(orient="records")),
                               "parameters": json.loads(fit.parameters.to_json(orient="records"))},
                              indent=2, ensure_ascii=False))
    else:
        click.echo(fit_report(fit))
    say(f"wrote {target}")


def _check_outputs(out_file: str | None, targets_out: str | None, encoding: str | None) -> list:
    """Problems of --out, --write-targets (a writable file: checked before any work) and --encoding."""
    from simulator.errors import InputError
    from simulator.tables_io import check_encoding, check_out_file

    problems = []
    for option, value in (("--out", out_file), ("--write-targets", targets_out), ("--encoding", encoding)):
        if value is None:
            continue
        try:
            check_encoding(value) if option == "--encoding" else check_out_file(value, option, suffixes=None)
        except InputError as exc:
            problems += exc.problems
    return problems
