"""Benchmark: settle 1,000,000 community-years with the county-tiered preset through the API.

Run: ``python benchmarks/bench_settlement.py [--rows N] [--repeats R]``. Inputs are random
(budget 5e7–2e8 yuan, spending ±25% of budget, score 40–100) from a fixed seed. One warm-up call
is timed apart and excluded; the JSON goes to ``benchmarks/results/settlement.json``.
:func:`settlement_rates` is what ``benchmarks/run.py`` calls.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import RESULTS, machine, repeat, scaled, spread


def settlement_rates(rows: int, repeats: int, seed: int = 20261125) -> dict[str, Any]:
    """Time :func:`simulator.settle` on ``rows`` random community-years (warm-up excluded)."""
    import numpy as np

    from simulator.settlement import load_rules, settle

    rng = np.random.default_rng(seed)
    budget = rng.uniform(5e7, 2e8, rows)
    spending = budget * rng.uniform(0.75, 1.25, rows)
    score = rng.uniform(40.0, 100.0, rows)
    rules = load_rules("county-tiered")
    warmup, times, _ = repeat(lambda: settle(rules, budget, spending, score), repeats)
    seconds = spread(times)
    return {"benchmark": "settlement", "rules": "county-tiered", "rows": rows, "repeats": repeats,
            "seed": seed, "warmup_seconds": warmup, "seconds": seconds,
            "rows_per_second": scaled(seconds, rows)["median"], "rows_per_second_spread": scaled(seconds, rows)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    result = settlement_rates(args.rows, args.repeats, args.seed)
    result.update(machine=machine(), date=time.strftime("%Y-%m-%d"))
    out = RESULTS / "settlement.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    s = result["seconds"]
    print(f"settle {args.rows:,} rows (county-tiered), {args.repeats} repeats, "
          f"warm-up {result['warmup_seconds']:.3f} s excluded")
    print(f"  seconds: min {s['min']:.4f}  median {s['median']:.4f}  max {s['max']:.4f}")
    print(f"  rows/s (median): {result['rows_per_second']:,.0f}")
    print(f"  -> {out}")


if __name__ == "__main__":
    main()
