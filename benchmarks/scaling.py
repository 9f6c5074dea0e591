"""Scaling of wall time with persons, worlds and years, and of peak memory with worlds.

Time: the whole engine (:func:`simulator.engine.run_worlds`, warm JIT) at ≥ 3 sizes along one
axis with the others fixed; the slope is the least-squares fit of log(time) on log(size).
Linear scaling gives slope 1 (target 0.9–1.1). Years are counted as simulated years, base year
included (``years + 1``), since that is the work done.

Memory: peak resident memory of a fresh process running :func:`simulator.run` (engine and the
result frames, no files) on a small population with 100 and with 1,000 worlds. The design keeps
memory O(persons + worlds × categories), so the ratio should stay near 1 (target ≤ 1.2).

Child: ``python -m benchmarks.scaling rss WORLDS PEOPLE YEARS``.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import numpy as np

from benchmarks.common import child, emit, repeat, spread


def slope(sizes, times) -> float:
    """Least-squares slope of log(time) against log(size)."""
    return float(np.polyfit(np.log(np.asarray(sizes, float)), np.log(np.asarray(times, float)), 1)[0])


def time_axis(axis: str, sizes: list[int], base: dict[str, int], threads: int, repeats: int) -> dict[str, Any]:
    """Median engine time at each size of ``axis`` (people | worlds | years)."""
    from benchmarks.throughput import scenario
    from simulator.engine import run_worlds

    points = []
    for size in sizes:
        p = dict(base, **{axis: size})
        s = scenario(p["people"], p["years"])
        seed = int(s.scenario.seed)
        _, times, _ = repeat(lambda: run_worlds(s, worlds=range(p["worlds"]), seed=seed, threads=threads),
                             repeats)
        points.append({**p, "seconds": spread(times)})
    x = [pt[axis] + (1 if axis == "years" else 0) for pt in points]
    return {"axis": axis, "threads": threads, "points": points,
            "slope": slope(x, [pt["seconds"]["median"] for pt in points])}


def rss_vs_worlds(people: int, years: int, worlds=(100, 1000)) -> dict[str, Any]:
    """Peak RSS (MiB) of one fresh process per world count."""
    runs = [child(["benchmarks.scaling", "rss", str(w), str(people), str(years)]) for w in worlds]
    return {"people": people, "years": years, "runs": runs,
            "ratio": runs[-1]["peak_rss_mib"] / runs[0]["peak_rss_mib"]}


def _rss_child(worlds: int, people: int, years: int) -> None:
    import simulator
    from benchmarks.throughput import scenario

    s = scenario(people, years, ["output.figures=false", "output.report=false"])
    t = time.perf_counter()
    r = simulator.run(s, replications=worlds)
    emit({"worlds": worlds, "people": people, "years": years, "seconds": time.perf_counter() - t,
          "rows_worlds_frame": len(r.worlds), "rows_flows_frame": len(r.flows)})


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "rss":
        _rss_child(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
    else:
        raise SystemExit("usage: python -m benchmarks.scaling rss WORLDS PEOPLE YEARS")
