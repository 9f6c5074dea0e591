"""Count the random variates the model draws, by kind, with the kernels run as plain Python.

Method (exact for the sample it runs): in a child process with ``NUMBA_DISABLE_JIT=1`` the jitted
kernels are ordinary Python functions that look up ``rng.<variate>`` at call time, so wrapping
the functions of :mod:`simulator.kernels.rng` counts every variate the model asks for. Only
top-level calls count (the normal inside a lognormal, the uniforms inside a gamma are part of
that variate); the wrapper also records each call's parameters (count laws, LOS means), which the
limit kernel replays. The raw 64-bit generator outputs are counted too (``u64``).

Kinds: ``count`` (inversion counts: visits, admissions, chronic visits; one per person-year and
law), ``uniform`` (tier and case-group categoricals, referral destinations, down-referrals, the
world's first queue position), ``normal`` (visit-cost sums), ``lognormal`` (admission, referring
and recovery stay costs), ``negbin`` (lengths of stay: gamma–Poisson).

Run as a child: ``python -m benchmarks.draws PEOPLE WORLDS YEARS [--set KEY=VALUE ...]``; prints
per-person-year draw rates and parameter samples as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any


from benchmarks.common import REFERENCE, child

KINDS = ("count", "uniform", "normal", "lognormal", "negbin")
SAMPLE = 100_000  # parameter samples kept per kind for the limit kernel


def count_draws(people: int, worlds: int, years: int, overrides: list[str] | None = None) -> dict[str, Any]:
    """Draws per person-year of the reference scenario (instrumented plain-Python run in a child)."""
    args = ["benchmarks.draws", str(people), str(worlds), str(years)]
    for o in overrides or []:
        args += ["--set", o]
    return child(args, env={"NUMBA_DISABLE_JIT": "1"}, timeout=1800)


def _instrument() -> tuple[dict[str, int], dict[str, list]]:
    from simulator.kernels import rng

    counts = {k: 0 for k in KINDS}
    counts["u64"] = 0
    params: dict[str, list] = {"count_laws": [], "negbin_means": [], "negbin_dispersion": [],
                               "lognormal_cv": []}
    depth = [0]

    def wrap(name: str, kind: str | None, record=None):
        inner = getattr(rng, name)

        def counted(*args):
            if depth[0] == 0 and kind is not None:
                counts[kind] += 1
                if record is not None:
                    record(*args)
            depth[0] += 1
            try:
                return inner(*args)
            finally:
                depth[0] -= 1
        setattr(rng, name, counted)

    def law(state, laws, row):
        if len(params["count_laws"]) < SAMPLE:
            params["count_laws"].append([float(x) for x in laws[row, :5]])

    def nb(state, mean, dispersion):
        if len(params["negbin_means"]) < SAMPLE:
            params["negbin_means"].append(float(mean))
        params["negbin_dispersion"] = [float(dispersion)]

    def logn(state, mean, cv):
        params["lognormal_cv"] = [float(cv)]

    inner_u64 = rng.next_u64

    def u64(state):
        counts["u64"] += 1
        return inner_u64(state)

    rng.next_u64 = u64
    wrap("count_inverse", "count", law)
    wrap("categorical", "uniform")
    wrap("uniform", "uniform")
    wrap("normal", "normal")
    wrap("lognormal_mean_cv", "lognormal", logn)
    wrap("negative_binomial", "negbin", nb)
    wrap("gamma", None)
    wrap("poisson", None)
    return counts, params


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("people", type=int)
    parser.add_argument("worlds", type=int)
    parser.add_argument("years", type=int)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    if os.environ.get("NUMBA_DISABLE_JIT") != "1":
        raise SystemExit("run with NUMBA_DISABLE_JIT=1 (use count_draws())")
    from simulator.engine import run_worlds
    from simulator.scenario import load_scenario

    counts, params = _instrument()
    s = load_scenario(REFERENCE, [f"population.size={args.people}", f"scenario.years={args.years}",
                                  *args.overrides])
    out = run_worlds(s, worlds=range(args.worlds), seed=int(s.scenario.seed), threads=1)
    person_years = float(args.people * args.worlds * (args.years + 1))  # headcount drift ignored
    print(json.dumps({
        "people": args.people, "worlds": args.worlds, "years": args.years, "overrides": args.overrides,
        "person_years": person_years, "episodes": out.episodes,
        "counts": counts,
        "per_person_year": {k: v / person_years for k, v in counts.items()},
        "params": params,
    }))


if __name__ == "__main__":
    main()
