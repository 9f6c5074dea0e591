"""``mcsim init``: write a commented starter scenario to begin a new study."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click

from simulator.errors import InputError, Problem

STARTER = "starter_scenario.toml"
_NAME_LINE = re.compile(r'^name = "my-county"', re.MULTILINE)


def starter_text(name: str | None = None) -> str:
    """The starter scenario (``simulator/builtin/starter_scenario.toml``), named ``name``."""
    from importlib import resources

    text = resources.files("simulator").joinpath("builtin", STARTER).read_text(encoding="utf-8")
    if name:
        # a JSON string is a valid TOML basic string (same escapes)
        text = _NAME_LINE.sub(lambda _: f"name = {json.dumps(name, ensure_ascii=False)}", text, count=1)
    return text


def _scenario_name(folder: Path) -> str | None:
    """A scenario name from the folder's name (``某县``, ``某县 (试点)``), when it is a valid
    ``scenario.name`` (one folder name: no slashes, no leading or trailing spaces, not only dots)."""
    from pydantic import ValidationError

    from simulator.scenario.schema import ScenarioTable

    name = folder.resolve().name
    if not name or any(ch in name for ch in "\n\r\t\"") or not name.isprintable():
        return None
    try:
        ScenarioTable._usable_as_folder(name)
    except (ValueError, ValidationError):
        return None
    return name


@click.command("init")
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing scenario.toml.")
def command(directory: Path, force: bool) -> None:
    """Write DIRECTORY/scenario.toml, a commented starter scenario (default: the current folder).

    The starter is the reference county scaled down (50,000 insured, 20 worlds) so a first run
    is quick; every table is explained in its comments. The scenario is named after the folder.

    \b
    Example:
      mcsim init my-county
      mcsim validate my-county/scenario.toml
      mcsim run my-county/scenario.toml
    """
    target = directory / "scenario.toml"
    if target.exists() and not force:
        raise InputError(Problem("", "already exists; nothing was written", file=str(target),
                                 hint="use --force to overwrite it, or choose another folder"),
                         title="mcsim init")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        target.write_text(starter_text(_scenario_name(directory)), encoding="utf-8")
    except OSError as exc:
        raise InputError(Problem("", f"cannot write the scenario ({exc.strerror or exc})",
                                 file=str(target)), title="mcsim init") from None
    click.echo(f"wrote {target}")
    click.echo("next steps:")
    click.echo(f"  mcsim validate {target}     # check it (exit 0 = ok)")
    click.echo(f"  mcsim run {target}          # simulate; results go to results/<name>/")
    click.echo("  edit the file: each table is explained in its comments; try changes with --set KEY=VALUE")
