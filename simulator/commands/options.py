"""Options shared by several commands (defined once)."""

from __future__ import annotations

from pathlib import Path

import click

set_option = click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE",
    help="Override a scenario key (dotted path; value parsed as TOML), e.g. "
         "--set budget.risk_reserve=0.07. Repeatable.",
)



def _cap_threads(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    """``--threads`` above what numba can run here (``NUMBA_NUM_THREADS``, default the core count)
    is capped with a warning on stderr, not refused: results do not depend on the thread count.
    Values below 1 pass through to the engine's check (exit 2)."""
    if value is None or value < 1:
        return value
    import numba

    limit = int(numba.config.NUMBA_NUM_THREADS)
    if value > limit:
        click.echo(f"warning: --threads {value} is more than the {limit} threads numba can run on this "
                   f"machine (NUMBA_NUM_THREADS, default the number of cores); using {limit}", err=True)
        return limit
    return value


threads_option = click.option(
    "--threads", "-t", type=int, default=None, callback=_cap_threads,
    help="Threads (default: all cores; more than the cores or NUMBA_NUM_THREADS is capped with a warning).",
)


#: folders no results may replace: the file system's root, system folders, the home folder itself
SYSTEM_FOLDERS = ("/", "/bin", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sbin", "/sys", "/usr",
                  "/var")


def check_out_dir(value: str, option: str = "--out") -> Path:
    """Check an output folder before any work: raise :class:`~simulator.errors.InputError` (exit 2).

    ``value`` must be non-empty, not a system folder (:data:`SYSTEM_FOLDERS`, the home folder),
    not an existing file, and its nearest existing parent folder must accept a new file (tried
    with a probe file, created and removed). Returns ``value`` as a path.
    """
    import os
    import tempfile

    from simulator.errors import InputError, Problem

    fix = "choose a results folder of its own, e.g. --out results/NAME"
    if not value.strip():
        raise InputError(Problem(option, "is empty", hint=fix))
    path = Path(value).expanduser()
    resolved = path.resolve()
    system = {Path(p) for p in SYSTEM_FOLDERS} | {Path.home().resolve()}
    if resolved in system:
        raise InputError(Problem(option, f"{value} is a system folder (or your home folder): its contents "
                                 "would be replaced by the results", hint=fix))
    if path.exists() and not path.is_dir():
        raise InputError(Problem(option, f"{value} exists and is not a folder",
                                 hint="remove the file or choose another --out"))
    parent = resolved.parent
    while not parent.exists():  # missing folders are made when the results are written
        parent = parent.parent
    if not parent.is_dir():
        raise InputError(Problem(option, f"cannot make {value}: {parent} is a file", hint=fix))
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{resolved.name}.probe-", dir=parent)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise InputError(Problem(option, f"cannot write {value}: {parent} takes no new file "
                                 f"({exc.strerror or exc})",
                                 hint=f"choose a folder you can write, or fix the permissions of {parent}")) from None
    return path
