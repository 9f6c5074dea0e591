"""Atomic file output: a reader (or a killed run) sees the old file or the new one, never a part.

Every writer of mcsim's output goes through here. A file is written under a temporary name in
the same folder — ``.NAME.tmp-PID-THREAD``, hidden, which dataset readers skip and a resumed
batch removes — and moved into place with :func:`os.replace`; a folder is built aside and
swapped in whole.
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from typing import Callable


def temporary_name(path: Path) -> Path:
    """The temporary sibling of ``path`` this process and thread write before the rename."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}-{threading.get_ident()}")


def write_with(path: Path, write: Callable[[Path], object]) -> None:
    """Have ``write(tmp)`` write the file (pyarrow, matplotlib ...), then move it to ``path``."""
    path = Path(path)
    tmp = temporary_name(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` (``str``: UTF-8, newlines as given) to ``path`` atomically."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    write_with(path, lambda tmp: tmp.write_bytes(payload))


def replace_dir(new: Path, target: Path) -> None:
    """Move the finished folder ``new`` to ``target``, replacing an existing one.

    ``mkdtemp`` makes a private (0700) folder; the new folder gets the usual 0755 first.
    """
    os.chmod(new, 0o755)
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
        os.replace(new, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(new, target)
