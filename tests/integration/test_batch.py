"""Batches end to end: the same small sweep through worker threads, a process pool, a dask
LocalCluster and a killed-then-resumed CLI run gives byte-identical dataset files, equal to
direct runs of each design; a failing variant does not stop the others; an OAT sweep draws a
tornado chart ranked by its effect on balance_rate."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.batch import SweepFailed, execute_sweep, load_sweep, run_sweep
from simulator.batch.executors import threadsafe_layer
from simulator.cli import mcsim

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "scenarios" / "reference.toml"


def sweep_text(values: str = "[0.03, 0.05, 0.07]", replications: int = 4) -> str:
    return f'''[sweep]
name = "tiny"
base = "{REFERENCE.as_posix()}"
replications = {replications}
chunk_worlds = 2
overrides = {{ "population.size" = 3000, "scenario.years" = 2 }}

[[vary]]
kind = "grid"
key = "budget.risk_reserve"
values = {values}
'''


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "tiny.toml"
    path.write_text(sweep_text(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference_run(sweep_file: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    """The uninterrupted local run every other run is compared with."""
    out = tmp_path_factory.mktemp("local") / "out"
    outcome = execute_sweep(sweep_file, executor="local", workers=2, out=out)
    # a small batch: worker threads, no processes to start (where numba's layer is thread-safe)
    assert outcome.mode == ("threads" if threadsafe_layer() else "processes") and not outcome.failures
    return out, outcome.frame


def dataset_bytes(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted((out / "dataset").rglob("*.parquet"))}


def test_local_run_gives_a_tidy_frame_and_a_partitioned_dataset(reference_run) -> None:
    out, frame = reference_run
    assert len(dataset_bytes(out)) == 6  # 3 variants x 1 county x 2 chunks
    assert len(frame) == 3 * 4 * 2  # variants x worlds x years
    assert list(frame.columns[:5]) == ["variant", "county", "budget.risk_reserve", "world", "year"]
    assert sorted(frame["budget.risk_reserve"].unique()) == [0.03, 0.05, 0.07]
    # common random numbers: the same worlds and parameter draws in every variant, so the first
    # year's spending coincides while the budget (and balance) moves with the risk reserve (later
    # years differ: the drawn cost-control response reacts to each design's settlement)
    by = frame.set_index(["variant", "world", "year"])
    first = frame["year"].min()
    assert (by.loc["v0000", "total_cost"].xs(first, level="year")
            == by.loc["v0002", "total_cost"].xs(first, level="year")).all()
    assert (by.loc["v0000", "budget"] > by.loc["v0002", "budget"]).all()
    again = pd.read_parquet(out / "dataset")
    assert len(again) == len(frame)
    summary = pd.read_csv(out / "summary.csv")
    assert {"variant", "label", "county", "year", "metric", "mean", "p05", "p95"} <= set(summary.columns)
    assert "prob_overspend" in set(summary["metric"])


def test_process_pool_gives_identical_bytes(sweep_file: Path, reference_run, tmp_path: Path) -> None:
    out = tmp_path / "processes"
    outcome = execute_sweep(sweep_file, executor="processes", workers=2, out=out)
    assert outcome.mode == "processes" and not outcome.failures
    assert dataset_bytes(out) == dataset_bytes(reference_run[0])
    pd.testing.assert_frame_equal(outcome.frame, reference_run[1])


def test_batch_rows_equal_direct_runs_of_each_design(tmp_path: Path) -> None:
    """Designs that vary the population (own populations) and ones that share it (reused) both
    give exactly what simulator.run gives for that design and those worlds."""
    import simulator

    text = sweep_text().split("[[vary]]")[0] + (
        '[[vary]]\nkind = "grid"\nkey = "population.size"\nvalues = [2000, 3000]\n'
        '[[vary]]\nkind = "grid"\nkey = "budget.risk_reserve"\nvalues = [0.03, 0.06]\n')
    path = tmp_path / "pop.toml"
    path.write_text(text, encoding="utf-8")
    frame = run_sweep(path, executor="local", workers=2, out=tmp_path / "out")
    assert frame["variant"].nunique() == 4
    for (size, reserve), rows in frame.groupby(["population.size", "budget.risk_reserve"]):
        s = simulator.load_scenario(REFERENCE, {"population.size": int(size), "scenario.years": 2,
                                                "budget.risk_reserve": reserve})
        direct = simulator.run(s, replications=4, seed=s.scenario.seed, threads=1).worlds
        got = rows.drop(columns=["variant", "county", "population.size", "budget.risk_reserve"])
        pd.testing.assert_frame_equal(got.reset_index(drop=True), direct[got.columns].reset_index(drop=True))


def test_a_later_batch_in_the_same_process_sees_edited_files_and_its_own_keys(tmp_path: Path) -> None:
    """Worker threads live in this process: a batch must not reuse another batch's scenarios."""
    base = tmp_path / "county.toml"
    base.write_text(REFERENCE.read_text(encoding="utf-8"), encoding="utf-8")
    text = sweep_text("[0.03, 0.05]", replications=2).replace(REFERENCE.as_posix(), base.as_posix())
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    first = run_sweep(path, executor="local", workers=2, out=tmp_path / "a")
    base.write_text(base.read_text(encoding="utf-8").replace("community_share = 1.0", "community_share = 0.5"),
                    encoding="utf-8")
    edited = run_sweep(path, executor="local", workers=2, out=tmp_path / "b")
    assert (edited["budget"] < 0.6 * first["budget"]).all()  # half the pooled fund: the edit is seen
    run_sweep(path, executor="processes", workers=2, out=tmp_path / "c")  # fresh worker processes
    assert dataset_bytes(tmp_path / "b") == dataset_bytes(tmp_path / "c")
    # another sweep on the same designs that also varies a boolean key: its own columns, typed
    both = text + '[[vary]]\nkind = "grid"\nkey = "budget.outside_charged"\nvalues = [true, false]\n'
    path.write_text(both, encoding="utf-8")
    frame = run_sweep(path, executor="local", workers=2, out=tmp_path / "d")
    assert frame["budget.outside_charged"].dtype == bool and frame["budget.outside_charged"].any()
    assert frame["budget.risk_reserve"].notna().all()


def test_dask_local_cluster_gives_identical_bytes(sweep_file: Path, reference_run, tmp_path: Path) -> None:
    out = tmp_path / "dask"
    frame = run_sweep(sweep_file, executor="dask", workers=2, out=out)
    assert dataset_bytes(out) == dataset_bytes(reference_run[0])
    pd.testing.assert_frame_equal(frame, reference_run[1])


def test_killed_batch_resumes_to_identical_bytes(sweep_file: Path, reference_run, tmp_path: Path) -> None:
    out = tmp_path / "killed"
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "batch", str(sweep_file), "--out", str(out),
                             "--workers", "1"], cwd=REPO, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not list((out / "tasks").glob("*.json")) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.005)
        os.killpg(proc.pid, signal.SIGKILL)  # the batch and its worker processes
    finally:
        proc.wait(timeout=30)
    done = len(list((out / "tasks").glob("*.json")))
    assert 1 <= done < 6, f"the kill should land mid-batch ({done} of 6 tasks done)"
    with pytest.raises(Exception, match="already holds a batch"):
        run_sweep(sweep_file, workers=1, out=out)  # no silent overwrite without --resume
    outcome = execute_sweep(sweep_file, workers=2, out=out, resume=True)
    assert outcome.skipped == done and outcome.ran == 6 - done and not outcome.failures
    assert not [p for p in out.rglob(".*.tmp-*")]
    assert dataset_bytes(out) == dataset_bytes(reference_run[0])


def test_failing_variant_does_not_stop_the_others(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(sweep_text("[0.03, 1.5, 0.07]"), encoding="utf-8")
    result = CliRunner().invoke(mcsim, ["batch", str(path), "--out", str(tmp_path / "out"), "--workers", "2"])
    assert result.exit_code == 2, result.output
    assert "3 variants × 1 counties × 2 chunks = 6 tasks" in result.output
    assert "budget.risk_reserve=1.5" in result.output and "Traceback" not in result.output
    assert len(dataset_bytes(tmp_path / "out")) == 4
    failures = pd.read_csv(tmp_path / "out" / "failures.csv")
    assert list(failures["variant"]) == ["v0001", "v0001"] and failures["input_error"].all()
    with pytest.raises(SweepFailed) as info:  # the Python API: the others completed and are returned
        run_sweep(load_sweep(path), workers=1, out=tmp_path / "out", resume=True)
    assert info.value.outcome.exit_code == 2 and info.value.outcome.skipped == 4
    assert set(info.value.frame["variant"]) == {"v0000", "v0002"}


def test_oat_sweep_draws_a_ranked_tornado(tmp_path: Path) -> None:
    params = [("budget.risk_reserve", 0.02, 0.10), ("settlement.withhold_rate", 0.0, 0.10),
              ("dynamics.cost_inflation", 0.0, 0.08), ("tiers.cost_cv", 0.5, 1.1),
              ("demand.outpatient.base_cost", 200.0, 300.0), ("referral.agreement_share", 0.3, 0.9)]
    text = sweep_text().split("[[vary]]")[0].replace("replications = 4", "replications = 2")
    text += "".join(f'[[vary]]\nkind = "oat"\nkey = "{k}"\nlow = {lo}\nhigh = {hi}\n' for k, lo, hi in params)
    path = tmp_path / "oat.toml"
    path.write_text(text, encoding="utf-8")
    outcome = execute_sweep(path, workers=2, out=tmp_path / "out")
    assert not outcome.failures and outcome.total == 13
    png = tmp_path / "out" / "tornado.png"
    assert outcome.tornado == png and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    effects = pd.read_csv(tmp_path / "out" / "tornado.csv")
    assert sorted(effects["key"]) == sorted(k for k, _, _ in params)
    assert effects["swing"].is_monotonic_decreasing
    means = outcome.frame.groupby("variant")["balance_rate"].mean()
    v = {x.oat: x.id for x in outcome.sweep.variants if x.oat}
    top = effects.iloc[0]
    assert top["swing"] == pytest.approx(abs(means[v[(top.key, "high")]] - means[v[(top.key, "low")]]))
