"""Safe paths (``mcsim --safe`` or ``MCSIM_SAFE_PATHS=1``): file references stay inside the tree.

For services that run scenarios written by others. A scenario's file references (population
file, case mix, settlement rules file) and a sweep's scenarios must then lie inside the folder of
the file that names them (symbolic links followed): ``casemix.file = "../../../../etc/passwd"``
or ``/proc/self/environ`` is refused (exit 2) instead of read. Without it, absolute and relative
paths are read as users need them (no file's contents are ever echoed beyond a table's column
names: :meth:`simulator.tabular.Table.found`).
"""

from __future__ import annotations

import os
from pathlib import Path

#: the environment variable that turns safe paths on (any value but "" and "0")
ENV = "MCSIM_SAFE_PATHS"


def safe_paths() -> bool:
    """Whether file references are confined to their file's folder tree."""
    return os.environ.get(ENV, "") not in ("", "0")


def outside(path: str | Path, root: str | Path) -> bool:
    """Whether ``path`` (links resolved) lies outside the folder ``root``."""
    return not Path(path).resolve().is_relative_to(Path(root).resolve())


MESSAGE = "refers to a file outside the folder of the file that names it (safe paths are on)"
HINT = "move the file next to the scenario, or run without --safe / MCSIM_SAFE_PATHS"
