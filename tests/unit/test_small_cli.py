"""Small command-line behaviours: init names the scenario from its folder and survives a closed
pipe, --threads above the cores is capped, report --out, calibrate's progress and kept comments,
a batch's time estimate."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numba
import pytest
from click.testing import CliRunner

from simulator.cli import mcsim
from simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "scenarios" / "reference.toml"
TINY = ["--set", "population.size=2000", "--set", "scenario.years=1"]


@pytest.mark.parametrize("folder, name", [("某县", "某县"), ("某县 (试点)", "某县 (试点)"),
                                          ("county-7", "county-7"), (" padded ", "my-county")])
def test_init_names_the_scenario_after_its_folder(tmp_path, monkeypatch, folder, name):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(mcsim, ["init", folder])
    assert result.exit_code == 0, result.output
    assert load_scenario(tmp_path / folder / "scenario.toml").name == name


def _mcsim(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "simulator", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kwargs)


def test_init_into_a_closed_pipe_exits_without_a_traceback(tmp_path):
    process = _mcsim("init", str(tmp_path / "x"))
    process.stdout.close()  # the reader is gone before the first line: writing raises EPIPE
    with process.stderr:
        err = process.stderr.read().decode()
    process.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipe" not in err, err
    assert process.returncode in (0, 141)
    assert (tmp_path / "x" / "scenario.toml").is_file()


def test_init_piped_into_head_exits_cleanly(tmp_path):
    shell = f"{sys.executable} -m simulator init {tmp_path / 'y'} | head -1"
    done = subprocess.run(shell, shell=True, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.startswith("wrote ") and done.stdout.count("\n") == 1
    assert "Traceback" not in done.stderr, done.stderr


def test_threads_above_the_cores_warn_and_cap(tmp_path):
    limit = numba.config.NUMBA_NUM_THREADS
    result = CliRunner().invoke(mcsim, ["run", str(REFERENCE), "-n", "1", *TINY, "--threads", str(limit + 50),
                                        "--json", "--out", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert f"--threads {limit + 50} is more than the {limit} threads" in result.output
    assert f'"threads": {limit}' in result.output


def test_threads_below_one_are_still_an_error(tmp_path):
    result = CliRunner().invoke(mcsim, ["run", str(REFERENCE), "-n", "1", *TINY, "--threads", "0",
                                        "--out", str(tmp_path / "r")])
    assert result.exit_code == 2 and "--threads" in result.output


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run") / "r"
    result = CliRunner().invoke(mcsim, ["run", str(REFERENCE), "-n", "2", *TINY, "--quiet", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_report_out_writes_a_second_language_beside_the_first(run_dir):
    zh = (run_dir / "report.html").read_bytes()
    figures = sorted(p.name for p in (run_dir / "figures").iterdir())
    target = run_dir / "report.en.html"
    result = CliRunner().invoke(mcsim, ["report", str(run_dir), "--lang", "en", "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert '<html lang="en">' in target.read_text(encoding="utf-8")
    assert (run_dir / "report.html").read_bytes() == zh  # the Chinese report is left as it was
    assert sorted(p.name for p in (run_dir / "figures").iterdir()) == figures


def test_report_out_to_a_folder_is_exit_2(run_dir):
    result = CliRunner().invoke(mcsim, ["report", str(run_dir), "--out", str(run_dir / "figures")])
    assert result.exit_code == 2 and ("is a folder" in result.output or "is a directory" in result.output)


def test_calibrated_file_keeps_comments_and_loads_to_the_fit(tmp_path):
    from simulator.calibrate.fit import calibrated_toml

    fitted = load_scenario(REFERENCE, {"budget.risk_reserve": 0.071, "dynamics.cost_inflation": 0.04,
                                       "population.size": 123_456})
    for target in (REFERENCE.parent / "never-written.toml", tmp_path / "elsewhere" / "out.toml"):
        target.parent.mkdir(exist_ok=True)
        text = calibrated_toml(REFERENCE, fitted, target)
        assert text is not None
        assert "# visits besides chronic-care visits" in text and "risk_reserve = 0.071" in text
        target.write_text(text, encoding="utf-8")
        try:
            assert load_scenario(target) == load_scenario(REFERENCE, {"budget.risk_reserve": 0.071,
                                                                       "dynamics.cost_inflation": 0.04,
                                                                       "population.size": 123_456})
        finally:
            if target.parent == REFERENCE.parent:
                target.unlink()
    assert not (REFERENCE.parent / "never-written.toml").exists()


def test_calibrate_prints_each_evaluation(tmp_path):
    result = CliRunner().invoke(mcsim, ["calibrate", str(REFERENCE), "--targets",
                                        str(ROOT / "scenarios" / "calibration-targets.toml"),
                                        "--max-evaluations", "3", "--no-check", "--out", str(tmp_path / "c.toml")])
    assert result.exit_code == 0, result.output
    assert "evaluation 1/3: chi² = " in result.output and "evaluation 3/3" in result.output


def test_batch_prints_its_estimated_time_before_it_starts(tmp_path):
    result = CliRunner().invoke(mcsim, ["batch", str(ROOT / "scenarios" / "sweep-risk-reserve.toml"),
                                        "--out", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    head, _, tail = result.output.partition("estimated time: about ")
    assert tail and "µs per person-year" in tail
    assert "tasks run" not in head  # printed before the tasks ran
