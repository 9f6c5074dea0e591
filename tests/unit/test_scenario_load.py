"""The scenario contract: reference files load, file references resolve, dumps reload, hashes."""

from __future__ import annotations

import math
import shutil
from importlib import resources
from pathlib import Path

import pytest

from simulator.errors import InputError
from simulator.scenario import Scenario, dump_scenario, load_scenario, scenario_hash
from simulator.settlement.resolve import resolve_settlement
from simulator.settlement import list_presets

PEOPLE_CSV = (
    "age_band,sex,scheme,hypertension,diabetes,signed,village,township,dist_township_km,dist_county_km\n"
    "0-14,female,resident,0,0,0,0,0,3.5,30.0\n"
    "45-59,male,employee,1,0,1,1,0,6.0,42.0\n"
    "75+,female,resident,1,1,1,2,1,8.2,55.5\n"
)


def builtin_casemix() -> str:
    return resources.files("simulator").joinpath("builtin", "casemix_reference.csv").read_text(encoding="utf-8")


def preset_text(name: str) -> str:
    return resources.files("simulator").joinpath("settlement", "presets", f"{name}.toml").read_text(encoding="utf-8")


@pytest.fixture
def with_files(tmp_scenario) -> Path:
    """A scenario in its own folder referring to a case mix, a population and a rules file."""
    return tmp_scenario(
        replace=(('source = "builtin:reference"', 'file = "data/casemix.csv"'),
                 ('source = "synthetic"', 'file = "people.csv"'),
                 ('rules = "county-tiered"', 'rules = "rules/local.toml"')),
        files={"data/casemix.csv": builtin_casemix(), "people.csv": PEOPLE_CSV,
               "rules/local.toml": preset_text("full-carryover").replace('name = "full-carryover"', 'name = "local"')})


def test_spec_reference_loads_unchanged(spec_reference_path) -> None:
    s = load_scenario(spec_reference_path)
    assert isinstance(s, Scenario)
    assert s.scenario.name == "reference-county"
    assert s.population.size == 450_000
    assert s.casemix.source == "builtin:reference"
    assert s.settlement.rules == "county-tiered"
    assert len(s.settlement.assessment["indicators"]) == 4


def test_project_reference_loads(reference_path) -> None:
    s = load_scenario(reference_path)
    assert s.name == s.scenario.name
    assert s.scenario.years >= 1 and s.scenario.replications >= 1
    rules, indicators = resolve_settlement(s)
    assert [i.key for i in indicators][:1] == ["county_visit_share"]
    assert math.isinf(rules.surplus.bands[-1].upto)


def test_scenario_is_frozen(reference_path) -> None:
    s = load_scenario(reference_path)
    with pytest.raises(Exception):  # pydantic's ValidationError for frozen instances
        s.budget.risk_reserve = 0.5  # type: ignore[misc]


def test_mapping_source(reference_path) -> None:
    import tomllib

    data = tomllib.loads(reference_path.read_text(encoding="utf-8"))
    assert load_scenario(data) == load_scenario(reference_path)


def test_builtin_casemix_source(tmp_scenario) -> None:
    s = load_scenario(tmp_scenario())
    assert s.casemix.source == "builtin:reference"
    assert s.casemix.file is None


def test_unknown_builtin_casemix(tmp_scenario) -> None:
    path = tmp_scenario(replace=(('source = "builtin:reference"', 'source = "builtin:referenc"'),))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert any(p.path == "casemix.source" and "reference" in (p.hint or "") for p in info.value.problems)


def test_relative_references_resolve_against_the_scenario_file(with_files, tmp_path, monkeypatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    s = load_scenario(with_files)
    folder = with_files.parent.resolve()
    assert Path(s.casemix.file) == folder / "data" / "casemix.csv"
    assert Path(s.population.file) == folder / "people.csv"
    assert s.population.source == "file"
    assert Path(s.settlement.rules) == folder / "rules" / "local.toml"
    rules, _ = resolve_settlement(s)
    assert rules.name == "local"


def test_settlement_rules_as_preset_names_are_not_paths(tmp_scenario) -> None:
    for preset in list_presets():
        s = load_scenario(tmp_scenario(), [f"settlement.rules={preset}"])
        assert s.settlement.rules == preset


@pytest.mark.parametrize("fixture", ["reference_path", "spec_reference_path", "with_files"])
def test_dump_reloads_to_an_equal_scenario(fixture, request, tmp_path) -> None:
    s = load_scenario(request.getfixturevalue(fixture))
    out = tmp_path / "dumped" / "scenario.resolved.toml"
    out.parent.mkdir()
    text = dump_scenario(s, out)
    assert out.read_text(encoding="utf-8") == text
    again = load_scenario(out)
    assert again == s
    assert scenario_hash(again) == scenario_hash(s)


def test_dump_keeps_inline_settlement_and_inf(tmp_scenario, tmp_path) -> None:
    s = load_scenario(tmp_scenario(), ["settlement.surplus.bands=[{upto=0.05,retain=1.0},{upto=inf,retain=0.3}]",
                                       "settlement.withhold_rate=0.02"])
    dump_scenario(s, tmp_path / "d.toml")
    again = load_scenario(tmp_path / "d.toml")
    assert again == s
    assert math.isinf(again.settlement.surplus["bands"][1]["upto"])


def test_hash_is_stable_across_reloads(reference_path) -> None:
    first = scenario_hash(load_scenario(reference_path))
    assert first == scenario_hash(load_scenario(reference_path))
    assert len(first) == 16 and int(first, 16) >= 0


def test_hash_survives_moving_the_scenario_with_its_files(with_files, tmp_path) -> None:
    before = scenario_hash(load_scenario(with_files))
    moved = tmp_path / "moved" / "study"
    shutil.copytree(with_files.parent, moved, ignore=shutil.ignore_patterns("moved"))
    s = load_scenario(moved / with_files.name)
    assert Path(s.casemix.file).is_relative_to(moved.resolve())
    assert scenario_hash(s) == before


def test_hash_changes_with_a_value(reference_path) -> None:
    base = scenario_hash(load_scenario(reference_path))
    assert scenario_hash(load_scenario(reference_path, ["budget.risk_reserve=0.07"])) != base
    assert scenario_hash(load_scenario(reference_path, ["tiers.enabled[5]=false"])) != base


def test_hash_changes_with_a_referenced_file(with_files) -> None:
    before = scenario_hash(load_scenario(with_files))
    casemix = with_files.parent / "data" / "casemix.csv"
    casemix.write_text(casemix.read_text(encoding="utf-8").replace(",2000,", ",2100,", 1), encoding="utf-8")
    assert scenario_hash(load_scenario(with_files)) != before
    rules = with_files.parent / "rules" / "local.toml"
    rules.write_text(rules.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert scenario_hash(load_scenario(with_files)) != before


def test_hash_ignores_comments_and_layout(reference_path, tmp_scenario) -> None:
    plain = tmp_scenario({"scenario.description": load_scenario(reference_path).scenario.description})
    assert scenario_hash(load_scenario(plain)) == scenario_hash(load_scenario(reference_path))


def test_problems_are_collected_as_input_error(tmp_scenario) -> None:
    path = tmp_scenario(replace=(("years = 5", "years = 0"), ("cost_cv = 0.8", "cost_cv = -1.0")))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    paths = {p.path for p in info.value.problems}
    assert {"scenario.years", "tiers.cost_cv"} <= paths
    assert all(p.file == str(path) and p.line for p in info.value.problems)
    assert info.value.exit_code == 2
