"""Benchmark: settle 1,000,000 community-years with the county-tiered preset through the API.

Run: ``python benchmarks/bench_settlement.py [--rows N] [--repeats R]``. Inputs are random
(budget 5e7–2e8 yuan, spending ±25% of budget, score 40–100) from a fixed seed. One warm-up call
is timed apart and excluded; the JSON goes to ``benchmarks/results/settlement.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from simulator.settlement import load_rules, settle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    budget = rng.uniform(5e7, 2e8, args.rows)
    spending = budget * rng.uniform(0.75, 1.25, args.rows)
    score = rng.uniform(40.0, 100.0, args.rows)
    rules = load_rules("county-tiered")

    start = time.perf_counter()
    settle(rules, budget, spending, score)
    warmup = time.perf_counter() - start

    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        settle(rules, budget, spending, score)
        times.append(time.perf_counter() - start)

    median = statistics.median(times)
    result = {
        "benchmark": "settlement", "rules": "county-tiered", "rows": args.rows,
        "repeats": args.repeats, "seed": args.seed, "warmup_seconds": warmup,
        "seconds": {"min": min(times), "median": median, "max": max(times)},
        "rows_per_second": args.rows / median,
        "machine": {"python": platform.python_version(), "numpy": np.__version__,
                    "processor": platform.processor() or platform.machine(),
                    "system": platform.platform()},
        "date": time.strftime("%Y-%m-%d"),
    }
    out = Path(__file__).resolve().parent / "results" / "settlement.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"settle {args.rows:,} rows (county-tiered), {args.repeats} repeats, warm-up {warmup:.3f} s excluded")
    print(f"  seconds: min {min(times):.4f}  median {median:.4f}  max {max(times):.4f}")
    print(f"  rows/s (median): {args.rows / median:,.0f}")
    print(f"  -> {out}")


if __name__ == "__main__":
    main()
