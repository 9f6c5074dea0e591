"""Shares written rounded (sum within 1e-3 of 1) are renormalised with a warning naming the key
and the sum; further from 1 they stay an error; exact ones are left bit for bit."""

from __future__ import annotations

import math
import typing
import warnings
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import simulator
from simulator.casemix import load_casemix
from simulator.errors import InputError
from simulator.scenario import dump_scenario, scenario_hash
from simulator.scenario.schema import Scenario
from simulator.scenario.shares import SHARE_KEYS, SharesRenormalised

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"
AGES = "age_shares = [0.19, 0.36, 0.21, 0.17, 0.07]"
SCHEMES = "scheme_shares = { resident = 0.88, employee = 0.12 }"
BANDS = ("0-14", "15-44", "45-59", "60-74", "75+")


def test_the_reference_scenario_sums_exactly_and_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = simulator.load_scenario(REFERENCE)
    assert s.population.age_shares == [0.19, 0.36, 0.21, 0.17, 0.07]  # left as written
    assert (s.population.scheme_shares.resident, s.population.scheme_shares.employee) == (0.88, 0.12)


def test_rounded_age_shares_are_renormalised_with_a_warning(tmp_scenario) -> None:
    path = tmp_scenario(replace=((AGES, "age_shares = [0.19, 0.36, 0.21, 0.17, 0.0707]"),))
    with pytest.warns(SharesRenormalised, match=r"population\.age_shares sum to 1\.0007; renormalised") as record:
        s = simulator.load_scenario(path)
    assert str(path) in str(record[0].message)
    shares = s.population.age_shares
    assert math.isclose(sum(shares), 1.0, abs_tol=1e-12)
    assert np.allclose(shares, np.array([0.19, 0.36, 0.21, 0.17, 0.0707]) / 1.0007, rtol=0, atol=1e-15)


def test_the_resolved_scenario_holds_the_renormalised_values(tmp_scenario, tmp_path) -> None:
    path = tmp_scenario(replace=((AGES, "age_shares = [0.19, 0.36, 0.21, 0.17, 0.0701]"),
                                 (SCHEMES, "scheme_shares = { resident = 0.8805, employee = 0.12 }")))
    with pytest.warns(SharesRenormalised) as record:
        s = simulator.load_scenario(path)
    assert sorted(str(w.message).split(": ")[1].split(" sum")[0] for w in record) == \
           ["population.age_shares", "population.scheme_shares"]
    resolved = tmp_path / "scenario.resolved.toml"
    dump_scenario(s, resolved)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the resolved scenario reloads without a warning
        again = simulator.load_scenario(resolved)
    assert again == s
    assert scenario_hash(again) == scenario_hash(s)


@pytest.mark.parametrize("replace, key", [
    ((AGES, "age_shares = [0.19, 0.36, 0.21, 0.17, 0.0715]"), "population.age_shares"),
    ((AGES, "age_shares = [0.19, 0.36, 0.21, 0.17, 0.0685]"), "population.age_shares"),
    ((SCHEMES, "scheme_shares = { resident = 0.878, employee = 0.12 }"), "population.scheme_shares"),
])
def test_off_by_more_than_a_rounding_is_still_an_error(tmp_scenario, replace, key) -> None:
    path = tmp_scenario(replace=(replace,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError) as info:
            simulator.load_scenario(path)
    [problem] = info.value.problems
    assert problem.path == key and "sum to 1" in str(problem) and "renormalised" in str(problem)


def test_shares_set_from_python_warn_naming_set(reference_path) -> None:
    s = simulator.load_scenario(reference_path)
    with pytest.warns(SharesRenormalised, match=r"^--set: population\.scheme_shares sum to 0\.9995"):
        changed = s.with_updates({"population.scheme_shares.resident": 0.8795})
    assert math.isclose(changed.population.scheme_shares.resident + changed.population.scheme_shares.employee,
                        1.0, abs_tol=1e-12)


def test_every_shares_field_of_the_schema_is_renormalised() -> None:
    found = []

    def walk(model, prefix):
        for name, info in model.model_fields.items():
            path = f"{prefix}.{name}" if prefix else name
            if name.endswith("_shares"):
                found.append(path)
            for arg in (info.annotation, *typing.get_args(info.annotation)):
                if isinstance(arg, type) and hasattr(arg, "model_fields"):
                    walk(arg, path)
    walk(Scenario, "")
    assert found and set(found) == set(SHARE_KEYS)


def test_the_cli_shows_the_warning_on_stderr(tmp_scenario) -> None:
    import subprocess
    import sys

    path = tmp_scenario(replace=((AGES, "age_shares = [0.19, 0.36, 0.21, 0.17, 0.0701]"),))
    result = subprocess.run([sys.executable, "-m", "simulator.cli", "validate", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "population.age_shares sum to 1.0001; renormalised" in result.stderr
    assert "renormalised" not in result.stdout


# ------------------------------------------------------------------------------------ case mix
def _casemix(tmp_path: Path, delta: float) -> Path:
    """The built-in case mix with ``delta`` added to the first group's share_0-14."""
    text = resources.files("simulator").joinpath("builtin", "casemix_reference.csv").read_text("utf-8")
    rows = [r.split(",") for r in text.splitlines()]
    j = rows[0].index("share_0-14")
    rows[1][j] = repr(float(rows[1][j]) + delta)
    path = tmp_path / f"cm{delta}.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8")
    return path


def test_rounded_casemix_shares_are_renormalised(tmp_path) -> None:
    builtin = load_casemix("builtin:reference", age_bands=BANDS)
    path = _casemix(tmp_path, 0.0005)
    with pytest.warns(SharesRenormalised, match=r"column share_0-14 sum to 1\.0005"):
        cm = load_casemix(str(path), age_bands=BANDS)
    assert math.isclose(cm.age_share[:, 0].sum(), 1.0, abs_tol=1e-12)
    assert np.array_equal(cm.age_share[:, 1:], builtin.age_share[:, 1:])


def test_casemix_shares_off_by_more_are_an_error(tmp_path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match="share_0-14.*sum to 1.002"):
            load_casemix(str(_casemix(tmp_path, 0.002)), age_bands=BANDS)
