"""Random streams of :mod:`simulator.kernels.rng` against published values and scipy.

Generators: SplitMix64 and xoshiro256** reproduce the reference outputs of their authors' C code
(Vigna, prng.di.unimi.it). Samplers: goodness of fit at fixed seeds (KS for gamma, chi-square
over bins of expected count ≥ 5 for counts), so each test is deterministic; a threshold of
p > 1e-3 fails a sampler that is wrong by more than its Monte Carlo noise at these sizes.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import special, stats

from simulator.kernels import rng

GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def stream(seed: int, world: int = 0, year: int = 0, block: int = 0) -> np.ndarray:
    state = np.zeros(4, dtype=np.uint64)
    rng.seed_stream(state, seed, world, year, block)
    return state


@pytest.mark.parametrize("mixer", [rng.splitmix64, rng.splitmix64.py_func], ids=["jit", "python"])
def test_splitmix64_reference_vector(mixer) -> None:
    # the generator's state advances by the golden gamma; splitmix64(x) adds it, then mixes
    expected = [6457827717110365317, 3203168211198807973, 9817491932198370423,
                4593380528125082431, 16408922859458223821]
    x = np.uint64(1234567)
    got = []
    with np.errstate(over="ignore"):
        for _ in expected:
            got.append(int(mixer(x)))
            x = np.uint64(x + GOLDEN)
    assert got == expected


@pytest.mark.parametrize("step", [rng.next_u64, rng.next_u64.py_func], ids=["jit", "python"])
def test_xoshiro256starstar_reference_vector(step) -> None:
    state = np.array([1, 2, 3, 4], dtype=np.uint64)
    with np.errstate(over="ignore"):
        got = [int(step(state)) for _ in range(4)]
    assert got == [11520, 0, 1509978240, 1215971899390074240]


def test_uniforms_are_inside_the_open_interval_and_uniform() -> None:
    state = stream(7)
    u = np.array([rng.uniform(state) for _ in range(50_000)])
    assert u.min() > 0.0 and u.max() < 1.0
    assert stats.kstest(u, "uniform").pvalue > 1e-3


def test_normal_quantile_matches_ndtri_including_tails() -> None:
    p = np.concatenate([np.logspace(-300, -1, 400), np.linspace(0.01, 0.99, 999),
                        1.0 - np.logspace(-16, -1, 200)])
    got = np.array([rng.normal_quantile(x) for x in p])
    want = special.ndtri(p)
    # AS 241 PPND16 is accurate to about 1 part in 1e16: allow a few ulps of the quantile
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=1e-15)
    assert rng.normal_quantile(0.5) == 0.0


@pytest.mark.parametrize("shape", [0.3, 4.5])
def test_gamma_fits_scipy(shape) -> None:
    state, scale, n = stream(11), 2.0, 20_000
    x = np.array([rng.gamma(state, shape, scale) for _ in range(n)])
    assert stats.kstest(x, stats.gamma(shape, scale=scale).cdf).pvalue > 1e-3
    se = np.sqrt(shape) * scale / np.sqrt(n)
    assert abs(x.mean() - shape * scale) < 4 * se


def chi_square_p(sample: np.ndarray, pmf) -> float:
    """Chi-square p-value of integer ``sample`` against ``pmf``, tail bins pooled to expected ≥ 5."""
    n = len(sample)
    top = int(sample.max()) + 1
    k = np.arange(top)
    expected = pmf(k) * n
    observed = np.bincount(sample, minlength=top).astype(float)
    edges, obs, exp, acc_o, acc_e = [], [], [], 0.0, 0.0
    for o, e in zip(observed, expected):
        acc_o += o
        acc_e += e
        if acc_e >= 5:
            obs.append(acc_o)
            exp.append(acc_e)
            acc_o = acc_e = 0.0
    obs[-1] += acc_o + 0.0
    exp[-1] += acc_e + (n - expected.sum())  # the mass beyond the largest draw
    obs, exp = np.array(obs), np.array(exp)
    return float(stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue)


@pytest.mark.parametrize("mean", [0.5, 3.0, 40.0, 1000.0])
def test_poisson_fits_scipy(mean) -> None:
    state = stream(13)
    x = np.array([rng.poisson(state, mean) for _ in range(20_000)], dtype=np.int64)
    assert chi_square_p(x, stats.poisson(mean).pmf) > 1e-3


@pytest.mark.parametrize("mean,dispersion", [(0.4, 0.0), (6.0, 0.0), (2.5, 0.8), (20.0, 0.15)])
def test_count_inverse_fits_nbinom_and_poisson(mean, dispersion) -> None:
    laws = np.zeros((1, 5))
    rng.count_law(mean, dispersion, laws, 0)
    state = stream(17)
    x = np.array([rng.count_inverse(state, laws, 0) for _ in range(20_000)], dtype=np.int64)
    if dispersion == 0.0:
        law = stats.poisson(mean)
    else:  # variance mean + dispersion·mean²: scipy's nbinom(n = 1/d, p = 1/(1 + d·mean))
        law = stats.nbinom(1.0 / dispersion, 1.0 / (1.0 + dispersion * mean))
    assert chi_square_p(x, law.pmf) > 1e-3


def test_negative_binomial_mean_and_variance() -> None:
    state, mean, d, n = stream(19), 5.0, 0.5, 40_000
    x = np.array([rng.negative_binomial(state, mean, d) for _ in range(n)], dtype=float)
    var = mean + d * mean * mean
    assert abs(x.mean() - mean) < 4 * np.sqrt(var / n)


def first_uniforms(state: np.ndarray, n: int = 20_000) -> np.ndarray:
    return np.array([rng.uniform(state) for _ in range(n)])


def test_streams_are_deterministic_and_independent_across_keys() -> None:
    assert np.array_equal(first_uniforms(stream(5, 1, 2, 3), 100), first_uniforms(stream(5, 1, 2, 3), 100))
    base = first_uniforms(stream(5, 1, 2, 3))
    n = len(base)
    for key in [(6, 1, 2, 3), (5, 2, 2, 3), (5, 1, 3, 3), (5, 1, 2, 4)]:
        other = first_uniforms(stream(*key))
        assert not np.array_equal(base[:10], other[:10]), key
        r = np.corrcoef(base, other)[0, 1]
        assert abs(r) < 4 / np.sqrt(n), (key, r)


def test_keyed_uniforms_are_the_first_uniform_of_each_world_stream() -> None:
    out = np.zeros(5)
    rng.keyed_uniforms(3, 10, 1, 2, out)
    for i in range(5):
        assert out[i] == rng.uniform(stream(3, 10 + i, 1, 2))
