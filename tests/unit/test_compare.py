"""simulator.report.compare and ``mcsim compare``: paired (common random numbers) vs unpaired differences."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import simulator
from simulator.indicators import KEYS
from simulator.report.compare import COLUMNS, Z90, can_pair, compare_results, format_table

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"
SMALL = ["population.size=5000", "scenario.years=2"]
# keys the settlement rules change while care (and so fund spending) stays the same world by world
SETTLEMENT_KEYS = ("retained_surplus", "fund_payout", "community_net")


def _run(extra=(), seed=3):
    return simulator.run(REFERENCE, overrides=SMALL + list(extra), replications=8, seed=seed)


@pytest.fixture(scope="module")
def runs() -> dict[str, simulator.Results]:
    return {"tiered": _run(), "corridor": _run(['settlement.rules="aca-corridor"']),
            "other_seed": _run(seed=4)}


@pytest.fixture(scope="module")
def folders(runs, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("compare")
    return {name: r.write(root / name, figures=False, report=False) for name, r in runs.items()}


def _row(table: pd.DataFrame, key: str, run: str, period: str = "first") -> pd.Series:
    part = table[(table["indicator"] == key) & (table["run"] == run) & (table["period"] == period)]
    assert len(part) == 1
    return part.iloc[0]


def test_same_seed_and_worlds_pair(runs):
    assert can_pair(runs["tiered"], runs["corridor"])
    assert not can_pair(runs["tiered"], runs["other_seed"])


def test_table_has_every_indicator_run_and_period(runs):
    table = compare_results([runs["tiered"], runs["corridor"]], ["tiered", "corridor"])
    assert list(table.columns) == list(COLUMNS)
    assert len(table) == len(KEYS) * 2 * 2
    assert table[table["run"] == "corridor"]["paired"].all()
    assert table[table["run"] == "tiered"]["diff"].isna().all()


def test_paired_intervals_are_narrower_than_unpaired(runs):
    pair = [runs["tiered"], runs["corridor"]]
    paired = compare_results(pair, ["tiered", "corridor"])
    unpaired = compare_results(pair, ["tiered", "corridor"], paired=False)
    assert not unpaired["paired"].any()
    for key in SETTLEMENT_KEYS:
        p, u = _row(paired, key, "corridor"), _row(unpaired, key, "corridor")
        assert p["diff"] == pytest.approx(u["diff"], rel=1e-9, abs=1e-6)  # same difference of means
        assert p["diff_hi90"] - p["diff_lo90"] < u["diff_hi90"] - u["diff_lo90"], key
    # the rules do not change care: fund spending is identical world by world
    spending = _row(paired, "fund_spending", "corridor")
    assert spending["diff"] == 0.0 and spending["diff_hi90"] == spending["diff_lo90"] == 0.0
    assert _row(unpaired, "fund_spending", "corridor")["diff_hi90"] > 0.0


def test_paired_interval_matches_per_world_differences(runs):
    a, b = runs["tiered"], runs["corridor"]
    table = compare_results([a, b], ["a", "b"])
    year = int(a.worlds["year"].min())
    d = (b.worlds[b.worlds["year"] == year].set_index("world")["fund_payout"]
         - a.worlds[a.worlds["year"] == year].set_index("world")["fund_payout"]).to_numpy()
    row = _row(table, "fund_payout", "b")
    half = Z90 * d.std(ddof=1) / np.sqrt(d.size)
    assert row["diff"] == pytest.approx(d.mean())
    assert row["diff_lo90"] == pytest.approx(d.mean() - half)
    assert row["diff_p05"] == pytest.approx(np.quantile(d, 0.05))


def test_different_seeds_are_unpaired_and_cannot_be_forced(runs):
    pair = [runs["tiered"], runs["other_seed"]]
    table = compare_results(pair)
    assert not table["paired"].any()
    with pytest.raises(ValueError, match="cannot be paired"):
        compare_results(pair, paired=True)


def test_format_table_is_readable(runs):
    table = compare_results([runs["tiered"], runs["corridor"]], ["tiered", "corridor"])
    text = format_table(table, "en")
    assert "Fund payout" in text and "tiered" in text and "Δ" in text and "paired" in text
    assert "基金实际拨付" in format_table(table, "zh")


# ------------------------------------------------------------------------------------- CLI
def test_mcsim_compare_prints_and_writes_csv_and_figure(folders, tmp_path):
    from simulator.cli import mcsim

    out = tmp_path / "cmp.csv"
    result = CliRunner().invoke(mcsim, ["compare", str(folders["tiered"]), str(folders["corridor"]),
                                        str(folders["other_seed"]), "--out", str(out), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Fund payout" in result.output
    table = pd.read_csv(out)
    assert set(table["run"]) == {"tiered", "corridor", "other_seed"}
    assert table.loc[table["run"] == "corridor", "paired"].all()
    assert not table.loc[table["run"] == "other_seed", "paired"].any()
    figure = out.with_suffix(".png")
    assert figure.read_bytes().startswith(b"\x89PNG") and figure.stat().st_size > 8_000


def test_mcsim_compare_needs_two_folders(folders):
    from simulator.cli import mcsim

    result = CliRunner().invoke(mcsim, ["compare", str(folders["tiered"])])
    assert result.exit_code == 2
    assert str(folders["tiered"]) in result.output and "at least two" in result.output


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_mcsim_compare_bad_folder_exits_2_naming_it(folders, tmp_path, make):
    from simulator.cli import mcsim

    bad = tmp_path / "nothing-here"
    if make == "empty":
        bad.mkdir()
    result = CliRunner().invoke(mcsim, ["compare", str(folders["tiered"]), str(bad)])
    assert result.exit_code == 2
    assert str(bad) in result.output
    assert "Traceback" not in result.output
