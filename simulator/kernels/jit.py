"""The one jit decorator factory of mcsim (STYLE: one place fixes numba's options).

``cache=True`` writes compiled machine code next to the module (``__pycache__``) so a second run
starts in well under a second; ``error_model="numpy"`` makes division by zero give inf/nan instead
of raising inside hot loops (callers guard denominators); ``nogil`` lets worlds run in threads.
No ``fastmath``: summation order matters for bit-identical results.

With ``NUMBA_DISABLE_JIT=1`` the decorated functions run as plain Python (tests use this to check
the kernels' logic under coverage and a debugger).
"""

from __future__ import annotations

from typing import Any, Callable

import numba

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
