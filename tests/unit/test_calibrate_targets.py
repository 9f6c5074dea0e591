"""Targets / parameters files: every mistake reported with key path, line and a hint (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.calibrate.targets import check_parameters, load_targets
from simulator.errors import InputError
from simulator.scenario import load_scenario

GOOD = """\
[calibration]
size = 5000
replications = 4

[[target]]
key = "visits_per_person"
value = 6.8
se = 0.2

[[target]]
key = "cost_per_admission.county"
value = 6425
se = 300
year = 2026

[[parameter]]
key = "choice.outpatient.asc[3]"
low = -2
high = 2

[[parameter]]
key = "demand.outpatient.rate_by_age"
multiply = true
low = 0.5
high = 2.0
scale = "log"
"""

# (id, text substitution on GOOD or appended text, expected path, message fragment, line fragment)
CASES = [
    ("unknown-target-key", ('key = "visits_per_person"', 'key = "visits_per_persn"'),
     "target[0].key", "did you mean 'visits_per_person'", 'key = "visits_per_persn"'),
    ("unknown-field", ("se = 0.2\n", "se = 0.2\nvaleu = 1\n"), "target[0].valeu", "did you mean 'value'", "valeu"),
    ("se-zero", ("se = 0.2", "se = 0"), "target[0].se", "must be > 0", "se = 0"),
    ("value-string", ("value = 6.8", 'value = "6.8"'), "target[0].value", "finite number", 'value = "6.8"'),
    ("missing-se", ("se = 0.2\n", ""), "target[0].se", "required key is missing", "[[target]]"),
    ("year-float", ("year = 2026", "year = 2026.5"), "target[1].year", "integer year", "year = 2026.5"),
    ("duplicate-target", ('key = "cost_per_admission.county"\nvalue = 6425\nse = 300\nyear = 2026',
                          'key = "visits_per_person"\nvalue = 6425\nse = 300'),
     "target[1].key", "repeats target[0]", 'key = "visits_per_person"\nvalue = 6425'),
    ("low-above-high", ("low = -2\nhigh = 2", "low = 2\nhigh = -2"), "parameter[0].high",
     "greater than low", "high = -2"),
    ("log-nonpositive", ("low = 0.5\nhigh = 2.0", "low = 0\nhigh = 2.0"), "parameter[1].low",
     "must be > 0 with scale = 'log'", "low = 0\n"),
    ("bad-scale", ('scale = "log"', 'scale = "logg"'), "parameter[1].scale", "did you mean 'log'", 'scale = "logg"'),
    ("unknown-table", ("[calibration]", "[calibraton]"), "calibraton", "did you mean 'calibration'", "[calibraton]"),
    ("bad-size", ("size = 5000", "size = 10"), "calibration.size", "integer >= 100", "size = 10"),
    ("bad-measure", ("", '\n[claims]\nmeasures = ["cost_per_vist.county"]\n'), "claims.measures[0]",
     "did you mean 'cost_per_visit.county'", "measures ="),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_targets_file(tmp_path: Path, case) -> None:
    _, (old, new), path, fragment, line_text = case
    text = GOOD.replace(old, new, 1) if old else GOOD + new
    assert old == "" or old in GOOD
    file = tmp_path / "targets.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_targets(file)
    problems = [p for p in info.value.problems if p.path == path]
    assert problems, info.value.format()
    assert fragment in str(problems[0]), str(problems[0])
    if not line_text.startswith("[["):  # a missing key is reported at its table's header
        assert problems[0].line == text[: text.index(line_text)].count("\n") + 1, str(problems[0])
    assert problems[0].file == str(file)


def test_good_file_loads(tmp_path: Path) -> None:
    file = tmp_path / "targets.toml"
    file.write_text(GOOD, encoding="utf-8")
    spec = load_targets(file)
    assert [t.key for t in spec.targets] == ["visits_per_person", "cost_per_admission.county"]
    assert spec.targets[1].year == 2026 and spec.settings.size == 5000
    p = spec.parameters[1]
    assert p.multiply and p.scale == "log"
    assert p.from_unit(p.to_unit(1.3)) == pytest.approx(1.3)
    assert p.from_unit(0.5) == pytest.approx(1.0)  # geometric midpoint of [0.5, 2]


@pytest.mark.parametrize("key, extra, fragment", [
    ("choice.outpatient.ascc[3]", "", "did you mean 'asc'"),
    ("choice.outpatient.asc[9]", "", "out of range"),
    ("choice.outpatient.asc", "", "set multiply = true"),
    ("scenario.name", "", "not numeric"),
    ("population.size", "", "integer setting"),
    ("benefits.resident.inpatient.fund_share[3]", "", "invalid with"),   # high = 2 is not a share
])
def test_parameter_against_scenario(key: str, extra: str, fragment: str, reference_path: Path) -> None:
    spec = load_targets({"target": [{"key": "visits_per_person", "value": 6.8, "se": 0.2}],
                         "parameter": [{"key": key, "low": 0.5, "high": 2.0}]})
    with pytest.raises(InputError) as info:
        check_parameters(spec, load_scenario(reference_path))
    assert info.value.problems[0].path == "parameter[0].key"
    assert fragment in info.value.format()
