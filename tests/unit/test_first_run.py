"""The first run says it compiles: cold vs warm kernel cache, the one stderr line (a spinner on a
terminal), the measured estimate, ``mcsim warmup``. Compiling itself is replaced by a stub here:
a real cold compile takes tens of seconds (README, "Set-up")."""

from __future__ import annotations

import io
import os
import time
from pathlib import Path

import numba
import pytest
from click.testing import CliRunner

from simulator.cli import mcsim
from simulator.commands import warmup
from simulator.kernels import jit

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty numba cache folder and an empty mcsim cache (the compile-time record)."""
    folder = tmp_path / "numba"
    folder.mkdir()
    monkeypatch.setattr(numba.config, "CACHE_DIR", str(folder))
    monkeypatch.setattr(numba.config, "DISABLE_JIT", 0)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    return folder


def _mark(folder: Path, mtime: float) -> Path:
    path = folder / "kernels_0123" / "world.simulate_year-28.py311.nbi"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"index")
    os.utime(path, (mtime, mtime))
    return path


def test_an_empty_cache_is_cold_and_a_fresh_index_warm(cache: Path) -> None:
    assert jit.cache_folder() == cache
    assert not jit.cache_is_warm()
    _mark(cache, time.time() + 60)
    assert jit.cache_is_warm()


def test_an_index_older_than_the_sources_is_cold(cache: Path) -> None:
    _mark(cache, 1_000_000.0)  # 1970: before any kernel source was written
    assert not jit.cache_is_warm()


def test_without_the_jit_nothing_is_cold(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(numba.config, "DISABLE_JIT", 1)
    assert jit.cache_is_warm()


@pytest.fixture
def stub_compile(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def fake() -> float:
        calls.append(1)
        time.sleep(0.3)  # long enough for the spinner to turn
        return 12.3
    monkeypatch.setattr(warmup, "compile_kernels", fake)
    return calls


def test_a_cold_cache_prints_one_line_with_the_estimate(cache, stub_compile, capsys, monkeypatch) -> None:
    monkeypatch.delenv("MCSIM_LANG")  # the scenario's language decides (conftest sets English)
    assert warmup.ensure_compiled("zh") == pytest.approx(12.3)
    err = capsys.readouterr().err
    expected = f"正在编译模拟内核（仅首次，约 {int(warmup.DEFAULT_COMPILE_SECONDS)} 秒）…"
    assert err.splitlines() == [expected]
    # the next estimate is the one measured here, rounded up to 5 s
    assert warmup.estimated_seconds() == 15
    warmup.ensure_compiled("en")
    assert capsys.readouterr().err.strip() == "Compiling the simulation kernels (first run only, about 15 s)…"
    assert len(stub_compile) == 2


def test_a_warm_cache_prints_nothing_and_compiles_nothing(cache, stub_compile, capsys) -> None:
    _mark(cache, time.time() + 60)
    assert warmup.ensure_compiled("zh") is None
    assert capsys.readouterr().err == "" and not stub_compile


def test_quiet_compiles_without_a_word(cache, stub_compile, capsys) -> None:
    warmup.ensure_compiled("en", quiet=True)
    assert capsys.readouterr().err == "" and stub_compile


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_spinner_then_the_seconds(cache, stub_compile, monkeypatch) -> None:
    screen = _Terminal()
    monkeypatch.setattr("sys.stderr", screen)
    warmup.ensure_compiled("en")
    text = screen.getvalue()
    assert "\r" in text and any(frame in text for frame in "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
    assert text.endswith("done in 12 s\n") and text.count("\n") == 1


def test_mcsim_run_says_it_compiles_when_cold(stub_compile, tmp_path, monkeypatch) -> None:
    # numba's own cache folder stays as it is (the run itself must not compile from cold)
    monkeypatch.setattr(jit, "cache_is_warm", lambda: False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("MCSIM_LANG")  # the scenario's language decides (conftest sets English)
    args = ["run", str(REFERENCE), "--replications", "1", "--set", "population.size=2000",
            "--set", "scenario.years=1", "--set", "output.figures=false", "--set", "output.report=false",
            "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(mcsim, args)
    assert result.exit_code == 0, result.output
    assert "正在编译模拟内核（仅首次" in result.output  # the scenario's report language: zh
    quiet = CliRunner().invoke(mcsim, args + ["--quiet"])
    assert quiet.exit_code == 0 and "编译" not in quiet.output


def test_mcsim_warmup_prints_the_seconds(cache, stub_compile) -> None:
    result = CliRunner().invoke(mcsim, ["warmup"])
    assert result.exit_code == 0, result.output
    assert "compiled the simulation kernels in 12.3 s" in result.output and str(cache) in result.output
    _mark(cache, time.time() + 60)
    again = CliRunner().invoke(mcsim, ["warmup", "--lang", "zh"])
    assert "内核已在缓存中" in again.output


def test_the_tiny_warmup_county_loads() -> None:
    from importlib import resources

    from simulator.scenario import load_scenario

    with resources.as_file(resources.files("simulator").joinpath("builtin", "starter_scenario.toml")) as path:
        s = load_scenario(path, warmup.TINY)
    assert s.population.size == 400 and s.scenario.years == 1 and s.output.microdata_fraction > 0
