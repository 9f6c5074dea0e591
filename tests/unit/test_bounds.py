"""Finite, bounded inputs (issue 19): every bound refuses naming the key and saying why, the
largest allowed values still load, and the random kernels return at once for NaN, inf or
absurd parameters while drawing exactly as before for valid ones."""

from __future__ import annotations

import hashlib
import math
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.batch.spec import load_sweep
from simulator.cli import mcsim
from simulator.errors import InputError
from simulator.kernels import rng
from simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "scenarios" / "reference.toml"
BIG = 1e308

#: keys drawn with unbounded (lognormal) distributions in shipped scenarios and tests: the
#: uncertainty end check (simulator/uncertainty/checks.py) validates an unbounded end at 1e12,
#: so any upper bound on them refuses those scenarios until it uses the quantile at U_MAX

# (override key, value, path of the problem, fragment of its message)
REFUSED = [
    pytest.param("demand.outpatient.base_cost", BIG, None, "10,000,000 yuan"),
    pytest.param("demand.chronic.base_cost", BIG, None, "10,000,000 yuan"),
    pytest.param("demand.outpatient.rate_by_age", [BIG] * 5, "demand.outpatient.rate_by_age[0]",
                 "per person-year"),
    ("demand.outpatient.employee_multiplier", BIG, None, "at most 1,000"),
    ("demand.inpatient.employee_multiplier", BIG, None, "at most 1,000"),
    ("demand.inpatient.chronic_multiplier", 1e4, None, "at most 1,000"),
    ("demand.outpatient.dispersion", BIG, None, "gamma shape"),
    ("demand.inpatient.dispersion", BIG, None, "gamma shape"),
    ("tiers.los_dispersion", BIG, None, "gamma shape"),
    ("demand.chronic.visits_per_patient", BIG, None, "per person-year"),
    ("tiers.cost_cv", 11.0, None, "at most 10"),
    ("tiers.cost_multiplier_outpatient", [BIG] * 6, "tiers.cost_multiplier_outpatient[0]", "at most 1,000"),
    ("tiers.los_multiplier", [1.0, 1.0, 1.0, 2e3, 1.0, 1.0], "tiers.los_multiplier[3]", "at most 1,000"),
    ("tiers.beds", [0, 480, 160, 1e8, 0, 0], "tiers.beds[3]", "10,000,000 beds"),
    ("tiers.bed_days_per_bed", BIG, None, "bed-days"),
    ("population.size", 10**12, None, "50,000,000 insured persons"),
    ("population.villages", 10**6, None, "at most 100,000"),
    ("population.townships", 10**6, None, "at most 100,000"),
    ("population.seed", 2**64, None, "below 2**63"),
    ("population.distance_county_km.mean", BIG, None, "20,000 km"),
    ("population.distance_township_km.cv", 100.0, None, "at most 10"),
    ("population.distance_outside_km.other", 1e6, None, "20,000 km"),
    ("scenario.replications", 10**9, None, "1,000,000 worlds"),
    ("scenario.seed", 2**64, None, "below 2**63"),
    ("scenario.seed", 2**63, None, "below 2**63"),
    ("population.growth_rate", -1, None, "above -1"),
    ("population.growth_rate", -1.5, None, "above -1"),
    ("population.chronic_trend", -1.0, None, "above -1"),
    ("budget.financing_growth", -1.0, None, "above -1"),
    ("budget.growth", -1.0, None, "above -1"),
    ("dynamics.cost_inflation", -1.0, None, "above -1"),
    ("dynamics.utilisation_trend", -1.0, None, "above -1"),
    ("dynamics.casemix_drift", BIG, None, "+1,000% a year"),
    ("budget.growth", 11.0, None, "+1,000% a year"),
    ("budget.per_capita_financing.resident", 1e7, None, "1,000,000 yuan per insured person-year"),
    ("budget.per_capita_financing.employee", BIG, None, "1,000,000 yuan per insured person-year"),
    ("budget.tcm_tilt", BIG, None, "at most 1,000"),
    ("dynamics.epidemic.uplift", BIG, None, "at most 1,000"),
    ("dynamics.cost_control_elasticity", BIG, None, "at most 1,000"),
    ("choice.outpatient.b_quality", BIG, None, "between -1,000 and 1,000"),
    ("choice.inpatient.b_oop_per_1000", -BIG, None, "between -1,000 and 1,000"),
    ("choice.inpatient.b_capable", math.nan, None, "finite"),
    ("choice.outpatient.b_distance_per_10km", math.inf, None, "finite"),
    ("choice.outpatient.asc", [0.0, 0.0, 0.0, 0.0, 0.0, 1e4], "choice.outpatient.asc[5]", "between -1,000"),
    ("benefits.resident.inpatient.deductible", [BIG] * 6, "benefits.resident.inpatient.deductible[0]",
     "10,000,000 yuan"),
    ("benefits.employee.outpatient.deductible", BIG, None, "10,000,000 yuan"),
    ("payment.drg.point_value", BIG, None, "10,000,000 yuan"),
    ("payment.per_diem.rate", [0.0, 1e8, 0.0, 0.0, 0.0, 0.0], "payment.per_diem.rate[1]", "10,000,000 yuan"),
    ("payment.capitation.per_signed_chronic_patient", BIG, None, "10,000,000 yuan"),
    ("payment.drg.tier_coefficient", [0.0, 1.0, 1.0, 1e4, 1.0, 1.0], "payment.drg.tier_coefficient[3]",
     "at most 1,000"),
]


def _problems(overrides: dict) -> list:
    with pytest.raises(InputError) as caught:
        load_scenario(REFERENCE, overrides)
    return caught.value.problems


@pytest.mark.parametrize("key, value, path, fragment", REFUSED,
                         ids=[f"{(r.values if hasattr(r, 'values') else r)[0]}={(r.values if hasattr(r, 'values') else r)[1]!r}"[:60]
                              for r in REFUSED])
def test_bound_refuses_naming_the_key_and_why(key, value, path, fragment) -> None:
    problems = _problems({key: value})
    hits = [p for p in problems if p.path == (path or key)]
    assert hits, [(p.path, p.message) for p in problems]
    assert fragment in hits[0].message, hits[0].message
    # each bound says why, after the limit: "must be at most N <unit>: <reason> (got ...)"
    assert ":" in hits[0].message or "finite" in hits[0].message, hits[0].message


@pytest.mark.parametrize("key, value", [
    ("scenario.seed", 2**63 - 1),
    ("population.seed", 2**63 - 1),
    ("population.size", 50_000_000),
    ("population.villages", 100_000),
    ("scenario.replications", 1_000_000),
    ("population.growth_rate", -0.999),
    ("budget.growth", 10.0),
    ("demand.outpatient.dispersion", 1000.0),
    ("tiers.cost_cv", 10.0),
    ("choice.outpatient.b_quality", -1000.0),
    ("benefits.resident.inpatient.annual_cap", math.inf),  # inf means no cap
    ("benefits.resident.outpatient.annual_limit", math.inf),
])
def test_largest_allowed_values_still_load(key, value) -> None:
    load_scenario(REFERENCE, {key: value})


def test_nan_cap_is_refused() -> None:
    problems = _problems({"benefits.resident.inpatient.annual_cap": math.nan})
    assert any(p.path == "benefits.resident.inpatient.annual_cap" for p in problems)


def test_cli_exits_2_naming_the_key() -> None:
    result = CliRunner().invoke(mcsim, ["validate", str(REFERENCE), "--set", "population.size=1000000000000"])
    assert result.exit_code == 2, result.output
    assert "population.size" in result.output and "50,000,000" in result.output


def test_cli_exits_2_for_a_huge_multiplier() -> None:
    result = CliRunner().invoke(mcsim, ["validate", str(REFERENCE), "--set", "demand.outpatient.employee_multiplier=1e308"])
    assert result.exit_code == 2, result.output
    assert "demand.outpatient.employee_multiplier" in result.output


def test_cli_replications_option_is_bounded(tmp_path) -> None:
    result = CliRunner().invoke(mcsim, ["run", str(REFERENCE), "--replications", str(10**9),
                                        "--out", str(tmp_path / "out"), "--quiet"])
    assert result.exit_code == 2, result.output
    assert "--replications" in result.output and "1,000,000" in result.output


def test_casemix_file_base_cost_is_bounded(tmp_path) -> None:
    text = (ROOT / "simulator" / "builtin" / "casemix_reference.csv").read_text(encoding="utf-8").splitlines()
    header, first = text[0].split(","), text[1].split(",")
    first[header.index("base_cost")] = "1e308"
    (tmp_path / "casemix.csv").write_text("\n".join([text[0], ",".join(first), *text[2:]]) + "\n",
                                          encoding="utf-8")
    problems = _problems({"casemix.file": str(tmp_path / "casemix.csv")})
    hits = [p for p in problems if p.path == "casemix.file"]
    assert hits and "base_cost" in hits[0].message and "10,000,000 yuan" in hits[0].message, \
        [(p.path, p.message) for p in problems]


def _sweep(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(f'[sweep]\nname = "t"\nbase = "{REFERENCE.as_posix()}"\n{extra}\n'
                    '[[vary]]\nkind = "grid"\nkey = "budget.risk_reserve"\nvalues = [0.03, 0.05]\n',
                    encoding="utf-8")
    return path


@pytest.mark.parametrize("extra, key, fragment", [
    ("replications = 1000000000", "sweep.replications", "1,000,000"),
    ("seed = 18446744073709551616", "sweep.seed", "2**63"),
    ("chunk_worlds = 1000000000", "sweep.chunk_worlds", "1,000,000"),
])
def test_sweep_bounds(tmp_path, extra, key, fragment) -> None:
    with pytest.raises(InputError) as caught:
        load_sweep(_sweep(tmp_path, extra))
    hits = [p for p in caught.value.problems if p.path == key]
    assert hits and fragment in hits[0].message, [(p.path, p.message) for p in caught.value.problems]


# --- random kernels: no loop without an exit ---------------------------------------------------

def _state(seed: int = 19) -> np.ndarray:
    state = np.zeros(4, dtype=np.uint64)
    rng.seed_stream(state, seed, 0, 0, 0)
    return state


@pytest.fixture(scope="module", autouse=True)
def _compiled() -> None:
    # compile (or load from the cache) before timing
    st = _state()
    rng.gamma(st, 2.0, 1.0), rng.poisson(st, 20.0), rng.negative_binomial(st, 3.0, 0.5)
    laws = np.zeros((1, 5))
    rng.count_law(3.0, 0.5, laws, 0)
    rng.count_inverse(st, laws, 0)


def _timed(call):
    start = time.perf_counter()
    value = call()
    assert time.perf_counter() - start < 1.0
    return value


@pytest.mark.parametrize("mean", [math.nan, math.inf, BIG, 2.0**60, -math.inf])
def test_poisson_returns_at_once_for_absurd_means(mean) -> None:
    assert _timed(lambda: rng.poisson(_state(), mean)) == 0


@pytest.mark.parametrize("shape, scale", [(math.nan, 1.0), (0.0, 1.0), (-2.0, 1.0), (1.0, math.nan),
                                          (math.inf, 1.0), (BIG, BIG), (1e-308, 1.0), (0.5, BIG)])
def test_gamma_returns_at_once_for_absurd_parameters(shape, scale) -> None:
    x = _timed(lambda: rng.gamma(_state(), shape, scale))
    if not shape > 0.0:
        assert math.isnan(x)


@pytest.mark.parametrize("mean, dispersion", [(math.nan, 0.5), (1.0, math.nan), (math.nan, math.nan),
                                              (BIG, 0.5), (BIG, BIG), (math.inf, 1.0), (5.0, BIG),
                                              (BIG, 0.0), (math.inf, 0.0), (1.0, 1e-308)])
def test_negative_binomial_returns_at_once_for_absurd_parameters(mean, dispersion) -> None:
    n = _timed(lambda: rng.negative_binomial(_state(), mean, dispersion))
    assert n >= 0


@pytest.mark.parametrize("mean, dispersion", [(math.nan, 0.5), (math.inf, 0.0), (BIG, 0.0), (BIG, BIG),
                                              (5.0, BIG), (math.nan, 0.0)])
def test_count_inverse_returns_at_once_for_absurd_laws(mean, dispersion) -> None:
    laws = np.zeros((1, 5))
    rng.count_law(mean, dispersion, laws, 0)
    assert _timed(lambda: rng.count_inverse(_state(), laws, 0)) >= 0


def test_valid_draws_are_unchanged_by_the_guards() -> None:
    """A fingerprint of draws at valid parameters, recorded with the kernels before the guards."""
    state = _state(20261125)
    rng.seed_stream(state, 20261125, 3, 2, 1)
    out = []
    for _ in range(200):
        for mean in (0.5, 3.0, 9.99, 10.0, 12.0, 80.0, 1e4, 1e9, 1e15):
            out.append(float(rng.poisson(state, mean)))
        for shape in (0.05, 0.3, 1.0, 4.5, 1e3):
            out.append(rng.gamma(state, shape, 2.0))
        for mean, disp in ((0.2, 0.8), (5.0, 1.5), (40.0, 0.25), (3e3, 1e3), (7.0, 1e-6)):
            out.append(float(rng.negative_binomial(state, mean, disp)))
    out += [float(x) for x in state]
    digest = hashlib.sha256(np.asarray(out, dtype=np.float64).tobytes()).hexdigest()
    assert digest == "f99476c711398e2b50051d15caa9548b25f8f7fadd18aa88356174ad9e4f27d5"


def test_a_run_that_would_not_fit_in_memory_is_refused_before_it_starts(monkeypatch) -> None:
    import simulator.memory as memory
    from simulator.errors import InputError

    import simulator

    monkeypatch.setattr(memory, "available_bytes", lambda: 256 * 2**20)  # a 256 MiB machine
    s = simulator.load_scenario(REFERENCE, {"population.size": 5_000_000})
    with pytest.raises(InputError) as info:
        simulator.run(s, replications=2, seed=1)
    text = info.value.format()
    assert "GiB of memory" in text and "0.2 GiB is available" in text and "population.size" in text
    monkeypatch.setattr(memory, "available_bytes", lambda: None)  # unknown: not refused
    assert memory.run_bytes(s, 2) > 256 * 2**20
