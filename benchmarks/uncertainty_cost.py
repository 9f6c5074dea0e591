"""What parameter uncertainty costs: the same run with six uncertain multipliers vs without.

Issue 14 asks that a run whose worlds draw six multiplier parameters (the fast path: per-world
factors into the kernels, and choice tables per world) cost at most 1.3× the same run without
them. Both runs are timed in this one process, interleaved (off, on, off, on, ...) after a warm-up
of each, so machine load moves both alike; the figure is the ratio of the medians (and of the
minima), never an absolute time.

    python benchmarks/uncertainty_cost.py [--people 50000] [--worlds 16] [--repeats 5] [--threads 2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REFERENCE  # noqa: E402

#: six fast-path parameters: four dynamics and two multipliers of costs and rates
SIX = [
    {"key": "dynamics.utilisation_trend", "distribution": "normal", "mean": 0.01, "sd": 0.01, "truncate": [-0.02, 0.04]},
    {"key": "dynamics.cost_inflation", "distribution": "triangular", "low": 0.005, "mode": 0.04, "high": 0.075},
    {"key": "dynamics.casemix_drift", "distribution": "triangular", "low": -0.01, "mode": 0.01, "high": 0.03},
    {"key": "dynamics.epidemic.uplift", "distribution": "gamma", "shape": 4.0, "scale": 0.02, "truncate": [0.0, 0.3]},
    {"key": "demand.outpatient.base_cost", "distribution": "lognormal", "mean": 5.42, "sd": 0.05},
    {"key": "demand.inpatient.rate_by_age", "scale": True, "distribution": "gamma", "shape": 400.0, "mean": 1.0},
]


def main(argv: list[str] | None = None) -> None:
    import simulator
    from simulator.engine import run_worlds
    from simulator.prepare import prepare

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--people", type=int, default=50_000)
    ap.add_argument("--worlds", type=int, default=16)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args(argv)
    base = {"population.size": args.people, "scenario.years": 3}
    models = {
        "without": prepare(simulator.load_scenario(REFERENCE, base | {"uncertainty.enabled": False})),
        "with 6 params": prepare(simulator.load_scenario(REFERENCE, base | {"uncertainty.param": SIX})),
    }
    times: dict[str, list[float]] = {name: [] for name in models}
    for name, model in models.items():  # warm-up: JIT cache load, population, first tables
        run_worlds(model, worlds=range(2), seed=1, threads=args.threads)
    for _ in range(args.repeats):
        for name, model in models.items():
            t = time.perf_counter()
            run_worlds(model, worlds=range(args.worlds), seed=1, threads=args.threads)
            times[name].append(time.perf_counter() - t)
    off, on = times["without"], times["with 6 params"]
    print(f"{args.people:,} people × {args.worlds} worlds × 4 years, {args.repeats} interleaved repeats")
    for name, values in times.items():
        print(f"  {name:14s} median {statistics.median(values):7.2f} s   min {min(values):7.2f} s")
    print(f"  ratio with/without: median {statistics.median(on) / statistics.median(off):.3f}, "
          f"min {min(on) / min(off):.3f}   (target <= 1.3)")


if __name__ == "__main__":
    main()
