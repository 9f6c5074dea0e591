"""What failed and killed runs leave: a bad ``--out`` stops ``mcsim run`` before it simulates;
killed runs' hidden ``.NAME.XXXXXXXX`` folders are removed by the next run, a live run's never;
an existing results folder is swapped atomically; a killed batch's workers leave with it."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from click.testing import CliRunner

from simulator import atomic
from simulator.cli import mcsim

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "scenarios" / "reference.toml"
SMALL = ["--set", "population.size=2000", "--set", "scenario.years=2", "-n", "3", "--quiet"]
RESULTS = ("summary.json", "worlds.parquet", "flows.parquet", "referrals.parquet", "scenario.resolved.toml")


def invoke(*args: str):
    return CliRunner().invoke(mcsim, list(args), catch_exceptions=False)


def hidden(folder: Path, name: str = "out") -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith(f".{name}."))


@pytest.fixture
def no_simulation(monkeypatch):
    """Fail the test if ``mcsim run`` gets as far as simulating."""
    import simulator.api

    def forbidden(*args, **kwargs):
        raise AssertionError("simulated despite a bad --out")

    monkeypatch.setattr(simulator.api, "run", forbidden)


@pytest.mark.parametrize("out, expected", [
    ("", "is empty"),
    (" ", "is empty"),
    ("/", "system folder"),
    ("/usr", "system folder"),
    (str(Path.home()), "system folder"),
    ("/proc/mcsim-results/out", "takes no new file"),  # unwritable even as root
    ("/sys/mcsim-results", "takes no new file"),
])
def test_bad_out_exits_2_before_simulating(out, expected, no_simulation) -> None:
    start = time.monotonic()
    result = invoke("run", str(REFERENCE), "--quiet", "--out", out)
    assert result.exit_code == 2, result.output
    assert "--out" in result.output and expected in result.output and "Traceback" not in result.output
    assert time.monotonic() - start < 5


def test_out_an_existing_file_exits_2(tmp_path, no_simulation) -> None:
    file = tmp_path / "out"
    file.write_text("keep me", encoding="utf-8")
    result = invoke("run", str(REFERENCE), "--quiet", "--out", str(file))
    assert result.exit_code == 2 and "is a file" in result.output
    assert file.read_text(encoding="utf-8") == "keep me"
    assert sorted(tmp_path.iterdir()) == [file]


def test_out_under_a_file_exits_2(tmp_path, no_simulation) -> None:
    (tmp_path / "plain").write_text("", encoding="utf-8")
    result = invoke("run", str(REFERENCE), "--quiet", "--out", str(tmp_path / "plain" / "out"))
    assert result.exit_code == 2 and "is a file" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a 0500 folder (the /proc case covers it)")
def test_out_in_an_unwritable_folder_exits_2(tmp_path, no_simulation) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        result = invoke("run", str(REFERENCE), "--quiet", "--out", str(locked / "out"))
    finally:
        locked.chmod(0o700)
    assert result.exit_code == 2 and "takes no new file" in result.output
    assert not list(locked.iterdir())


def hold_lock(target: Path) -> tuple[subprocess.Popen, Path]:
    """A subprocess that makes and locks a build folder for ``target``, as a live run does."""
    code = ("import sys, time; from pathlib import Path; from simulator.atomic import locked_temp_dir; "
            "tmp, fd = locked_temp_dir(Path(sys.argv[1])); (tmp / 'part').write_text('x'); "
            "print(tmp, flush=True); time.sleep(120)")
    proc = subprocess.Popen([sys.executable, "-c", code, str(target)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    return proc, Path(proc.stdout.readline().strip())


def test_stale_build_folders_are_removed_and_a_live_one_kept(tmp_path) -> None:
    out = tmp_path / "out"
    stale = [tmp_path / ".out.abcd1234", tmp_path / ".out.zz_99xyz"]
    for folder in stale:
        folder.mkdir()
        (folder / "summary.json").write_text("{}", encoding="utf-8")
    dead_fallback = tmp_path / f".out.old-{2 ** 22 + 1}"  # above Linux's pid limit: never alive
    dead_fallback.mkdir()
    others = [tmp_path / ".out.csv.tmp-1-2", tmp_path / ".out.x.abcd1234", tmp_path / ".outer.abcd1234"]
    others[0].write_text("another writer's file", encoding="utf-8")
    for folder in others[1:]:
        folder.mkdir()
    proc, live = hold_lock(out)
    try:
        assert live.parent == tmp_path and live.name.startswith(".out.")
        result = invoke("run", str(REFERENCE), *SMALL, "--out", str(out))
        assert result.exit_code == 0, result.output
        assert hidden(tmp_path) == sorted([live, others[0], others[1]])
        assert (live / "part").read_text() == "x"
        assert all((out / name).is_file() for name in RESULTS)
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
    assert atomic.remove_stale(out) == [live]  # its lock went with the process
    assert others[2].is_dir()


def test_replacing_results_exchanges_the_folders(tmp_path) -> None:
    target, new = tmp_path / "out", tmp_path / "new"
    target.mkdir()
    (target / "summary.json").write_text("old", encoding="utf-8")
    new.mkdir()
    (new / "summary.json").write_text("new", encoding="utf-8")
    inode = new.stat().st_ino
    atomic.replace_dir(new, target)
    assert (target / "summary.json").read_text(encoding="utf-8") == "new"
    assert target.stat().st_ino == inode and not new.exists() and not hidden(tmp_path)


@pytest.mark.skipif(not atomic.EXCHANGE, reason="no renameat2 here: the two-rename fallback is used")
def test_exchange_is_one_step(tmp_path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "f").write_text("a", encoding="utf-8")
    assert atomic.exchange(a, b)
    assert (b / "f").read_text(encoding="utf-8") == "a" and not (a / "f").exists()


def test_temporary_files_are_created_exclusively(tmp_path) -> None:
    path = tmp_path / "table.csv"
    victim = tmp_path / "victim"
    victim.write_text("untouched", encoding="utf-8")
    atomic.temporary_name(path).symlink_to(victim)  # planted where this process writes
    atomic.write_atomic(path, "a,b\n")
    atomic.write_with(path, lambda tmp: tmp.write_text("c,d\n", encoding="utf-8"))
    assert path.read_text(encoding="utf-8") == "c,d\n"
    assert victim.read_text(encoding="utf-8") == "untouched"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv", "victim"]


def mcsim_process(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "simulator", *args], cwd=REPO, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.slow  # ~25 s: six runs
def test_killed_runs_leave_nothing_after_the_next_run(tmp_path) -> None:
    out = tmp_path / "out"
    args = ["run", str(REFERENCE), "--set", "population.size=20000", "--replications", "8", "--out", str(out),
            "--quiet"]
    rng = random.Random(19)
    for _ in range(5):
        proc = mcsim_process(*args)
        try:
            time.sleep(rng.uniform(0.5, 3.0))
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)
    proc = mcsim_process(*args)
    assert proc.wait(timeout=300) == 0
    assert hidden(tmp_path) == []
    assert all((out / name).is_file() for name in RESULTS)


@pytest.mark.slow  # ~12 s: starts a process pool
def test_killed_process_batch_takes_its_workers_along(tmp_path) -> None:
    sweep = tmp_path / "sweep.toml"
    sweep.write_text(f'''[sweep]
name = "killed"
base = "{REFERENCE.as_posix()}"
replications = 8
chunk_worlds = 2
overrides = {{ "population.size" = 20000, "scenario.years" = 2 }}

[[vary]]
kind = "grid"
key = "budget.risk_reserve"
values = [0.03, 0.05, 0.07]
''', encoding="utf-8")
    out = tmp_path / "out"
    proc = mcsim_process("batch", str(sweep), "--out", str(out), "--executor", "processes", "--workers", "2")
    workers: list[psutil.Process] = []
    try:
        deadline = time.monotonic() + 120
        while not list((out / "tasks").glob("*.json")) and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.01)
        assert proc.poll() is None, "the batch ended before the kill"
        workers = psutil.Process(proc.pid).children(recursive=True)
        assert len(workers) >= 2
        os.kill(proc.pid, signal.SIGKILL)  # the batch alone, not its process group
        proc.wait(timeout=30)
        gone, alive = psutil.wait_procs(workers, timeout=5)
        assert not alive, f"workers outlived the batch: {alive}"
    finally:
        for p in workers:
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        if proc.poll() is None:
            proc.kill()
            proc.wait()
