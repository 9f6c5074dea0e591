"""Reading a results folder for ``mcsim report`` and ``mcsim compare`` (one message for bad paths)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.results import Results


def load_results(folder: Path) -> "Results":
    """:meth:`Results.load` of ``folder``; a path that is not a folder is an InputError naming it."""
    from simulator.errors import InputError, Problem
    from simulator.results import Results

    if not folder.is_dir():
        what = "is a file, not a results folder" if folder.exists() else "no such folder"
        raise InputError(Problem(str(folder), what, hint="point at the folder `mcsim run` wrote"))
    return Results.load(folder)
