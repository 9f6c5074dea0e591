"""Counter-based, keyed random streams and the variates the model draws (jit-compiled).

Each (seed, world, year, block) key is hashed with SplitMix64 into the 256-bit state of a
xoshiro256** generator (Blackman & Vigna 2018). A stream depends on its key only, never on the
thread that runs it or on the order worlds are run, so results are bit-identical for any thread
count, executor or batch split (docs/architecture.md). The state is a ``uint64[4]`` array owned by the
caller; functions advance it in place.

Variates: uniform (0, 1) with 53-bit resolution; standard normal by inversion (AS 241, one
uniform each); gamma (Marsaglia & Tsang 2000, with
the ``u**(1/a)`` boost for shape < 1); Poisson (multiplication method for mean < 10, PTRS of
Hörmann 1993 above); negative binomial as a gamma-mixed Poisson, or by inversion from a
precomputed probability of zero when many counts share one mean (:func:`count_inverse`);
lognormal by mean and CV.
"""

from __future__ import annotations

import math

import numpy as np

from simulator.kernels.jit import jit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53
#: Loop guards. Rejection loops stop after this many tries: valid parameters accept a try with
#: probability above 0.5 (PTRS about 0.9, Marsaglia–Tsang above 0.95), so the cap is never reached
#: by them (chance below 2**-1000000) and their draws are unchanged; only NaN or absurd parameters
#: reach it.
MAX_TRIES = 1_000_000
#: Largest Poisson mean drawn: beyond 2**53 a count is no longer an exact float, and callers loop
#: over each drawn count, so a larger (or NaN) mean gives 0 rather than a hang.
MAX_POISSON_MEAN = 9007199254740992.0  # 2**53


@jit
def splitmix64(x):
    """One SplitMix64 output for the 64-bit input ``x`` (a bijective mixer)."""
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


@jit
def seed_stream(state, seed, world, year, block):
    """Fill ``state`` (uint64[4]) with the stream of key (seed, world, year, block)."""
    h = splitmix64(np.uint64(seed))
    h = splitmix64(h ^ np.uint64(world))
    h = splitmix64(h ^ (np.uint64(year) + np.uint64(0x100000000)))
    h = splitmix64(h ^ (np.uint64(block) + np.uint64(0x200000000)))
    for i in range(4):
        h = splitmix64(h + np.uint64(i))
        state[i] = h


@jit
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@jit
def next_u64(state):
    """Next 64-bit output of xoshiro256** (advances ``state``)."""
    s0 = state[0]
    s1 = state[1]
    s2 = state[2]
    s3 = state[3]
    result = _rotl(s1 * np.uint64(5), 7) * np.uint64(9)
    t = s1 << np.uint64(17)
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = _rotl(s3, 45)
    state[0] = s0
    state[1] = s1
    state[2] = s2
    state[3] = s3
    return result


@jit
def uniform(state):
    """Uniform variate in the open interval (0, 1)."""
    return (float(next_u64(state) >> np.uint64(11)) + 0.5) * _TO_UNIT


@jit
def normal(state):
    """Standard normal variate by inversion of one uniform (Wichura 1988, AS 241 PPND16).

    Accurate to about 1e-16; the central 85% needs no logarithm, so it is faster than
    Box–Muller and uses exactly one uniform per variate.
    """
    return normal_quantile(uniform(state))


@jit
def normal_quantile(p):
    """Quantile of the standard normal distribution at p in (0, 1) (AS 241 PPND16)."""
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return q * (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r
                          + 67265.770927008700853) * r + 45921.953931549871457) * r
                        + 13731.693765509461125) * r + 1971.5909503065514427) * r
                      + 133.14166789178437745) * r + 3.387132872796366608) / (
            ((((((r * 5226.495278852545925 + 28729.085735721942674) * r
                 + 39307.89580009271061) * r + 21213.794301586595867) * r
               + 5394.1960214247511077) * r + 687.1870074920579083) * r
             + 42.313330701600911252) * r + 1.0)
    r = p if q < 0.0 else 1.0 - p
    r = math.sqrt(-math.log(r))
    if r <= 5.0:
        r -= 1.6
        val = (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r
                    + 0.24178072517745061177) * r + 1.27045825245236838258) * r
                  + 3.64784832476320460504) * r + 5.7694972214606914055) * r
                + 4.6303378461565452959) * r + 1.42343711074968357734) / (
            ((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r
                 + 0.0151986665636164571966) * r + 0.14810397642748007459) * r
               + 0.68976733498510000455) * r + 1.6763848301838038494) * r
             + 2.05319162663775882187) * r + 1.0)
    else:
        r -= 5.0
        val = (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r
                    + 0.0012426609473880784386) * r + 0.026532189526576123093) * r
                  + 0.29656057182850489123) * r + 1.7848265399172913358) * r
                + 5.4637849111641143699) * r + 6.6579046435011037772) / (
            ((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r
                 + 1.8463183175100546818e-5) * r + 7.868691311456132591e-4) * r
               + 0.0148753612908506148525) * r + 0.13692988092273580531) * r
             + 0.59983220655588793769) * r + 1.0)
    return -val if q < 0.0 else val


@jit
def gamma(state, shape, scale):
    """Gamma variate with ``shape`` > 0 and ``scale`` (mean shape·scale).

    NaN, zero or negative ``shape`` returns NaN without drawing; so does a rejection loop that
    accepts nothing in :data:`MAX_TRIES` tries (only absurd parameters get there).
    """
    if not shape > 0.0:  # NaN, 0 or negative: no gamma law
        return math.nan
    if shape < 1.0:
        boost = uniform(state) ** (1.0 / shape)
        shape = shape + 1.0
    else:
        boost = 1.0
    d = shape - 1.0 / 3.0
    c = 1.0 / math.sqrt(9.0 * d)
    for _ in range(MAX_TRIES):
        x = normal(state)
        v = 1.0 + c * x
        if v <= 0.0:
            continue
        v = v * v * v
        u = uniform(state)
        x2 = x * x
        if u < 1.0 - 0.0331 * x2 * x2:
            return d * v * scale * boost
        if math.log(u) < 0.5 * x2 + d * (1.0 - v + math.log(v)):
            return d * v * scale * boost
    return math.nan


@jit
def poisson(state, mean):
    """Poisson variate with the given mean (>= 0).

    A NaN mean, a mean above :data:`MAX_POISSON_MEAN` (inf included) or a rejection loop that
    accepts nothing in :data:`MAX_TRIES` tries gives 0: no valid scenario gets there, and a
    garbage count would make callers loop over it.
    """
    if mean <= 0.0:
        return 0
    if not mean <= MAX_POISSON_MEAN:  # NaN or too large
        return 0
    if mean < 10.0:
        limit = math.exp(-mean)
        k = 0
        p = uniform(state)
        while p > limit:
            k += 1
            p *= uniform(state)
        return k
    # PTRS: transformed rejection with squeeze (Hörmann 1993), as in numpy's legacy generator
    slam = math.sqrt(mean)
    loglam = math.log(mean)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    invalpha = 1.1239 + 1.1328 / (b - 3.4)
    vr = 0.9277 - 3.6224 / (b - 2.0)
    for _ in range(MAX_TRIES):
        u = uniform(state) - 0.5
        v = uniform(state)
        us = 0.5 - abs(u)
        k = math.floor((2.0 * a / us + b) * u + mean + 0.43)
        if us >= 0.07 and v <= vr:
            return int(k)
        if k < 0.0 or (us < 0.013 and v > us):
            continue
        if (math.log(v) + math.log(invalpha) - math.log(a / (us * us) + b)) <= (
                -mean + k * loglam - math.lgamma(k + 1.0)):
            return int(k)
    return 0


@jit
def negative_binomial(state, mean, dispersion):
    """Count with the given mean and variance mean + dispersion·mean² (gamma–Poisson mixture).

    ``dispersion`` 0 gives a Poisson count.
    """
    if mean <= 0.0:
        return 0
    if dispersion <= 0.0:
        return poisson(state, mean)
    shape = 1.0 / dispersion
    return poisson(state, gamma(state, shape, mean / shape))


@jit
def lognormal_mean_cv(state, mean, cv):
    """Lognormal variate with the given mean and coefficient of variation (cv 0 → mean)."""
    if cv <= 0.0:
        return mean
    sigma2 = math.log1p(cv * cv)
    return mean * math.exp(math.sqrt(sigma2) * normal(state) - 0.5 * sigma2)


@jit
def categorical(state, cdf, row, n):
    """Index i in [0, n) drawn with cumulative probabilities ``cdf[row, :n]`` (may end below 1).

    Tables are indexed by row rather than passed as row views: creating a view per draw
    costs more than the draw itself in numba (reference counting).
    """
    u = uniform(state) * cdf[row, n - 1]
    for i in range(n - 1):
        if u < cdf[row, i]:
            return i
    return n - 1


@jit
def keyed_uniforms(seed, first_world, year, block, out):
    """Fill ``out[i]`` with the first uniform of stream (seed, first_world + i, year, block)."""
    state = np.empty(4, dtype=np.uint64)
    for i in range(out.shape[0]):
        seed_stream(state, seed, first_world + i, year, block)
        out[i] = uniform(state)


@jit
def count_law(mean, dispersion, laws, row):
    """Parameters of a count law for :func:`count_inverse`, written to ``laws[row, :5]``.

    Negative binomial with the given mean and variance mean + dispersion·mean² (dispersion 0:
    Poisson): ``out = (P(0), theta, r, mean, dispersion)`` with P(n+1) = P(n)·theta·(n + r)/(n + 1);
    for Poisson ``r = -1`` flags the recursion P(n+1) = P(n)·mean/(n + 1) and ``theta = mean``.
    """
    laws[row, 3] = mean
    laws[row, 4] = dispersion
    if mean <= 0.0:
        laws[row, 0] = 1.0
        laws[row, 1] = 0.0
        laws[row, 2] = -1.0
    elif dispersion <= 0.0:
        laws[row, 0] = math.exp(-mean)
        laws[row, 1] = mean
        laws[row, 2] = -1.0
    else:
        r = 1.0 / dispersion
        theta = dispersion * mean / (1.0 + dispersion * mean)
        laws[row, 0] = math.exp(r * math.log1p(-theta))
        laws[row, 1] = theta
        laws[row, 2] = r


@jit
def count_inverse(state, laws, row):
    """Count drawn by inversion of one uniform, for the law ``laws[row]`` of :func:`count_law`.

    Means so large that P(0) underflows fall back to :func:`negative_binomial`.
    """
    p = laws[row, 0]
    if p < 1e-250:
        return negative_binomial(state, laws[row, 3], laws[row, 4])
    u = uniform(state)
    cdf = p
    n = 0
    theta = laws[row, 1]
    r = laws[row, 2]
    while u > cdf:
        if r < 0.0:
            p *= theta / (n + 1.0)
        else:
            p *= theta * (n + r) / (n + 1.0)
        n += 1
        if p <= 0.0 or n > 100000:  # the tail underflowed: u was within rounding of 1
            break
        cdf += p
    return n


@jit
def keyed_uniform(seed, world, year, index):
    """A uniform in (0, 1) from a hash of (seed, world, year, index), outside any stream.

    Used for decisions that must not disturb the simulation's streams (microdata sampling).
    """
    h = splitmix64(np.uint64(seed) ^ np.uint64(0x5EED0000))
    h = splitmix64(h ^ np.uint64(world))
    h = splitmix64(h ^ (np.uint64(year) + np.uint64(0x100000000)))
    h = splitmix64(h ^ np.uint64(index))
    return (float(h >> np.uint64(11)) + 0.5) * _TO_UNIT
