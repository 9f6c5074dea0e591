"""simulator.ranking, ``mcsim compare --objective/--constraint`` and ``mcsim batch`` ranking columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import simulator
from simulator.cli import mcsim
from simulator.errors import InputError
from simulator.ranking import (
    COLUMNS, Objective, Ranking, pareto_front, parse_constraint, parse_objective, parse_stat, rank_order,
)

from tests.conftest import REFERENCE

SMALL = ["population.size=2000", "scenario.years=2"]


def _worlds(values: dict[str, list[float]]) -> pd.DataFrame:
    n = len(next(iter(values.values())))
    return pd.DataFrame({"world": np.arange(n), "year": 2026, **values})


# ------------------------------------------------------------------------------- parsing
def test_objective_directions():
    assert parse_objective("community_net").maximise
    assert not parse_objective("fund_spending").maximise
    assert not parse_objective("prob_overspend").maximise
    assert parse_objective("fund_spending:max").maximise
    assert not parse_objective("county_visit_share:min").maximise


@pytest.mark.parametrize("text, op, value", [("balance_rate>=0", ">=", 0.0), (" prob_overspend < 0.2 ", "<", 0.2),
                                             ("fund_spending<=1e8", "<=", 1e8), ("assessment_score>60", ">", 60.0)])
def test_constraints_parse(text, op, value):
    c = parse_constraint(text)
    assert (c.op, c.value) == (op, value)
    assert c.holds(value) == (op in (">=", "<="))
    assert not c.holds(float("nan"))


@pytest.mark.parametrize("call, named", [
    (lambda: parse_objective("balance_rat"), "did you mean 'balance_rate'"),
    (lambda: parse_objective("balance_rate:up"), "min or max"),
    (lambda: parse_constraint("balance_rate=>0"), "does not parse"),
    (lambda: parse_constraint("balance_rate>=x"), "does not parse"),
    (lambda: parse_constraint("nope>=1"), "unknown key 'nope'"),
    (lambda: parse_stat("p120"), "pNN"),
])
def test_bad_keys_and_constraints_are_input_errors(call, named):
    with pytest.raises(InputError) as info:
        call()
    assert named in str(info.value)


# ------------------------------------------------------------------------------- ranking
def test_rank_respects_direction_and_constraints():
    runs = [_worlds({"community_net": [1.0, 2.0, 3.0], "balance_rate": [0.1, 0.1, 0.1]}),   # mean 2, ok
            _worlds({"community_net": [5.0, 6.0, 7.0], "balance_rate": [-0.1, -0.1, -0.1]}),  # best, infeasible
            _worlds({"community_net": [3.0, 3.0, 3.0], "balance_rate": [0.0, 0.0, 0.0]})]  # 3, ok (>= 0)
    table = Ranking.parse("community_net:max", ["balance_rate>=0"]).rank(runs, ["a", "b", "c"])
    assert table.set_index("run")["rank"].to_dict() == {"c": 1, "a": 2, "b": 3}
    assert table.set_index("run")["feasible"].to_dict() == {"a": True, "b": False, "c": True}
    flipped = Ranking.parse("community_net:min", ["balance_rate>=0"]).rank(runs, ["a", "b", "c"])
    assert flipped.set_index("run")["rank"].to_dict() == {"a": 1, "c": 2, "b": 3}
    # win probability against a, world by world, ties counted one half
    assert table["win_prob"].tolist() == [0.5, 1.0, pytest.approx(2.5 / 3)]
    strict = Ranking.parse("community_net:max", ["balance_rate>0"]).rank(runs, ["a", "b", "c"])
    assert not strict.set_index("run").loc["c", "feasible"]


def test_quantile_statistic():
    runs = [_worlds({"fund_spending": list(np.arange(101.0))})]
    assert Ranking.parse("fund_spending", (), "p95").rank(runs, ["a"])["objective_value"][0] == pytest.approx(95.0)
    assert Ranking.parse("fund_spending", (), "mean").rank(runs, ["a"])["objective_value"][0] == pytest.approx(50.0)


def test_rank_order_ties_and_nan():
    o = Objective("fund_spending", maximise=False)
    assert rank_order(np.array([2.0, 1.0, 1.0, np.nan]), np.array([True] * 4), o).tolist() == [3, 1, 1, 4]


def test_pareto_front():
    x, y = np.array([1.0, 2.0, 3.0, 2.0]), np.array([3.0, 2.0, 1.0, 1.0])
    assert pareto_front(x, y, (False, False)).tolist() == [True, False, False, True]  # (2, 1) beats (2, 2), (3, 1)
    assert pareto_front(x, y, (True, True)).tolist() == [True, True, True, False]  # (2, 2) beats (2, 1)


# ------------------------------------------------------------------------------- commands
@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("ranking")
    runs = {"tiered": [], "corridor": ['settlement.rules="aca-corridor"'], "other_seed": []}
    out = {}
    for name, extra in runs.items():
        r = simulator.run(REFERENCE, overrides=SMALL + extra, replications=6, seed=4 if name == "other_seed" else 3)
        out[name] = r.write(root / name, figures=False, report=False)
    return out


def test_compare_ranks_and_a_run_against_itself_wins_half(folders, tmp_path):
    target = tmp_path / "c.csv"
    args = ["compare", str(folders["tiered"]), str(folders["corridor"]), str(folders["tiered"]),
            str(folders["other_seed"]), "--objective", "community_net:max", "--constraint", "balance_rate>=-1",
            "--constraint", "prob_overspend<=1", "--lang", "en", "--out", str(target)]
    out = CliRunner().invoke(mcsim, args)
    assert out.exit_code == 0, out.output
    table = pd.read_csv(target.with_name("c-ranking.csv"), encoding="utf-8-sig")  # one row per DIR, in order
    assert table["run"].tolist()[2].endswith("tiered (2)")  # a folder given twice keeps its own name
    assert table.loc[0, "win_prob"] == 0.5 and table.loc[2, "win_prob"] == 0.5  # the reference against itself
    assert np.isnan(table.loc[3, "win_prob"]) and not table.loc[3, "paired"]  # another seed: not paired
    assert table["feasible"].all()
    assert table.loc[table["objective_value"].idxmax(), "rank"] == 1
    assert table.loc[0, "rank"] == table.loc[2, "rank"]  # ties share a rank
    assert "P(beats reference)" in out.output


@pytest.mark.parametrize("args, named", [
    (["--objective", "nope"], "nope"), (["--objective", "balance_rate:upwards"], "--objective"),
    (["--constraint", "balance_rate=>0"], "balance_rate=>0"), (["--constraint", "nope>=0"], "nope"),
    (["--objective", "balance_rate", "--stat", "median"], "--stat"),
    (["--objective", "balance_rate", "--year", "1990"], "--year"),
])
def test_compare_bad_ranking_options_exit_2(folders, args, named):
    out = CliRunner().invoke(mcsim, ["compare", str(folders["tiered"]), str(folders["corridor"]), *args])
    assert out.exit_code == 2, out.output
    assert named in out.output


def test_batch_summary_gets_ranking_columns_and_pareto(tmp_path):
    sweep = tmp_path / "s.toml"
    sweep.write_text(f'''[sweep]
name = "rank"
base = "{REFERENCE.as_posix()}"
replications = 4
chunk_worlds = 4
metrics = ["balance_rate", "community_net", "fund_spending"]
overrides = {{ "population.size" = 1000, "scenario.years" = 1 }}

[[vary]]
kind = "grid"
key = "budget.risk_reserve"
values = [0.05, 0.03, 0.08]
''', encoding="utf-8")
    out = CliRunner().invoke(mcsim, ["batch", str(sweep), "--out", str(tmp_path / "b"), "--executor", "threads",
                                     "--workers", "1", "--objective", "community_net:max",
                                     "--constraint", "balance_rate>=0", "--pareto", "fund_spending,community_net:max",
                                     "--lang", "en"])
    assert out.exit_code == 0, out.output
    summary = pd.read_csv(tmp_path / "b" / "summary.csv", encoding="utf-8-sig")
    assert set(COLUMNS) <= set(summary.columns)
    per_variant = summary.drop_duplicates("variant").set_index("variant")
    assert per_variant.loc["v0000", "win_prob"] == 0.5
    # a smaller risk reserve leaves a larger budget: more community net, in every world
    assert per_variant.loc["v0001", "win_prob"] == 1.0 and per_variant.loc["v0002", "win_prob"] == 0.0
    assert per_variant.loc["v0001", "rank"] < per_variant.loc["v0000", "rank"] or \
        not per_variant.loc["v0000", "feasible"]
    pareto = pd.read_csv(tmp_path / "b" / "pareto.csv", encoding="utf-8-sig")
    assert len(pareto) == 3 and pareto["front"].any()
    assert (tmp_path / "b" / "pareto.png").stat().st_size > 1000


def test_batch_bad_pareto_exits_2(tmp_path):
    out = CliRunner().invoke(mcsim, ["batch", str(tmp_path / "missing.toml"), "--pareto", "fund_spending"])
    assert out.exit_code == 2, out.output
    assert "--pareto" in out.output
