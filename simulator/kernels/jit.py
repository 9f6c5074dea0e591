"""The one jit decorator factory of mcsim (STYLE: one place fixes numba's options).

``cache=True`` writes compiled machine code to a cache folder so a second run starts in well
under a second. numba invalidates a cached function only when its own source file changes, not
when a constant or function it uses from another module does (a layout column moved in
:mod:`simulator.kernels.layout` would be read from the old place: wrong results, silently). So
unless ``NUMBA_CACHE_DIR`` is set, the cache folder is named by a hash of every source the
kernels compile from (:func:`kernel_fingerprint`): any change starts a fresh cache (folders
unused for a week are removed). ``error_model="numpy"`` makes division by zero give inf/nan instead
of raising inside hot loops (callers guard denominators); ``nogil`` lets worlds run in threads.
No ``fastmath``: summation order matters for bit-identical results.

With ``NUMBA_DISABLE_JIT=1`` the decorated functions run as plain Python (tests use this to check
the kernels' logic under coverage and a debugger).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable

import numba

#: the sources jit-compiled code is built from (kernels, the case rules, the model's constants)
_SOURCES = ("kernels/*.py", "payment/cases.py", "constants.py")


def kernel_fingerprint() -> str:
    """sha256 (16 hex digits) of the sources the kernels compile from, and numba's version."""
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256(numba.__version__.encode())
    for pattern in _SOURCES:
        for path in sorted(root.glob(pattern)):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _use_fingerprinted_cache() -> None:
    """Point numba's cache at ``<user cache>/mcsim/numba/<fingerprint>`` (module docstring)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "mcsim" / "numba"
    folder = base / kernel_fingerprint()
    try:
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            week_ago = time.time() - 7 * 86400
            for other in base.iterdir():  # caches of sources nobody has run for a week
                if other != folder and other.is_dir() and other.stat().st_mtime < week_ago:
                    shutil.rmtree(other, ignore_errors=True)
        os.utime(folder)
    except OSError:
        return  # not writable: numba's own default places
    numba.config.CACHE_DIR = str(folder)


_use_fingerprinted_cache()

#: the kernel whose cached machine code tells a warm cache from a cold one: the engine's
#: top-level parallel kernel, compiled last and from everything else
_WARM_MARK = "world.simulate_year-*.nbi"


def cache_folder() -> Path | None:
    """The folder numba caches compiled kernels in (``NUMBA_CACHE_DIR`` or the fingerprinted
    one), or None when numba falls back to ``__pycache__`` beside the sources."""
    folder = numba.config.CACHE_DIR
    return Path(folder) if folder else None


def cache_is_warm() -> bool:
    """True when the kernels' compiled code is cached and newer than every source it was built
    from (:data:`_SOURCES`): a run then starts without compiling. Always True without the JIT
    (``NUMBA_DISABLE_JIT=1``: nothing to compile)."""
    if numba.config.DISABLE_JIT:
        return True
    root = Path(__file__).resolve().parents[1]
    folder = cache_folder() or root / "kernels" / "__pycache__"
    if folder.name == kernel_fingerprint():
        # the folder is keyed by the sources' content: a mark in the sub-folder numba uses for this
        # checkout's kernels (kernels_<sha1 of their folder's path>) is these sources compiled,
        # whatever the files' times (a fresh clone's files are newer than a cache they match)
        kernels = Path(__file__).resolve().parent
        own = folder / f"{kernels.name}_{hashlib.sha1(str(kernels).encode()).hexdigest()}"
        return any(own.glob(_WARM_MARK))
    try:
        marks = [p.stat().st_mtime for p in folder.rglob(_WARM_MARK)]
        newest_source = max(p.stat().st_mtime for pattern in _SOURCES for p in root.glob(pattern))
    except (OSError, ValueError):
        return False
    return bool(marks) and max(marks) >= newest_source

_OPTIONS: dict[str, Any] = {"cache": True, "error_model": "numpy", "nogil": True}


def jit(func: Callable | None = None, *, parallel: bool = False) -> Any:
    """Compile ``func`` with mcsim's numba options; ``parallel=True`` enables ``prange``.

    Per-person functions take plain arrays, never the whole
    :class:`~simulator.compile.ModelArrays` tuple (passing it costs a reference count of every
    field on each call): see :mod:`simulator.kernels.layout`.
    """
    options = dict(_OPTIONS, parallel=parallel)
    if func is None:
        return numba.njit(**options)
    return numba.njit(**options)(func)


prange = numba.prange
