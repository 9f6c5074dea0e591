"""The numpy reference of the benchmarks agrees with mcsim in expectation (simplified model).

``benchmarks/numpy_reference.py`` re-implements the simplified model (no beds, referral or
DRG; NB counts, logit tiers, lognormal costs, benefits with limits and caps) in vectorised numpy.
Per world, visits, admissions, total cost and fund spending per person must agree with mcsim's
engine within 4 standard errors of the difference of the two means over worlds (independent
streams, fixed seeds). Small sizes: this is a correctness test, not a benchmark.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

PEOPLE, WORLDS, YEARS, SEED = 3000, 60, 1, 20261125
Z = 4.0


@pytest.fixture(scope="module")
def reference():
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "numpy_reference.py"
    spec = importlib.util.spec_from_file_location("mcsim_numpy_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def totals(reference):
    s = reference.simplified_scenario(PEOPLE, YEARS)
    return reference.numpy_run(s, WORLDS, SEED), reference.mcsim_run(s, WORLDS, SEED)


@pytest.mark.parametrize("field", ["visits", "admissions", "cost", "fund"])
def test_means_agree_within_standard_errors(totals, field):
    numpy_totals, mcsim_totals = totals
    a = numpy_totals[field][:, 1:].ravel()   # numpy keeps the base year first
    b = mcsim_totals[field].ravel()
    assert a.shape == b.shape == (WORLDS * YEARS,)
    se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
    assert se > 0
    assert abs(a.mean() - b.mean()) <= Z * se, (field, a.mean() / PEOPLE, b.mean() / PEOPLE, se / PEOPLE)


def test_choice_probabilities_are_distributions(reference):
    from simulator.compile import compile_scenario

    s = reference.simplified_scenario(500, 1)
    m = compile_scenario(s)
    p_out, p_chr, p_in = reference.choice_probabilities(m, np.ones(6), np.asarray(s.tiers.quality, float))
    for p in (p_out, p_chr, p_in):
        assert np.all(p >= 0)
        np.testing.assert_allclose(p.sum(axis=-1), 1.0, rtol=1e-12)
    assert np.all(p_in[..., 0] == 0)  # village clinics admit no one
