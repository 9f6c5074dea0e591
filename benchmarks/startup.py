"""Start-up figures: ``mcsim --help`` wall time, and cold vs warm start of ``mcsim run``.

* ``--help``: wall time of the ``mcsim --help`` process (the console script), median of repeats.
* start of a run: wall time from launching ``mcsim run`` on a tiny scenario (2,000 people,
  4 worlds, 1 year, no report) to the end of its first kernel call — the first block of worlds
  simulated (a few milliseconds of simulation), i.e. process start, imports, scenario load and
  validation, population, and JIT load or compile. *Cold*: an empty numba cache
  (``NUMBA_CACHE_DIR`` a fresh folder), so every kernel compiles; the difference cold − warm is
  the JIT compile time. *Warm*: the second and later runs with that cache filled.

The run goes through the real CLI (``simulator.cli.main``); the probe only wraps
:func:`simulator.api.run` to wrap the kernel after the engine is imported, in the order the
command imports it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import REFERENCE, REPO, spread

TINY = ["population.size=2000", "scenario.years=1", "output.figures=false", "output.report=false"]


def help_time(repeats: int) -> dict[str, Any]:
    exe = shutil.which("mcsim") or str(Path(sys.executable).with_name("mcsim"))
    times = []
    for _ in range(repeats + 1):
        t = time.perf_counter()
        subprocess.run([exe, "--help"], check=True, capture_output=True)
        times.append(time.perf_counter() - t)
    return {"command": "mcsim --help", "seconds": spread(times[1:]), "first_seconds": times[0]}


def _probe_once(cache: str, out_dir: str) -> dict[str, float]:
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as f:
        probe = f.name
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, BENCH_PROBE_FILE=probe,
               PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH", "")])))
    args = [sys.executable, "-m", "benchmarks.startup", "run", str(REFERENCE), "--out", out_dir, "--quiet",
            "--replications", "4"]
    for o in TINY:
        args += ["--set", o]
    t0 = time.time()
    subprocess.run(args, check=True, capture_output=True, cwd=REPO, env=env)
    total = time.time() - t0
    marks = json.loads(Path(probe).read_text())
    os.unlink(probe)
    return {"to_first_kernel_call": marks["first_call"] - t0, "to_first_worlds_done": marks["first_done"] - t0,
            "process_seconds": total}


def start_times(warm_repeats: int) -> dict[str, Any]:
    """Cold (fresh numba cache) and warm start of ``mcsim run`` on a tiny scenario."""
    cache = tempfile.mkdtemp(prefix="mcsim-numba-cache-")
    out = tempfile.mkdtemp(prefix="mcsim-bench-out-")
    try:
        cold = _probe_once(cache, os.path.join(out, "r"))
        warm = [_probe_once(cache, os.path.join(out, "r")) for _ in range(warm_repeats)]
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(out, ignore_errors=True)
    first = [w["to_first_worlds_done"] for w in warm]
    return {"scenario": "reference + " + " ".join(TINY) + ", 4 worlds",
            "cold_to_first_worlds_done": cold["to_first_worlds_done"], "cold": cold,
            "warm_to_first_worlds_done": spread(first), "warm": warm,
            "jit_compile_seconds": cold["to_first_worlds_done"] - spread(first)["median"]}


def _probe() -> None:
    """Child: ``mcsim run ...`` with the first kernel call timestamped into $BENCH_PROBE_FILE."""
    import simulator.api as api
    from simulator import cli

    inner_run = api.run
    marks: dict[str, float] = {}

    def run(*args, **kwargs):
        from benchmarks.common import kernel_caller

        engine = kernel_caller()
        kernel = engine.simulate_year

        def timed(*a):
            if "first_call" not in marks:
                marks["first_call"] = time.time()
            kernel(*a)
            if "first_done" not in marks:
                marks["first_done"] = time.time()
        engine.simulate_year = timed
        try:
            return inner_run(*args, **kwargs)
        finally:
            engine.simulate_year = kernel
            Path(os.environ["BENCH_PROBE_FILE"]).write_text(json.dumps(marks))
    api.run = run
    sys.argv = ["mcsim", *sys.argv[1:]]
    cli.main()


if __name__ == "__main__":
    _probe()
