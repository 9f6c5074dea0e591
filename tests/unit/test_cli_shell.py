"""The ``mcsim`` shell: version, help, lazy imports, exit codes, and ``mcsim init``."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest
from click.testing import CliRunner

from simulator import __version__
from simulator.cli import mcsim

HELP_IMPORTS = """
import json, sys
from click.testing import CliRunner
from simulator.cli import mcsim
result = CliRunner().invoke(mcsim, ["--help"], standalone_mode=False)
print(json.dumps({"exit": result.exit_code, "output": result.output,
                  "heavy": sorted(m for m in ("numba", "pandas", "matplotlib", "pyarrow") if m in sys.modules)}))
"""


def invoke(*args: str):
    return CliRunner().invoke(mcsim, list(args))


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert __version__ in result.output and "mcsim" in result.output


def test_help_lists_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for name in ("validate", "settle", "init"):
        assert f"  {name}" in result.output


def test_help_imports_no_heavy_module() -> None:
    done = subprocess.run([sys.executable, "-c", HELP_IMPORTS], capture_output=True, text=True, check=True)
    report = json.loads(done.stdout)
    assert report["exit"] == 0
    assert "validate" in report["output"]
    assert report["heavy"] == []


def test_python_dash_m() -> None:
    done = subprocess.run([sys.executable, "-m", "simulator", "--help"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "validate" in done.stdout and "Usage:" in done.stdout


@pytest.mark.parametrize("name", ["validate", "settle", "init"])
def test_every_command_has_help_with_an_example(name) -> None:
    result = invoke(name, "--help")
    assert result.exit_code == 0
    assert "Example" in result.output


def test_validate_ok_exits_0(reference_path) -> None:
    result = invoke("validate", str(reference_path))
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok: ")
    first, *rest = result.output.strip().splitlines()
    assert "hash" in first
    assert rest and rest[0].startswith("settlement"), "resolved settlement follows the summary line"


def test_usage_errors_exit_2() -> None:
    assert invoke("no-such-command").exit_code == 2
    assert invoke("validate").exit_code == 2  # missing argument


def test_internal_error_exits_1(reference_path, monkeypatch) -> None:
    import simulator.scenario

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(simulator.scenario, "load_scenario", broken)
    result = invoke("validate", str(reference_path))
    assert result.exit_code == 1
    assert "internal error" in result.output and "boom" in result.output


# ---------------------------------------------------------------------------------------------
# mcsim init
# ---------------------------------------------------------------------------------------------

def keys(table: dict, prefix: str = "") -> set[str]:
    out = set()
    for key, value in table.items():
        path = f"{prefix}.{key}" if prefix else key
        out.add(path)
        if isinstance(value, dict):
            out |= keys(value, path)
    return out


def test_init_writes_a_valid_starter(tmp_path) -> None:
    folder = tmp_path / "my-study"
    result = invoke("init", str(folder))
    assert result.exit_code == 0, result.output
    written = folder / "scenario.toml"
    assert written.is_file()
    assert f"mcsim validate {written}" in result.output and "mcsim run" in result.output
    check = invoke("validate", str(written))
    assert check.exit_code == 0, check.output
    data = tomllib.loads(written.read_text(encoding="utf-8"))
    assert data["scenario"]["name"] == "my-study"
    assert data["population"]["size"] <= 50_000
    assert data["scenario"]["replications"] <= 20


def test_init_starter_has_the_reference_keys_and_comments(tmp_path, reference_path) -> None:
    assert invoke("init", str(tmp_path)).exit_code == 0
    text = (tmp_path / "scenario.toml").read_text(encoding="utf-8")
    reference = tomllib.loads(reference_path.read_text(encoding="utf-8"))
    assert keys(tomllib.loads(text)) == keys(reference)
    lines = text.splitlines()
    for table in reference:  # every table is explained in a comment just above its first header
        first = next(i for i, line in enumerate(lines) if line.startswith((f"[{table}]", f"[{table}.")))
        assert any(line.startswith("#") for line in lines[max(0, first - 4):first]), table


def test_init_defaults_to_the_current_folder(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("init")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "scenario.toml").is_file()


def test_init_refuses_to_overwrite(tmp_path) -> None:
    target = tmp_path / "scenario.toml"
    target.write_text("# mine\n", encoding="utf-8")
    result = invoke("init", str(tmp_path))
    assert result.exit_code == 2
    assert "already exists" in result.output and "--force" in result.output
    assert "Traceback" not in result.output
    assert target.read_text(encoding="utf-8") == "# mine\n"
    forced = invoke("init", str(tmp_path), "--force")
    assert forced.exit_code == 0
    assert "[scenario]" in target.read_text(encoding="utf-8")


def test_init_into_a_file_path_exits_2(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    result = invoke("init", str(blocker / "sub"))
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_a_closed_pipe_is_not_an_internal_error(reference_path) -> None:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "simulator.cli", "validate", str(reference_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # like `| head -0`: the reader is gone before mcsim writes
    with proc.stderr:
        stderr = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert "internal error" not in stderr and "Traceback" not in stderr, stderr
    assert proc.returncode == 141
