"""Recovery: claims simulated with known parameters are calibrated back to them.

Truth: the reference scenario (20,000 insured, one year) with ``demand.outpatient.rate_by_age``
× 1.2 and ``choice.outpatient.asc[3]`` raised by 0.8. Its microdata (every person, one world)
are the claims. Calibration starts from the unmodified scenario and fits both parameters to
four measures derived from the claims, simulating 4 other worlds of the same seed.

The same seed means the same synthetic population: the county's geography (village sizes and
distances) is the county's own, as it would be with a population file; only the care drawn
differs (world 4 for the claims, worlds 0-3 for the fit). With a different synthetic
population the ASC would also absorb the geography difference, which the standard errors do
not cover (simulator.calibrate.fit).

Tolerance: each estimate within 4 standard errors of the truth (the fit's Jacobian standard
errors, which include the claims' sampling error and the fit's Monte Carlo error).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simulator
from simulator.calibrate.claims import claims_targets, read_claims
from simulator.calibrate.fit import calibrate, target_values
from simulator.calibrate.targets import CalibrationSpec, Parameter, Settings
from simulator.scenario import load_scenario
from simulator.scenario.load import scenario_dict

SIZE, SEED, TOLERANCE_SE = 20_000, 5, 4.0
MEASURES = ["visits_per_person", "visit_share.county", "primary_visit_share", "cost_per_visit"]


@pytest.fixture(scope="module")
def truth(request):
    reference = Path(request.config.rootpath) / "scenarios" / "reference.toml"
    base = load_scenario(reference, {"population.size": SIZE, "scenario.years": 1})
    asc = base.choice.outpatient.asc[3]
    true = {"rate": 1.2, "asc": asc + 0.8}
    scenario = load_scenario(scenario_dict(base), {
        "demand.outpatient.rate_by_age": [r * true["rate"] for r in base.demand.outpatient.rate_by_age],
        "choice.outpatient.asc[3]": true["asc"], "output.microdata_fraction": 1.0})
    results = simulator.run(scenario, replications=5, seed=SEED, worlds=range(4, 5))
    return base, true, results


def test_claims_measures_equal_flow_measures(truth) -> None:
    _, _, results = truth
    claims = read_claims(results.microdata)
    assert claims.excluded == 0
    enrolled = int(results.worlds["enrolled"].iloc[0])
    targets, _ = claims_targets(claims, enrolled=enrolled, quiet=True,
                                measure_keys=[*MEASURES, "cost_per_admission.county", "los.township",
                                              "in_scope_fund_share.resident.county", "outside_admission_share"])
    from_flows = target_values(results, targets)
    for t in targets:
        assert from_flows[(t.key, None)][0] == pytest.approx(t.value, rel=1e-9), t.key


def test_recovers_known_parameters(truth) -> None:
    base, true, results = truth
    claims = read_claims(results.microdata)
    targets, _ = claims_targets(claims, enrolled=int(results.worlds["enrolled"].iloc[0]),
                                measure_keys=MEASURES, quiet=True)
    asc0 = base.choice.outpatient.asc[3]
    spec = CalibrationSpec(targets=targets, parameters=[
        Parameter("demand.outpatient.rate_by_age", 0.5, 2.0, "log", multiply=True),
        Parameter("choice.outpatient.asc[3]", asc0 - 2.0, asc0 + 2.0)],
        settings=Settings(size=SIZE, replications=4, seed=SEED))
    fit = calibrate(base, spec, check=False)
    est = dict(zip(fit.parameters["key"], fit.parameters["estimate"]))
    se = dict(zip(fit.parameters["key"], fit.parameters["se"]))
    for key, value in (("demand.outpatient.rate_by_age", true["rate"]), ("choice.outpatient.asc[3]", true["asc"])):
        assert np.isfinite(se[key]) and 0 < se[key] < 0.1, (key, se[key])
        assert abs(est[key] - value) <= TOLERANCE_SE * se[key], (key, est[key], value, se[key])
    assert fit.chi2 < 20  # 4 targets, 2 parameters: chi² with 2 degrees of freedom
    # the calibrated scenario validates and carries the fitted values
    calibrated = load_scenario(scenario_dict(fit.scenario))
    assert calibrated.choice.outpatient.asc[3] == pytest.approx(est["choice.outpatient.asc[3]"])
    np.testing.assert_allclose(calibrated.demand.outpatient.rate_by_age,
                               np.array(base.demand.outpatient.rate_by_age) * est["demand.outpatient.rate_by_age"])
