"""Sweeps over a region (simulator.region.sweep): region keys, keys of every county and of one
county; the larger pool share pays more; a one-variant sweep is ``mcsim run REGION.toml`` to the
bit; bad keys are exit 2 with key and line; identical bytes in threads and processes and after
a kill -9 and --resume; rank columns and the tornado over the region's rows."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.batch import execute_sweep, load_sweep
from simulator.cli import mcsim
from simulator.errors import InputError
from simulator.region.spec import REGION_ROW, load_region

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_region import SMALL, region_file  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
POOL = 'method = "drg"\nshare = 0.4\npoint_value_band = [0.05, 20.0]'


def sweep_file(folder: Path, body: str, head: str = "") -> Path:
    """A sweep over a two-county region (6,000 people each, 4 worlds, 1 year) in ``folder``."""
    region_file(folder, [("a", SMALL), ("b", SMALL)], pool=POOL, years=1)
    path = folder / "sweep.toml"
    path.write_text(f'[sweep]\nname = "region-sweep"\nbase = "region.toml"\n{head}\n{body}', encoding="utf-8")
    return path


GRID = '''[[vary]]
kind = "grid"
key = "region.pool.share"
values = [0.3, 0.5]

[[vary]]
kind = "grid"
key = "county.a.budget.risk_reserve"
values = [0.05, 0.08]
'''


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("grid")
    path = sweep_file(folder, GRID)
    outcome = execute_sweep(path, executor="threads", workers=2, out=folder / "out")
    assert not outcome.failures, outcome.failures
    return path, outcome


def _dataset(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "dataset").rglob("*.parquet"))}


def test_grid_over_a_region_key_and_a_county_key(grid):
    _, outcome = grid
    frame = outcome.frame
    assert outcome.total == 4 * 2  # variant × world-chunk: every county in each task
    assert list(frame["county"].cat.categories) == ["a", "b", REGION_ROW]
    assert sorted(p.relative_to(outcome.out).as_posix() for p in (outcome.out / "dataset").rglob("*.parquet"))[:2] \
        == ["dataset/variant=v0000/part-c0000.parquet", "dataset/variant=v0000/part-c0001.parquet"]

    def rows(share: float, reserve: float, county: str) -> pd.DataFrame:
        pick = (frame["region.pool.share"] == share) & (frame["county.a.budget.risk_reserve"] == reserve)
        return frame[pick & (frame["county"] == county)].set_index(["world", "year"])

    for reserve in (0.05, 0.08):  # the larger pool share pays more, world by world
        small, large = rows(0.3, reserve, REGION_ROW), rows(0.5, reserve, REGION_ROW)
        assert (large["drg_fund_payment"] > small["drg_fund_payment"]).all()
        assert (large["drg_pool"] > small["drg_pool"]).all()
    # county a's reserve lowers a's budget, not b's; b's pooled payment falls with a's budget
    a5, a8 = rows(0.3, 0.05, "a"), rows(0.3, 0.08, "a")
    b5, b8 = rows(0.3, 0.05, "b"), rows(0.3, 0.08, "b")
    assert (a8["budget"] < a5["budget"]).all() and np.array_equal(b8["budget"], b5["budget"])
    assert (b8["drg_fund_payment"] < b5["drg_fund_payment"]).all()
    region = frame[frame["county"] == REGION_ROW].set_index(["variant", "world", "year"])
    counties = frame[frame["county"] != REGION_ROW].groupby(["variant", "world", "year"], observed=True).sum(
        numeric_only=True)
    assert np.allclose(region["fund_spending"], counties["fund_spending"], rtol=1e-12)
    summary = pd.read_csv(outcome.out / "summary.csv", encoding="utf-8-sig")
    assert set(summary["county"]) == {"a", "b", REGION_ROW}
    assert len(summary.drop_duplicates(["variant", "county", "year"])) == 4 * 3


def test_a_one_variant_sweep_is_the_region_run_to_the_bit(tmp_path):
    """A key of every county (budget.risk_reserve) and the sweep's seed and worlds, against
    ``mcsim run REGION.toml --set ... --seed ... --replications ...``."""
    body = '[[vary]]\nkind = "grid"\nkey = "budget.risk_reserve"\nvalues = [0.07]\n'
    path = sweep_file(tmp_path, body, head="seed = 5\nreplications = 3\nchunk_worlds = 2")
    outcome = execute_sweep(path, executor="threads", workers=2, out=tmp_path / "sweep")
    assert not outcome.failures
    run = CliRunner().invoke(mcsim, ["run", str(tmp_path / "region.toml"), "--out", str(tmp_path / "run"), "-q",
                                     "--set", "budget.risk_reserve=0.07", "--seed", "5", "--replications", "3"])
    assert run.exit_code == 0, run.output
    worlds = pd.read_parquet(tmp_path / "run" / "worlds.parquet")
    swept = pd.read_parquet(tmp_path / "sweep" / "dataset")
    swept["county"] = pd.Categorical(swept["county"], categories=["a", "b", REGION_ROW])
    swept = swept.sort_values(["county", "world", "year"], kind="stable").reset_index(drop=True)
    assert (swept["budget.risk_reserve"] == 0.07).all()
    shared = [c for c in worlds.columns if c in swept.columns and c != "county"]
    assert len(shared) > 50
    for column in shared:
        assert worlds[column].equals(swept[column]), column
    assert list(worlds["county"].astype(str)) == list(swept["county"].astype(str))


BAD = [
    ("unknown region key", '[[vary]]\nkind = "grid"\nkey = "region.pool.shar"\nvalues = [0.3]\n',
     "vary[0].key", "did you mean 'share'", 7),
    ("a fixed region key", '[[vary]]\nkind = "oat"\nkey = "region.years"\nlow = 1\nhigh = 2\n',
     "vary[0].key", "cannot be varied", 7),
    ("unknown county", '[[vary]]\nkind = "grid"\nkey = "county.aa.budget.risk_reserve"\nvalues = [0.05]\n',
     "vary[0].key", "did you mean 'a'", 7),
    ("unknown county key", '[[vary]]\nkind = "grid"\nkey = "county.b.budget.risk_reservee"\nvalues = [0.05]\n',
     "vary[0].key", "did you mean 'risk_reserve'", 7),
    ("a key the region sets", '[[vary]]\nkind = "sample"\nn = 2\n[[vary.params]]\nkey = "payment.drg.pool_share"\n'
     'distribution = "uniform"\nlow = 0.1\nhigh = 0.5\n', "vary[0].params[0].key", "region.pool.share", 9),
    ("county tables", '[[county]]\nname = "x"\n', "county", "takes its counties from the region file", 5),
]


@pytest.mark.parametrize("case", BAD, ids=[c[0] for c in BAD])
def test_bad_varied_keys_exit_2_naming_key_and_line(tmp_path, case):
    _, body, key, words, line = case
    path = sweep_file(tmp_path, body)
    out = tmp_path / "out"
    result = CliRunner().invoke(mcsim, ["batch", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert f"sweep.toml:{line}: {key}" in result.output and words in result.output, result.output
    assert not out.exists()


def test_a_bad_variant_value_fails_its_tasks_only(tmp_path):
    path = sweep_file(tmp_path, '[[vary]]\nkind = "grid"\nkey = "region.pool.share"\nvalues = [0.3, 1.5]\n')
    sweep = load_sweep(path)
    bad = [v for v in sweep.variants if v.problems]
    assert [v.id for v in bad] == ["v0001"]
    assert bad[0].problems[0].path == "region.pool.share" and bad[0].problems[0].line == 5  # its [[vary]] block
    result = CliRunner().invoke(mcsim, ["batch", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert set(pd.read_parquet(tmp_path / "out" / "dataset")["variant"].astype(str)) == {"v0000"}


def test_processes_and_a_killed_then_resumed_batch_give_the_same_bytes(grid, tmp_path):
    path, reference = grid
    processes = execute_sweep(path, executor="processes", workers=2, out=tmp_path / "proc")
    assert processes.mode == "processes" and not processes.failures
    assert _dataset(tmp_path / "proc") == _dataset(reference.out)
    pd.testing.assert_frame_equal(processes.frame, reference.frame)
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "batch", str(path), "--out", str(out),
                             "--workers", "1", "--executor", "threads"], cwd=REPO, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not list((out / "tasks").glob("*.json")) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    done = len(list((out / "tasks").glob("*.json")))
    assert 1 <= done < 8, f"the kill should land mid-batch ({done} of 8 tasks done)"
    resumed = execute_sweep(path, executor="threads", workers=2, out=out, resume=True)
    assert resumed.skipped == done and resumed.ran == 8 - done and not resumed.failures
    assert _dataset(out) == _dataset(reference.out)
    assert (out / "summary.csv").read_bytes() == (reference.out / "summary.csv").read_bytes()


def test_oat_over_a_region_key_ranks_and_draws_the_tornado_of_the_region(tmp_path):
    body = ('[[vary]]\nkind = "oat"\nkey = "region.shocks.epidemic_correlation"\nlow = 0.0\nhigh = 1.0\n\n'
            '[[vary]]\nkind = "oat"\nkey = "region.pool.share"\nlow = 0.3\nhigh = 0.5\n')
    path = sweep_file(tmp_path, body)
    out = tmp_path / "out"
    result = CliRunner().invoke(mcsim, ["batch", str(path), "--out", str(out), "--executor", "threads",
                                        "--objective", "community_net:max", "--constraint", "prob_overspend<=0.5"])
    assert result.exit_code == 0, result.output
    assert "region sweep region-sweep: 5 variants × 2 chunks = 10 tasks" in result.output
    summary = pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
    assert {"rank", "feasible", "win_prob"} <= set(summary.columns)
    assert summary.groupby(["county", "year"])["rank"].nunique().min() >= 2
    tornado = pd.read_csv(out / "tornado.csv", encoding="utf-8-sig")
    assert tornado["key"].iloc[0] == "region.pool.share"  # the pool share moves balance_rate most
    assert (out / "tornado.png").is_file()


def test_load_region_takes_region_and_county_values(tmp_path):
    path = region_file(tmp_path, [("a", SMALL), ("b", SMALL)], pool=POOL, years=1)
    region = load_region(path, region_values={"pool.share": 0.25, "shocks.epidemic_correlation": 0.5},
                         county_values={"b": {"budget.risk_reserve": 0.09}})
    assert region.meta.pool.share == 0.25 and region.meta.shocks.epidemic_correlation == 0.5
    reserves = {c.name: c.scenario.budget.risk_reserve for c in region.counties}
    plain = load_region(path)
    assert reserves["b"] == 0.09 and reserves["a"] == plain.counties[0].scenario.budget.risk_reserve
    assert region.fingerprint() != plain.fingerprint()
    with pytest.raises(InputError, match="unknown county 'c'"):
        load_region(path, county_values={"c": {"budget.risk_reserve": 0.09}})
    with pytest.raises(InputError, match="region.pool.share"):
        load_region(path, region_values={"pool.share": 1.5})


def test_a_sample_block_draws_region_and_county_keys(tmp_path):
    body = ('[[vary]]\nkind = "sample"\nn = 2\n[[vary.params]]\nkey = "region.shocks.epidemic_correlation"\n'
            'distribution = "uniform"\nlow = 0.2\nhigh = 0.9\n[[vary.params]]\nkey = "county.b.population.size"\n'
            'distribution = "uniform"\nlow = 4000\nhigh = 5000\n')
    path = sweep_file(tmp_path, body)
    outcome = execute_sweep(path, executor="threads", workers=2, out=tmp_path / "out")
    assert not outcome.failures
    frame = outcome.frame
    for v in outcome.sweep.variants:
        drawn = dict(v.params)
        size = drawn["county.b.population.size"]
        assert isinstance(size, int) and 4000 <= size <= 5000  # an integer key's draws are rounded
        rows = frame[frame["variant"] == v.id]
        assert (rows["county.b.population.size"] == size).all()
        assert np.allclose(rows["region.shocks.epidemic_correlation"], drawn["region.shocks.epidemic_correlation"])
        enrolled = rows[rows["county"] == "b"]["enrolled"]
        assert (enrolled <= size).all() and (enrolled > 0.9 * size).all()


@pytest.mark.slow
def test_a_dask_cluster_gives_the_same_bytes(grid, tmp_path):
    pytest.importorskip("distributed")
    path, reference = grid
    outcome = execute_sweep(path, executor="dask", workers=2, out=tmp_path / "dask")
    assert not outcome.failures
    assert _dataset(tmp_path / "dask") == _dataset(reference.out)
