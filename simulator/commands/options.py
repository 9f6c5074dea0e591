"""Options shared by several commands (defined once)."""

from __future__ import annotations

import click

set_option = click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE",
    help="Override a scenario key (dotted path; value parsed as TOML), e.g. "
         "--set budget.risk_reserve=0.07. Repeatable.",
)
