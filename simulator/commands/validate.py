"""``mcsim validate``: check a scenario without running it.

On success the first line is the one-line summary (``ok: NAME — ...``; scripts may read it),
followed by the resolved settlement: the rules file or preset with the scenario's inline parts
merged in (``simulator.settlement.resolve``) — withhold rate, surplus and overspend bands, and the
assessment (mode, scores, parts scaled, each indicator with its target and weight); then the
parameter uncertainty (each drawn key, its distribution and whether it takes the fast path) and
the county's population seed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import click

from simulator.commands.options import set_option

if TYPE_CHECKING:
    from simulator.scenario.schema import Scenario
    from simulator.settlement.rules import SettlementRules


@click.command("validate")
@click.argument("scenario", type=click.Path(dir_okay=False))
@set_option
def command(scenario: str, overrides: tuple[str, ...]) -> None:
    """Validate SCENARIO (a TOML file): exit 0 with a one-line summary and the resolved settlement
    rules, or exit 2 listing every problem.

    \b
    Example:
      mcsim validate scenarios/reference.toml --set budget.risk_reserve=0.07
    """
    from simulator.region.spec import is_region_file
    from simulator.scenario import load_scenario, scenario_hash
    from simulator.settlement.resolve import resolve_settlement

    if is_region_file(scenario):
        return _validate_region(scenario, overrides)
    s = load_scenario(scenario, overrides)
    pop = s.population
    size = f"{pop.size:,} insured" if pop.source == "synthetic" else f"population from {pop.file}"
    click.echo(f"ok: {s.scenario.name} — {size}, {s.scenario.years} years from {s.scenario.start_year}, "
               f"{s.scenario.replications} worlds, settlement '{s.settlement.rules}', hash {scenario_hash(s)}")
    from simulator.uncertainty.table import describe

    rules, _ = resolve_settlement(s)
    from simulator.payment.registry import payment_notices

    for line in settlement_lines(s, rules) + describe(s) + payment_notices(s.payment):
        click.echo(line)


def _validate_region(file: str, overrides: tuple[str, ...]) -> None:
    """A region file: every county's scenario with the region's settings, the pool, the hospitals."""
    from simulator.region.spec import load_region
    from simulator.scenario import scenario_hash

    region = load_region(file, overrides)
    meta, pool = region.meta, region.meta.pool
    click.echo(f"ok: {meta.name} — {len(region.counties)} counties, {len(region.hospitals)} city hospitals, "
               f"{meta.years} years from {meta.start_year}, {meta.replications} worlds, {pool.method} pool "
               f"({pool.mode}, basis {pool.basis}), fingerprint {region.fingerprint()[:16]}")
    for c in region.counties:
        s = c.scenario
        role = "community" if c.community else "no community budget"
        click.echo(f"  county {c.name}: {s.population.size:,} insured, settlement '{s.settlement.rules}', "
                   f"{role}, hash {scenario_hash(s)}")
    for h in region.hospitals:
        click.echo(f"  hospital {h.name}: " + ", ".join(f"{k} {v:g}" for k, v in h.shares.items()))


def _pct(rate: float) -> str:
    return "∞" if math.isinf(rate) else f"{rate * 100:.4g}%"


def _bands(bands: Any, attr: str) -> str:
    parts, lower = [], 0.0
    for band in bands:
        parts.append(f"{_pct(lower)}–{_pct(band.upto)}: {_pct(getattr(band, attr))}")
        lower = band.upto
    return "; ".join(parts)


def _part(rules: Any, attr: str) -> str:
    cap = "none" if math.isinf(rules.cap_rate) else f"{_pct(rules.cap_rate)} of B"
    return f"min rate {_pct(rules.min_rate)}, cap {cap}, bands [{_bands(rules.bands, attr)}]"


def settlement_lines(s: Scenario, rules: SettlementRules) -> list[str]:
    """The resolved settlement rules in a few terminal lines (after validate's summary line)."""
    from simulator.settlement.resolve import indicators_origin, rules_origin

    a = rules.assessment
    applies = ", ".join(a.applies_to) if a.applies_to else "nothing (the score changes no amount)"
    origin = rules_origin(s)
    origin = "preset" if origin == f"preset {rules.name}" else origin
    lines = [
        f"settlement: {rules.name} ({origin}), withhold {_pct(rules.withhold_rate)}",
        f"  surplus (retain):       {_part(rules.surplus, 'retain')}",
        f"  overspend (fund share): {_part(rules.overspend, 'fund_share')}",
        f"  assessment: mode {a.mode}, full score {a.full_score:g}, pass score {a.pass_score:g}, "
        f"applies to {applies}",
    ]
    if not a.indicators:
        lines.append(f"  indicators: none (score = full score {a.full_score:g})")
        return lines
    where = "scenario" if indicators_origin(s) == "scenario" else "rules file"
    total = sum(ind.weight for ind in a.indicators)
    lines.append(f"  indicators (from the {where}): {len(a.indicators)}, total weight {total:g}")
    width = max(len(ind.key) for ind in a.indicators)
    for ind in a.indicators:
        share = f" ({ind.weight / total:.0%})" if total > 0 else ""
        lines.append(f"    {ind.key:<{width}}  {ind.direction:<8} {ind.target:<8g} "
                     f"tolerance {ind.tolerance:<6g} weight {ind.weight:g}{share}")
    return lines
