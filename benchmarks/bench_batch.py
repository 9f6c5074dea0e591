"""Batch overhead: how much of a batch's wall time is not simulation.

A 200-task batch of tiny scenarios (one world and one year per task, population.size 20,000 and
100,000 by default; a county's smallest realistic size is about 100,000) runs through
:func:`simulator.batch.execute_sweep`. Two cases:

* ``one-design``: 1 variant × 200 world-chunks (chunks of a design run jointly);
* ``many-designs``: 200 variants × 1 chunk (no two tasks share a scenario: the worst case).

Each case runs twice:

* ``warm``: in this process, after a 1-task batch loaded the kernels (a notebook's second
  batch; with worker processes every batch still starts its own);
* ``cold``: in a fresh interpreter, timed from ``import simulator.batch`` to the end, which is
  what ``mcsim batch`` pays (imports, numba's first use, workers).

Figures per run (``workers`` = worker count, 2 by default):

* ``wall_s``: the whole batch (validation, start-up, tasks, parquet writes, summary);
* ``sim_s``: Σ CPU seconds of the engine's runs (:func:`simulator.engine.run_worlds`, which
  includes building the populations and settling), measured per worker thread, so time spent
  waiting for the GIL or a core is not counted as simulation;
* ``outside_share`` = 1 − sim_s / (workers × wall_s): the share of the workers' capacity not
  spent simulating (target < 10%);
* ``mode``: what ``--executor local`` chose (threads or processes); ``--executor processes``
  is also measured cold, for comparison.

    python benchmarks/bench_batch.py [--workers 2] [--tasks 200] [--people 20000 100000]

JSON goes to ``benchmarks/results/batch.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REFERENCE, REPO, RESULTS, machine


def sweep_text(case: str, tasks: int, people: int = 500) -> str:
    head = f'''[sweep]
name = "bench-{case}"
base = "{REFERENCE.as_posix()}"
replications = {tasks if case == "one-design" else 1}
chunk_worlds = 1
seed = 7
overrides = {{ "population.size" = {people}, "scenario.years" = 1 }}
'''
    if case == "one-design":
        return head
    values = ", ".join(f"{0.02 + 0.06 * i / max(tasks - 1, 1):.6f}" for i in range(tasks))
    return head + f'\n[[vary]]\nkind = "grid"\nkey = "budget.risk_reserve"\nvalues = [{values}]\n'


def measure(path: Path, out: Path, workers: int, executor: str) -> dict:
    """Run one batch in this process; its figures (the output folder is removed after)."""
    started = time.perf_counter()
    from simulator.batch import execute_sweep

    outcome = execute_sweep(path, executor=executor, workers=workers, out=out)
    wall = time.perf_counter() - started
    shutil.rmtree(out)
    if outcome.failures:
        raise RuntimeError(f"benchmark batch failed: {outcome.failures[0]}")
    return {"tasks": outcome.total, "mode": outcome.mode, "wall_s": wall, "sim_s": outcome.sim_seconds,
            "task_s": outcome.task_seconds, "outside_share": 1.0 - outcome.sim_seconds / (workers * wall)}


def cold(path: Path, out: Path, workers: int, executor: str) -> dict:
    """:func:`measure` in a fresh interpreter (the numba cache on disk is warm)."""
    code = ("import json, sys; from pathlib import Path; from benchmarks.bench_batch import measure; "
            f"print(json.dumps(measure(Path({str(path)!r}), Path({str(out)!r}), {workers}, {executor!r})))")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        raise RuntimeError(f"cold batch failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=min(os.cpu_count() or 1, 4))
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--people", type=int, nargs="+", default=[20_000, 100_000],
                        help="population sizes of the tiny scenarios (one case each)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="mcsim-bench-batch."))
    report = {"machine": machine(), "date": time.strftime("%Y-%m-%d"), "workers": args.workers,
              "tasks": args.tasks, "cases": {}}

    def path_for(case: str, people: int, tasks: int) -> Path:
        path = folder / f"{case}-{tasks}-{people}.toml"
        path.write_text(sweep_text(case, tasks, people), encoding="utf-8")
        return path

    try:
        one = path_for("one-design", 500, 1)
        cold(one, folder / "prime", args.workers, "processes")  # numba cache and imports warm on disk
        report["startup_s"] = {executor: cold(one, folder / "s", args.workers, executor)["wall_s"]
                               for executor in ("threads", "processes")}
        measure(one, folder / "w", args.workers, "threads")  # this process: kernels loaded
        print(f"1-task batch in a fresh interpreter: {report['startup_s']['threads']:.2f} s with threads, "
              f"{report['startup_s']['processes']:.2f} s with processes; {args.workers} workers, {args.tasks} tasks")
        for people in args.people:
            for case in ("one-design", "many-designs"):
                path = path_for(case, people, args.tasks)
                rows = {"warm local": measure(path, folder / "o", args.workers, "local"),
                        "cold local": cold(path, folder / "o", args.workers, "local"),
                        "cold processes": cold(path, folder / "o", args.workers, "processes")}
                for label, row in rows.items():
                    row["people"] = people
                    report["cases"][f"{case}-{people}-{label.replace(' ', '-')}"] = row
                    print(f"{case:13s} {people:>7,} people, {label:14s} ({row['mode']:9s}): wall {row['wall_s']:6.2f} s, "
                          f"simulation {row['sim_s']:6.2f} CPU s, outside simulation {row['outside_share']:6.1%}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "batch.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {RESULTS / 'batch.json'}")


if __name__ == "__main__":
    main()
