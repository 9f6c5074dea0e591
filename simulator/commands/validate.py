"""``mcsim validate``: check a scenario without running it."""

from __future__ import annotations

import click

from simulator.commands.options import set_option


@click.command("validate")
@click.argument("scenario", type=click.Path(dir_okay=False))
@set_option
def command(scenario: str, overrides: tuple[str, ...]) -> None:
    """Validate SCENARIO (a TOML file): exit 0 with a one-line summary, or exit 2 listing every problem.

    \b
    Example:
      mcsim validate scenarios/reference.toml --set budget.risk_reserve=0.07
    """
    from simulator.scenario import load_scenario, scenario_hash

    s = load_scenario(scenario, overrides)
    pop = s.population
    size = f"{pop.size:,} insured" if pop.source == "synthetic" else f"population from {pop.file}"
    click.echo(f"ok: {s.scenario.name} — {size}, {s.scenario.years} years from {s.scenario.start_year}, "
               f"{s.scenario.replications} worlds, settlement '{s.settlement.rules}', hash {scenario_hash(s)}")
