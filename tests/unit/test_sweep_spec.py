"""Sweep files: a table of bad files (key path, line, did-you-mean, all at once) and the variants
that good files make (grid product, OAT, seeded samples, counties)."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from simulator.batch.plan import bundle, plan_tasks
from simulator.batch.spec import load_sweep
from simulator.errors import InputError

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"

HEAD = f'''[sweep]
name = "t"
base = "{REFERENCE.as_posix()}"
replications = 4
chunk_worlds = 2
'''
GRID = '''
[[vary]]
kind = "grid"
key = "budget.risk_reserve"
values = [0.03, 0.05]
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


def sample(params: str, method: str = "lhs", n: int = 8) -> str:
    return f'\n[[vary]]\nkind = "sample"\nmethod = "{method}"\nn = {n}\n' + params


BAD = [
    # (id, sweep text, expected fragments, fragment of the line the problem must point at)
    ("sweep_key_typo", HEAD + "chunk_world = 2\n",
     ("sweep.chunk_world", "unknown key", "did you mean 'chunk_worlds'?"), "chunk_world = 2"),
    ("table_typo", HEAD + GRID.replace("[[vary]]", "[[vari]]"),
     ("vari", "unknown key", "did you mean 'vary'?"), "[[vari]]"),
    ("missing_sweep", GRID, ("sweep", "required key is missing"), None),
    ("missing_base", HEAD.replace(f'base = "{REFERENCE.as_posix()}"', ""), ("sweep.base", "required"), None),
    ("base_not_found", HEAD.replace(REFERENCE.as_posix(), "nowhere.toml"),
     ("sweep.base", "base scenario not found", "sweep file's folder"), "base ="),
    ("replications_zero", HEAD.replace("replications = 4", "replications = 0"),
     ("sweep.replications", "greater than or equal to 1"), "replications = 0"),
    ("chunk_string", HEAD.replace("chunk_worlds = 2", 'chunk_worlds = "2"'),
     ("sweep.chunk_worlds", "valid integer"), "chunk_worlds"),
    ("metric_typo", HEAD + 'metrics = ["balance_rat"]\n',
     ("sweep.metrics[0]", "unknown indicator", "did you mean 'balance_rate'?"), "metrics ="),
    ("kind_typo", HEAD + GRID.replace('kind = "grid"', 'kind = "grd"'),
     ("vary[0].kind", "unknown kind", "did you mean 'grid'?"), 'kind = "grd"'),
    ("kind_missing", HEAD + GRID.replace('kind = "grid"\n', ""),
     ("vary[0].kind", "required key is missing"), "[[vary]]"),
    ("grid_key_typo", HEAD + GRID.replace("values =", "value ="),
     ("vary[0].value", "unknown key", "did you mean 'values'?"), "value ="),
    ("grid_values_empty", HEAD + GRID.replace("[0.03, 0.05]", "[]"),
     ("vary[0].values", "at least 1"), "values = []"),
    ("scenario_key_typo", HEAD + GRID.replace("budget.risk_reserve", "budget.risk_reserv"),
     ("vary[0].key", "unknown scenario key", "did you mean 'risk_reserve'?"), 'key = "budget.risk_reserv"'),
    ("scenario_table_typo", HEAD + GRID.replace("budget.risk_reserve", "budjet.risk_reserve"),
     ("vary[0].key", "unknown scenario key", "did you mean 'budget'?"), 'key = "budjet'),
    ("oat_missing_high", HEAD + '[[vary]]\nkind = "oat"\nkey = "budget.risk_reserve"\nlow = 0.03\n',
     ("vary[0].high", "required key is missing"), "[[vary]]"),
    ("distribution_typo", HEAD + sample('[[vary.params]]\nkey = "budget.risk_reserve"\n'
                                        'distribution = "unifrom"\nlow = 0.0\nhigh = 0.1\n'),
     ("vary[0].params[0].distribution", "'uniform'"), 'distribution = "unifrom"'),
    ("sample_too_large", HEAD + sample('[[vary.params]]\nkey = "budget.risk_reserve"\n'
                                       'distribution = "uniform"\nlow = 0.0\nhigh = 0.1\n', n=10**12),
     ("vary[0].n", "less than or equal to 100000"), "n = 1000000000000"),
    ("uniform_missing_high", HEAD + sample('[[vary.params]]\nkey = "budget.risk_reserve"\n'
                                           'distribution = "uniform"\nlow = 0.0\n'),
     ("vary[0].params[0].high", "required by the uniform distribution"), "[[vary.params]]"),
    ("normal_with_low", HEAD + sample('[[vary.params]]\nkey = "budget.risk_reserve"\n'
                                      'distribution = "normal"\nmean = 0.05\nsd = 0.01\nlow = 0.0\n'),
     ("vary[0].params[0].low", "not a parameter of the normal distribution"), "low = 0.0"),
    ("sd_not_positive", HEAD + sample('[[vary.params]]\nkey = "budget.risk_reserve"\n'
                                      'distribution = "lognormal"\nmean = -3.0\nsd = 0.0\n'),
     ("vary[0].params[0].sd", "must be > 0"), "sd = 0.0"),
    ("triangular_mode", HEAD + sample('[[vary.params]]\nkey = "budget.risk_reserve"\n'
                                      'distribution = "triangular"\nlow = 0.0\nmode = 0.2\nhigh = 0.1\n'),
     ("vary[0].params[0].mode", "must lie in [low, high]"), "mode = 0.2"),
    ("sobol_not_power_of_two", HEAD + sample('[[vary.params]]\nkey = "budget.risk_reserve"\n'
                                             'distribution = "uniform"\nlow = 0.0\nhigh = 0.1\n',
                                             method="sobol", n=10),
     ("vary[0].n", "power of 2", "use 16 or 8"), "n = 10"),
    ("param_key_typo", HEAD + sample('[[vary.params]]\nkey = "dynamics.cost_inflatoin"\n'
                                     'distribution = "uniform"\nlow = 0.0\nhigh = 0.1\n'),
     ("vary[0].params[0].key", "did you mean 'cost_inflation'?"), 'key = "dynamics.cost_inflatoin"'),
    ("county_duplicate", HEAD + '[[county]]\nname = "a"\n[[county]]\nname = "a"\n',
     ("county[1].name", "duplicate county name"), None),
    ("county_bad_name", HEAD + '[[county]]\nname = "a/b"\n',
     ("county[0].name", "cannot name a folder"), 'name = "a/b"'),
    ("county_scenario_missing", HEAD + '[[county]]\nname = "a"\nscenario = "missing.toml"\n',
     ("county[0].scenario", "scenario not found"), 'scenario = "missing.toml"'),
    ("county_override_invalid", HEAD + '[[county]]\nname = "a"\noverrides = { "population.size" = -5 }\n',
     ("population.size", "county[0] (a)"), None),
    ("toml_syntax", HEAD + "oops = \n", ("TOML error",), "oops ="),
]


@pytest.mark.parametrize("case_id, text, expect, at", BAD, ids=[c[0] for c in BAD])
def test_bad_sweep_files(tmp_path: Path, case_id: str, text: str, expect: tuple[str, ...], at: str | None) -> None:
    path = write(tmp_path, text)
    with pytest.raises(InputError) as info:
        load_sweep(path)
    message = info.value.format()
    for fragment in expect:
        assert fragment in message, f"{case_id}: {fragment!r} not in\n{message}"
    if at is not None:
        assert f"{path}:{line_of(text, at)}:" in message, f"{case_id}: line of {at!r} not in\n{message}"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (HEAD.replace("replications = 4", "replications = 0") + 'metrics = ["balance_rat"]\n'
            + GRID.replace('kind = "grid"', 'kind = "grd"')
            + sample('[[vary.params]]\nkey = "budget.risk_reserve"\ndistribution = "normal"\nmean = 0.05\n'))
    with pytest.raises(InputError) as info:
        load_sweep(write(tmp_path, text))
    paths = {p.path for p in info.value.problems}
    assert {"sweep.replications", "vary[0].kind", "vary[1].params[0].sd"} <= paths
    assert len(info.value.problems) >= 3


def test_grid_blocks_combine_as_a_product(tmp_path: Path) -> None:
    text = HEAD + GRID + '[[vary]]\nkind = "grid"\nkey = "settlement.withhold_rate"\nvalues = [0.0, 0.05, 0.1]\n'
    s = load_sweep(write(tmp_path, text))
    assert [v.id for v in s.variants] == [f"v{i:04d}" for i in range(6)]
    assert s.variants[4].params == (("budget.risk_reserve", 0.05), ("settlement.withhold_rate", 0.05))
    assert s.keys == ("budget.risk_reserve", "settlement.withhold_rate")
    tasks = plan_tasks(s)
    assert len(tasks) == 6 * 2 and tasks[3].id == "v0001/reference/c0001" and tasks[3].worlds == range(2, 4)


def test_oat_adds_a_base_and_two_variants_per_block(tmp_path: Path) -> None:
    text = HEAD + ''.join(f'[[vary]]\nkind = "oat"\nkey = "{k}"\nlow = {lo}\nhigh = {hi}\n'
                          for k, lo, hi in (("budget.risk_reserve", 0.03, 0.08), ("dynamics.cost_inflation", 0.0, 0.06)))
    s = load_sweep(write(tmp_path, text))
    assert [v.kind for v in s.variants] == ["base", "oat", "oat", "oat", "oat"]
    assert s.variants[3].oat == ("dynamics.cost_inflation", "low") and s.has_oat


def test_samples_are_seeded_within_bounds_and_typed(tmp_path: Path) -> None:
    params = ('[[vary.params]]\nkey = "budget.risk_reserve"\ndistribution = "uniform"\nlow = 0.02\nhigh = 0.08\n'
              '[[vary.params]]\nkey = "dynamics.cost_inflation"\ndistribution = "lognormal"\nmean = -3.5\nsd = 0.3\n'
              '[[vary.params]]\nkey = "population.size"\ndistribution = "triangular"\nlow = 2000\nmode = 3000\nhigh = 5000\n'
              '[[vary.params]]\nkey = "referral.agreement_share"\ndistribution = "beta"\na = 2\nb = 5\n')
    path = write(tmp_path, HEAD + sample(params, n=64))
    first, again = load_sweep(path), load_sweep(path)
    assert first.variants == again.variants  # seeded
    values = {k: [dict(v.params)[k] for v in first.variants] for k in first.keys}
    assert all(0.02 <= x <= 0.08 for x in values["budget.risk_reserve"])
    assert all(isinstance(x, int) and 2000 <= x <= 5000 for x in values["population.size"])
    assert all(0.0 <= x <= 1.0 for x in values["referral.agreement_share"])
    # LHS: one draw per stratum of each margin
    strata = sorted(int((x - 0.02) / 0.06 * 64) for x in values["budget.risk_reserve"])
    assert strata == list(range(64))
    logs = sorted(math.log(x) for x in values["dynamics.cost_inflation"])
    assert abs((logs[31] + logs[32]) / 2 - (-3.5)) < 0.05  # the median is exp(mean)
    sobol = load_sweep(write(tmp_path, HEAD + sample(params, method="sobol", n=16)))
    assert len(sobol.variants) == 16


def test_invalid_variant_values_are_kept_with_their_problems(tmp_path: Path) -> None:
    text = HEAD + GRID.replace("[0.03, 0.05]", "[0.03, 1.5]")
    s = load_sweep(write(tmp_path, text))
    good, bad = s.variants
    assert not good.problems
    assert bad.problems and bad.problems[0].path == "budget.risk_reserve"
    assert bad.problems[0].line == line_of(text, "[[vary]]")


def test_counties_relative_paths_and_overrides(tmp_path: Path) -> None:
    (tmp_path / "scen").mkdir()
    (tmp_path / "scen" / "b.toml").write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    text = (HEAD + GRID + '[[county]]\nname = "a"\noverrides = { population = { size = 3000 } }\n'
            '[[county]]\nname = "b"\nscenario = "scen/b.toml"\noverrides = { "scenario.years" = 2 }\n')
    s = load_sweep(write(tmp_path, text))
    a, b = s.counties
    assert a.overrides == (("population.size", 3000),) and a.scenario == REFERENCE.resolve()
    assert b.scenario == (tmp_path / "scen" / "b.toml").resolve()
    assert len(plan_tasks(s)) == 2 * 2 * 2
    runs = [r for group in bundle(s, plan_tasks(s), workers=1) for r in group]
    assert sum(len(r.tasks) for r in runs) == 8
    assert all(dict(r.overrides)["budget.risk_reserve"] in (0.03, 0.05) for r in runs)
