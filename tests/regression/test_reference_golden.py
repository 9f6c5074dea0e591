"""Golden ranges of the shipped reference scenario (issue acceptance; calibrated values).

Ranges are the core issue's acceptance ranges for a default run; the run here is smaller
(60,000 people, 4 worlds, 1 year) — shares and per-person rates do not depend on size.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import simulator

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"

RANGES = {
    "visits_per_person": (5.5, 7.5),
    "admissions_per_person": (0.17, 0.24),
    "county_visit_share": (0.85, 0.96),
    "primary_visit_share": (0.50, 0.70),
    "effective_reimbursement_rate": (0.50, 0.68),
    "balance_rate": (-0.10, 0.10),
}


@pytest.fixture(scope="module")
def year_one():
    r = simulator.run(REFERENCE, overrides=["population.size=60000", "scenario.years=1"], replications=4, seed=99)
    w = r.worlds
    return {
        "visits_per_person": float((w.episodes_outpatient / w.enrolled).mean()),
        "admissions_per_person": float((w.episodes_inpatient / w.enrolled).mean()),
        **{key: float(w[key].mean()) for key in RANGES if key in w},
    }


@pytest.mark.parametrize("key", sorted(RANGES))
def test_reference_indicator_in_range(year_one, key) -> None:
    low, high = RANGES[key]
    assert low <= year_one[key] <= high, (key, year_one[key])
