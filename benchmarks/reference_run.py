"""The issue's reference run: 200 worlds × 5 years (+ base year), 450,000 people, all threads.

``python benchmarks/reference_run.py``: one warm-up run (2 worlds, JIT load) excluded, then one
timed :func:`simulator.run` of ``scenarios/reference.toml`` unchanged (engine + result frames;
no files written). Target: under 120 s wall on the 2-core development machine.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

if __package__ in (None, ""):
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REFERENCE, RESULTS, machine


def reference_run(worlds: int | None = None) -> dict[str, Any]:
    import simulator
    from simulator.scenario import load_scenario

    s = load_scenario(REFERENCE)
    t = time.perf_counter()
    simulator.run(s, replications=2)
    warmup = time.perf_counter() - t
    n = worlds or s.scenario.replications
    t = time.perf_counter()
    r = simulator.run(s, replications=n)
    wall = time.perf_counter() - t
    return {"people": s.population.size, "worlds": n, "years": s.scenario.years, "warmup_seconds": warmup,
            "seconds": wall, "engine_seconds": r.runtime["seconds"], "episodes": r.runtime["episodes"],
            "episodes_per_second": r.runtime["episodes"] / wall, "threads": r.runtime["threads"]}


if __name__ == "__main__":
    result = {"machine": machine(), "reference_run": reference_run()}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "reference_run.json").write_text(json.dumps(result, indent=2) + "\n")
    rr = result["reference_run"]
    print(f"reference run: {rr['worlds']} worlds x {rr['years']} years (+ base), {rr['people']:,} people, "
          f"{rr['threads']} threads: {rr['seconds']:.1f} s wall (target < 120 s), "
          f"{rr['episodes_per_second'] / 1e6:.1f} M episodes/s")
