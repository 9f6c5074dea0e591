"""The limit kernel: the model's random variates and nothing else (jit-compiled; fills ``out``).

Per world (``prange`` over worlds, one keyed xoshiro256** stream each, exactly like
:func:`simulator.kernels.world.simulate_year`) it draws ``n[k]`` variates of each kind with the
functions of :mod:`simulator.kernels.rng`, replaying parameter samples recorded from the model
(:mod:`benchmarks.draws`): count laws for the inversion counts, LOS means for the
negative-binomial stays. The variates are summed so the compiler cannot drop them. The time of
this kernel is the floor for a model that needs those draws; the *limit ratio* is
(model draws per second) / (limit draws per second) = limit time / model time.
"""

from __future__ import annotations

import numpy as np

from simulator.kernels import rng
from simulator.kernels.jit import jit, prange


@jit(parallel=True)
def limit_kernel(seed, year, world_offset, n, laws, nb_means, nb_dispersion, cv, out):
    """Draw ``n = [count, uniform, normal, lognormal, negbin]`` variates in each world of ``out``."""
    n_laws = laws.shape[0]
    n_means = nb_means.shape[0]
    for w in prange(out.shape[0]):
        st = np.empty(4, dtype=np.uint64)
        rng.seed_stream(st, seed, world_offset + w, year, 0)
        acc = 0.0
        for j in range(n[0]):
            acc += rng.count_inverse(st, laws, j % n_laws)
        for j in range(n[1]):
            acc += rng.uniform(st)
        for j in range(n[2]):
            acc += rng.normal(st)
        for j in range(n[3]):
            acc += rng.lognormal_mean_cv(st, 1.0, cv)
        for j in range(n[4]):
            acc += rng.negative_binomial(st, nb_means[j % n_means], nb_dispersion)
        out[w] = acc


def limit_inputs(draws: dict, person_years_per_world: float):
    """Arguments of :func:`limit_kernel` for worlds of ``person_years_per_world`` (from draws.py)."""
    from benchmarks.draws import KINDS

    rate = draws["per_person_year"]
    n = np.array([int(round(rate[k] * person_years_per_world)) for k in KINDS], dtype=np.int64)
    p = draws["params"]
    laws = np.ascontiguousarray(np.array(p["count_laws"], dtype=np.float64).reshape(-1, 5))
    means = np.array(p["negbin_means"] or [1.0], dtype=np.float64)
    dispersion = float(p["negbin_dispersion"][0]) if p["negbin_dispersion"] else 0.0
    cv = float(p["lognormal_cv"][0]) if p["lognormal_cv"] else 0.0
    return n, laws, means, dispersion, cv
