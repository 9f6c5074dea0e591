"""Parameter uncertainty: keyed draws, the copula, fast and structural paths, and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simulator
from simulator.engine import run_worlds
from simulator.errors import InputError
from simulator.scenario import load_scenario
from simulator.uncertainty import draw_parameters

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"
SMALL = {"population.size": 2000, "scenario.years": 2}
TREND = {"key": "dynamics.utilisation_trend", "distribution": "normal", "mean": 0.01, "sd": 0.01,
         "truncate": [-0.05, 0.05]}
COST = {"key": "demand.outpatient.base_cost", "distribution": "lognormal", "mean": 5.4, "sd": 0.1}
BEDS = {"key": "tiers.beds[3]", "distribution": "uniform", "low": 20, "high": 60}


def scenario(*params, **sets):
    return load_scenario(REFERENCE, SMALL | {"uncertainty.param": list(params)} | sets)


# ---------------------------------------------------------------------------------------- draws
def test_a_world_draws_the_same_whatever_the_split_and_the_other_params() -> None:
    alone = draw_parameters(scenario(TREND).uncertainty, 5, range(0, 40))
    split = [draw_parameters(scenario(COST, TREND).uncertainty, 5, r) for r in (range(0, 13), range(13, 40))]
    joined = np.concatenate([d.values[TREND["key"]] for d in split])
    np.testing.assert_array_equal(alone.values[TREND["key"]], joined)
    other_seed = draw_parameters(scenario(TREND).uncertainty, 6, range(0, 40))
    assert not np.array_equal(alone.values[TREND["key"]], other_seed.values[TREND["key"]])


def test_a_group_moves_together_and_the_copula_correlates() -> None:
    from scipy import stats

    chronic = {"key": "demand.chronic.base_cost", "distribution": "lognormal", "mean": 4.4, "sd": 0.2}
    grouped = scenario(COST | {"group": "c"}, chronic | {"group": "c"}).uncertainty
    d = draw_parameters(grouped, 1, range(500))
    assert stats.spearmanr(d.values[COST["key"]], d.values[chronic["key"]]).statistic == pytest.approx(1.0)
    rho = 0.6
    table = scenario(TREND, COST, **{"uncertainty.correlation": {
        "params": [TREND["key"], COST["key"]], "matrix": [[1, rho], [rho, 1]]}}).uncertainty
    d = draw_parameters(table, 1, range(4000))
    z = stats.norm.ppf(np.column_stack([d.uniforms[TREND["key"]], d.uniforms[COST["key"]]]))
    r = np.corrcoef(z.T)[0, 1]
    assert abs(r - rho) < 3 * (1 - rho**2) / np.sqrt(4000)  # SE of a correlation coefficient


def test_truncation_keeps_draws_inside() -> None:
    wide = TREND | {"sd": 0.05, "truncate": [0.0, 0.02]}
    d = draw_parameters(scenario(wide).uncertainty, 3, range(2000))
    x = d.values[TREND["key"]]
    assert x.min() >= 0.0 and x.max() <= 0.02 and x.std() > 0.004


# ---------------------------------------------------------------------------------------- engine
def test_worlds_are_bit_identical_for_any_threads_and_split() -> None:
    s = scenario(TREND, COST, BEDS)
    whole = run_worlds(s, worlds=range(0, 4), seed=9, threads=1)
    parts = [run_worlds(s, worlds=r, seed=9, threads=2) for r in (range(0, 1), range(1, 4))]
    for key, value in whole.indicators.items():
        np.testing.assert_array_equal(value, np.concatenate([p.indicators[key] for p in parts]), err_msg=key)
    np.testing.assert_array_equal(whole.params[BEDS["key"]],
                                  np.concatenate([p.params[BEDS["key"]] for p in parts]))


def test_fast_and_structural_paths_agree(monkeypatch) -> None:
    """A multiplier drawn on the fast path gives what compiling each world's scenario gives."""
    import simulator.uncertainty.plan as plan

    s = scenario(TREND, COST, **{"dynamics.cost_control_elasticity": 0.2})
    fast = run_worlds(s, worlds=range(3), seed=4, threads=1)
    monkeypatch.setattr(plan, "is_fast", lambda key, scale, base: False)
    slow = run_worlds(s, worlds=range(3), seed=4, threads=1)
    for key in ("fund_spending", "total_cost", "balance", "community_net", "county_visit_share"):
        np.testing.assert_allclose(fast.indicators[key], slow.indicators[key], rtol=1e-9, err_msg=key)


def test_uncertainty_off_is_process_noise_alone() -> None:
    wide = COST | {"sd": 0.4}
    on = simulator.run(scenario(wide), replications=30, seed=2)
    off = simulator.run(scenario(wide, **{"uncertainty.enabled": False}), replications=30, seed=2)
    assert "param.demand.outpatient.base_cost" in on.worlds and not any(c.startswith("param.") for c in off.worlds)

    def visit_cost_sd(r):
        visits = r.flows[(r.flows.service == "outpatient") & (r.flows.year == r.flows.year.min())]
        return visits.groupby("world")["cost"].sum().std()

    assert visit_cost_sd(on) > 3 * visit_cost_sd(off)


def test_population_seed_fixes_the_county_and_per_world_varies_it() -> None:
    from simulator.prepare import prepare

    a, b = (prepare(scenario(TREND, **{"scenario.name": name})) for name in ("a", "b"))
    assert a.population_seed == b.population_seed  # the county follows [population], not the name
    other = prepare(scenario(TREND, **{"population.signing_rate": 0.5}))
    assert other.population_seed != a.population_seed
    per_world = simulator.run(scenario(**{"population.uncertainty": "per_world",
                                          "uncertainty.enabled": False}), replications=3, seed=1)
    enrolled = per_world.worlds.groupby("world")["primary_visit_share"].first()
    assert enrolled.nunique() == 3  # three counties


# ---------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("param, expected", [
    ({"key": "dynamics.utilisation_trnd", "distribution": "uniform", "low": 0, "high": 0.1},
     "did you mean 'utilisation_trend'"),
    ({"key": "settlement.rules", "distribution": "uniform", "low": 0, "high": 1}, "not numeric"),
    ({"key": "tiers.beds", "distribution": "uniform", "low": 0.9, "high": 1.1}, "set scale = true"),
    ({"key": "budget.risk_reserve", "distribution": "normal", "mean": 0.05, "sd": 0.01},
     "normal draws of budget.risk_reserve reach -0.0"),
    ({"key": "population.age_shares", "scale": True, "distribution": "uniform", "low": 0.9, "high": 1.1},
     "must sum to 1"),
    ({"key": "budget.risk_reserve", "distribution": "gamma", "shape": 2.0}, "exactly one of scale and mean"),
    ({"key": "scenario.years", "distribution": "uniform", "low": 1, "high": 3}, "cannot be uncertain"),
])
def test_bad_params_name_the_block(param, expected) -> None:
    with pytest.raises(InputError) as info:
        scenario(param)
    text = info.value.format()
    assert "uncertainty.param[0]" in text and expected in text, text


def test_a_group_with_mixed_distributions_and_a_bad_matrix_are_reported_together() -> None:
    chronic = {"key": "demand.chronic.base_cost", "distribution": "gamma", "shape": 100, "mean": 80}
    with pytest.raises(InputError) as info:
        scenario(COST | {"group": "c"}, chronic | {"group": "c"}, TREND, **{"uncertainty.correlation": {
            "params": ["c", TREND["key"]], "matrix": [[1.0, 1.2], [1.2, 1.0]]}})
    text = info.value.format()
    assert "group 'c' mixes distributions" in text and "uncertainty.correlation.matrix" in text, text
    with pytest.raises(InputError, match="not positive semi-definite"):
        three = [TREND, COST, BEDS]
        scenario(*three, **{"uncertainty.correlation": {"params": [p["key"] for p in three],
                 "matrix": [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]}})


def test_cli_bad_uncertainty_exits_2_with_the_line_and_writes_nothing(tmp_path) -> None:
    from click.testing import CliRunner

    from simulator.cli import mcsim

    text = REFERENCE.read_text(encoding="utf-8").replace(
        'key = "dynamics.cost_inflation"', 'key = "dynamics.cost_inflaton"')
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "cost_inflaton" in row)
    out = tmp_path / "out"
    result = CliRunner().invoke(mcsim, ["run", str(path), "--out", str(out), "-q"])
    assert result.exit_code == 2, result.output
    assert f"{path}:{line}" in result.output and "uncertainty.param[1].key" in result.output, result.output
    assert not out.exists()


# ---------------------------------------------------------------------------------------- --target-se
def test_target_se_adds_chunks_and_records_the_count(tmp_path) -> None:
    """At least two chunks; stops once met; the worlds are those of a plain run of that size."""
    from click.testing import CliRunner

    from simulator.cli import mcsim
    from simulator.scenario import load_scenario as reload

    s = scenario(TREND, COST)
    loose = simulator.run(s, replications=100, seed=3, target_se={"prob_overspend": 0.5})
    assert loose.stopping["worlds"] == 20 and loose.stopping["met"]  # two chunks of 10
    plain = simulator.run(s, replications=20, seed=3)
    np.testing.assert_array_equal(loose.worlds["balance"].to_numpy(), plain.worlds["balance"].to_numpy())
    tight = simulator.run(s, replications=30, seed=3, target_se={"prob_overspend": 1e-6})
    assert tight.stopping["worlds"] == 30 and not tight.stopping["met"]  # the ceiling
    out = tmp_path / "run"
    result = CliRunner().invoke(mcsim, ["run", str(REFERENCE), "--set", "population.size=2000",
                                        "--set", "scenario.years=2", "-n", "40", "--seed", "3",
                                        "--target-se", "prob_overspend=0.5", "--out", str(out), "-q"])
    assert result.exit_code == 0, result.output
    assert reload(out / "scenario.resolved.toml").scenario.replications == 10 * 2  # chunks of 10
    bad = CliRunner().invoke(mcsim, ["run", str(REFERENCE), "--target-se", "prob_overspnd=0.1",
                                     "--out", str(tmp_path / "bad")])
    assert bad.exit_code == 2 and "--target-se" in bad.output and not (tmp_path / "bad").exists()


BAD_BLOCKS = {
    "unknown key": ('key = "dynamics.no_such_key"\ndistribution = "uniform"\nlow = 0.0\nhigh = 0.1', "key"),
    "not numeric": ('key = "budget.method"\ndistribution = "uniform"\nlow = 0.0\nhigh = 0.1', "key"),
    "support": ('key = "referral.agreement_share"\ndistribution = "normal"\nmean = 0.8\nsd = 0.1',
                "distribution"),
    "group": ('key = "demand.chronic.base_cost"\ndistribution = "uniform"\nlow = 50.0\nhigh = 90.0\n'
              'group = "trend"', "distribution"),
}


@pytest.mark.parametrize("case", sorted(BAD_BLOCKS))
def test_cli_names_the_block_and_its_line(tmp_path, case) -> None:
    from click.testing import CliRunner

    from simulator.cli import mcsim

    text = REFERENCE.read_text(encoding="utf-8").replace(
        'key = "dynamics.utilisation_trend"', 'key = "dynamics.utilisation_trend"\ngroup = "trend"')
    body, field = BAD_BLOCKS[case]
    text += "\n[[uncertainty.param]]\n" + body + "\n"
    lines = text.splitlines()
    start = len(lines) - body.count("\n") - 1  # the block's first line (1-based)
    line = next(i for i in range(start, len(lines) + 1) if lines[i - 1].startswith(f"{field} ="))
    index = sum(1 for row in lines if row == "[[uncertainty.param]]") - 1
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(mcsim, ["run", str(path), "--out", str(out), "-q"])
    assert result.exit_code == 2, result.output
    assert f"uncertainty.param[{index}].{field}" in result.output, result.output
    assert f"{path}:{line}:" in result.output, result.output
    assert not out.exists() and "Traceback" not in result.output


def test_cli_non_psd_correlation_names_the_matrix_line(tmp_path) -> None:
    from click.testing import CliRunner

    from simulator.cli import mcsim

    text = REFERENCE.read_text(encoding="utf-8") + (
        '\n[uncertainty.correlation]\nparams = ["dynamics.utilisation_trend", "dynamics.cost_inflation", '
        '"dynamics.casemix_drift"]\nmatrix = [[1, 0.9, -0.9], [0.9, 1, 0.9], [-0.9, 0.9, 1]]\n')
    line = len(text.splitlines())
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(mcsim, ["validate", str(path)])
    assert result.exit_code == 2 and f"{path}:{line}" in result.output, result.output
    assert "not positive semi-definite" in result.output


def test_validate_lists_the_uncertainty() -> None:
    from click.testing import CliRunner

    from simulator.cli import mcsim

    result = CliRunner().invoke(mcsim, ["validate", str(REFERENCE), "--set",
                                        'uncertainty.param=[{key="tiers.beds[3]", distribution="uniform", '
                                        'low=1000, high=1200}, ' + _inline(TREND) + "]"])
    assert result.exit_code == 0, result.output
    assert "uncertainty: on; 2 params" in result.output
    assert "tiers.beds[3]  " in result.output and "own model per world" in result.output
    assert "truncated to [-0.05, 0.05]; fast" in result.output


def _inline(param: dict) -> str:
    import json

    return "{" + ", ".join(f"{k} = {json.dumps(v)}" for k, v in param.items()) + "}"
