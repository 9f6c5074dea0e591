"""``mcsim calibrate`` end to end: targets file and claims file, exit codes, calibrated scenario."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import mcsim
from simulator.scenario import load_scenario

TARGETS = """\
[calibration]
size = 5000
replications = 4
seed = 3

[[target]]
key = "visits_per_person"
value = 7.5
se = 0.2

[[target]]
key = "cost_per_visit.county"
value = 240
se = 10

[[parameter]]
key = "demand.outpatient.rate_by_age"
multiply = true
low = 0.5
high = 2.0
scale = "log"
"""


def test_calibrate_targets_file(tmp_path: Path, reference_path: Path) -> None:
    targets = tmp_path / "targets.toml"
    targets.write_text(TARGETS, encoding="utf-8")
    out = tmp_path / "calibrated.toml"
    result = CliRunner().invoke(mcsim, ["calibrate", str(reference_path), "--targets", str(targets),
                                        "--out", str(out), "--no-check", "--set", "population.size=20000",
                                        "--write-targets", str(tmp_path / "used.toml")])
    assert result.exit_code == 0, result.output
    assert "visits_per_person" in result.output and "demand.outpatient.rate_by_age" in result.output
    scenario = load_scenario(out)
    assert scenario.population.size == 20000
    assert (tmp_path / "used.toml").is_file()


def test_calibrate_from_claims(tmp_path: Path, reference_path: Path) -> None:
    import simulator

    s = load_scenario(reference_path, {"population.size": 3000, "scenario.years": 1,
                                       "output.microdata_fraction": 1.0})
    results = simulator.run(s, replications=1, seed=11)
    claims = tmp_path / "claims.csv"
    frame = results.microdata.copy()
    frame.loc[0, "total_cost"] = -1.0  # one bad row: reported on stderr and excluded
    frame.to_csv(claims, index=False)
    params = tmp_path / "params.toml"
    params.write_text(TARGETS.split("[[target]]")[0] + TARGETS[TARGETS.index("[[parameter]]"):], encoding="utf-8")
    out = tmp_path / "calibrated.toml"
    result = CliRunner().invoke(mcsim, ["calibrate", str(reference_path), "--claims", str(claims),
                                        "--params", str(params), "--enrolled", str(int(results.worlds.enrolled[0])),
                                        "--measure", "visits_per_person", "--measure", "cost_per_visit",
                                        "--out", str(out), "--no-check", "--set", "population.size=3000"])
    assert result.exit_code == 0, result.output
    assert "row 1, column total_cost" in result.output and "claims.csv:2" in result.output
    assert "2 targets derived" in result.output
    load_scenario(out)


@pytest.mark.parametrize("args, fragment", [
    ([], "give --targets FILE, --claims FILE, or both"),
    (["--targets", "missing.toml"], "targets file not found"),
    (["--claims", "missing.csv", "--params", "missing.toml"], "not found"),
    (["--targets", "T", "--measure", "cost_per_vist"], "did you mean 'cost_per_visit'"),
])
def test_bad_input_exits_2(tmp_path: Path, reference_path: Path, args: list[str], fragment: str) -> None:
    targets = tmp_path / "targets.toml"
    targets.write_text(TARGETS, encoding="utf-8")
    args = [str(targets) if a == "T" else a for a in args]
    result = CliRunner().invoke(mcsim, ["calibrate", str(reference_path), *args])
    assert result.exit_code == 2, result.output
    assert fragment in result.output and "Traceback" not in result.output
