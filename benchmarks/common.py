"""Shared helpers of the benchmark suite: machine description, repeat statistics, child processes.

Every figure is timed over repeats and reported as ``{"min", "median", "max"}``; JIT warm-up is
always one separate call, excluded from the repeats and reported apart. Peak memory is measured
in a fresh child process (``ru_maxrss`` of the child itself), so one measurement never inherits
another's heap.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable, Sequence

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "scenarios" / "reference.toml"
RESULTS = REPO / "benchmarks" / "results"


def kernel_caller():
    """The module whose ``simulate_year`` the engine calls (``simulator.kernel_year``, or
    ``simulator.engine`` in trees before it), for benchmarks that time the kernel."""
    try:
        from simulator import kernel_year
        return kernel_year
    except ImportError:
        from simulator import engine
        return engine


def spread(values: Sequence[float]) -> dict[str, float]:
    """min / median / max of repeated measurements."""
    return {"min": float(min(values)), "median": float(statistics.median(values)), "max": float(max(values))}


def scaled(stats: dict[str, float], numerator: float) -> dict[str, float]:
    """Rates from times: ``numerator / seconds`` (min and max swap places)."""
    return {"min": numerator / stats["max"], "median": numerator / stats["median"], "max": numerator / stats["min"]}


def repeat(fn: Callable[[], Any], repeats: int) -> tuple[float, list[float], Any]:
    """Warm-up call time, the repeats' times (seconds), and the last call's value."""
    t = time.perf_counter()
    value = fn()
    warmup = time.perf_counter() - t
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t)
    return warmup, times, value


def machine() -> dict[str, Any]:
    """Machine and software description written into every result file."""
    import numba
    import numpy

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                                    capture_output=True, text=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", False
    try:
        import psutil

        memory_gib = psutil.virtual_memory().total / 2**30
    except ImportError:
        memory_gib = None
    return {"cpu": cpu, "cores": os.cpu_count(), "numba_threads": numba.config.NUMBA_NUM_THREADS,
            "memory_gib": memory_gib, "python": platform.python_version(), "numpy": numpy.__version__,
            "numba": numba.__version__, "system": platform.platform(),
            "date": time.strftime("%Y-%m-%d %H:%M:%S %z"), "git_commit": commit, "git_dirty": dirty,
            "load_average_at_start": list(os.getloadavg())}


def child(args: Sequence[str], env: dict[str, str] | None = None, timeout: float = 900) -> dict[str, Any]:
    """Run ``python -m benchmarks.<args>`` in a fresh process; return the JSON it prints last.

    The child adds ``peak_rss_mib`` (its own ``ru_maxrss``) through :func:`emit`.
    """
    full_env = dict(os.environ, **(env or {}))
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), full_env.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=full_env, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child {' '.join(args)} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def emit(result: dict[str, Any]) -> None:
    """Print a child's result as one JSON line, with its own peak resident memory (MiB)."""
    import resource

    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux
    print(json.dumps(result))
