"""Throughput of the reference scenario and its limit ratio (in-process; numba threads set per call).

Throughput is measured on the whole engine (:func:`simulator.engine.run_worlds`: population
projection, kernels, payment, settlement — everything but writing files), base year included:
episodes/s and person-years/s. The kernel's own time (``simulate_year`` calls) is reported
apart, so the engine's overhead around it is visible. The limit ratio compares the model's
variates per second with :mod:`benchmarks.limit_kernel` drawing the same variates.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from benchmarks.common import REFERENCE, repeat, scaled, spread


def scenario(people: int, years: int, extra: list[str] | None = None):
    from simulator.scenario import load_scenario

    return load_scenario(REFERENCE, [f"population.size={people}", f"scenario.years={years}", *(extra or [])])


def year_sizes(s) -> list[int]:
    """Headcount of each simulated year (base year first), as :func:`project_population` sets it."""
    n0, g = s.population.size, float(s.population.growth_rate)
    return [int(round(n0 * (1.0 + g) ** k)) for k in range(s.scenario.years + 1)]


class KernelClock:
    """Wraps the engine's ``simulate_year`` (in ``simulator.kernel_year`` since issue 15, in
    ``simulator.engine`` before: both trees of a side-by-side run) to add up the kernel's wall time."""

    def __init__(self) -> None:
        from benchmarks.common import kernel_caller

        engine = kernel_caller()
        self.engine = engine
        self.inner = engine.simulate_year
        self.seconds = 0.0

    def __enter__(self) -> "KernelClock":
        def timed(*args):
            t = time.perf_counter()
            self.inner(*args)
            self.seconds += time.perf_counter() - t
        self.engine.simulate_year = timed
        return self

    def __exit__(self, *exc) -> None:
        self.engine.simulate_year = self.inner


def throughput(people: int, worlds: int, years: int, threads: int, repeats: int,
               draws: dict | None = None) -> dict[str, Any]:
    """Engine and kernel throughput; with ``draws`` (benchmarks.draws) also the limit ratio."""
    from simulator.engine import run_worlds

    s = scenario(people, years)
    seed = int(s.scenario.seed)
    py = float(sum(year_sizes(s))) * worlds
    kernel_times: list[float] = []
    out_box: dict[str, Any] = {}

    def once():
        with KernelClock() as clock:
            out_box["out"] = run_worlds(s, worlds=range(worlds), seed=seed, threads=threads)
        kernel_times.append(clock.seconds)
        return out_box["out"].episodes

    warmup, times, episodes = repeat(once, repeats)
    kernel = spread(kernel_times[1:])
    total = spread(times)
    result = {
        "people": people, "worlds": worlds, "years": years, "threads": threads, "repeats": repeats,
        "person_years": py, "episodes": episodes, "warmup_seconds": warmup,
        "seconds": total, "kernel_seconds": kernel,
        "episodes_per_second": scaled(total, episodes), "person_years_per_second": scaled(total, py),
        "kernel_person_years_per_second": scaled(kernel, py),
        "engine_overhead_share": 1.0 - kernel["median"] / total["median"],
    }
    if draws is not None:
        result.update(limit_ratio(s, worlds, threads, repeats, draws, total, kernel))
    return result


def limit_ratio(s, worlds: int, threads: int, repeats: int, draws: dict, model: dict, kernel: dict) -> dict:
    """Time the limit kernel on the same worlds, years, blocks and threads as the model run."""
    import numba

    from benchmarks.draws import KINDS
    from benchmarks.limit_kernel import limit_inputs, limit_kernel

    numba.set_num_threads(threads)
    seed = int(s.scenario.seed)
    step = max(2 * threads, 4)  # the engine's block of worlds per kernel call
    inputs = [limit_inputs(draws, size) for size in year_sizes(s)]

    def once():
        for y, (n, laws, means, disp, cv) in enumerate(inputs):
            for lo in range(0, worlds, step):
                out = np.empty(min(step, worlds - lo))
                limit_kernel(seed, y, lo, n, laws, means, disp, cv, out)
        return None

    warmup, times, _ = repeat(once, repeats)
    limit = spread(times)
    n_draws = float(sum(int(inp[0].sum()) for inp in inputs)) * worlds
    by_kind = {k: float(sum(int(inp[0][i]) for inp in inputs)) * worlds for i, k in enumerate(KINDS)}
    return {
        "draws": n_draws, "draws_by_kind": by_kind, "limit_warmup_seconds": warmup,
        "limit_seconds": limit,
        "limit_draws_per_second": scaled(limit, n_draws),
        "model_draws_per_second": scaled(model, n_draws),
        "limit_ratio": limit["median"] / model["median"],
        "limit_ratio_kernel_only": limit["median"] / kernel["median"],
    }
