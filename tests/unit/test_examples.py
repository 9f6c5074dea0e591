"""The shipped examples run as ``scenarios/README.md`` shows them, and ``docs/scenario-keys.md`` is
the schema's (regenerated and compared, like ``docs/outputs.md``)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import mcsim

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "scenarios" / "README.md"
KEYS_DOC = ROOT / "docs" / "scenario-keys.md"


def readme_commands() -> list[str]:
    """The ``mcsim ...`` lines of the README's bash blocks, in order."""
    text = README.read_text(encoding="utf-8")
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    return [line.strip() for block in blocks for line in block.splitlines() if line.strip().startswith("mcsim ")]


def test_the_readme_shows_every_example_file() -> None:
    commands = " ".join(readme_commands())
    shipped = [p.name for p in (ROOT / "scenarios").iterdir() if p.suffix in (".toml", ".csv")]
    assert len(shipped) >= 5
    assert all(f"scenarios/{name}" in commands for name in shipped), (shipped, commands)
    presets = sorted(p.name for p in (ROOT / "simulator" / "settlement" / "presets").glob("*.toml"))
    assert all(f"presets/{name}" in commands for name in presets)


def small(args: list[str], tmp: Path) -> list[str]:
    """The command with its results under ``tmp`` and, for runs, a small county and 2 worlds."""
    out = [str(tmp / a) if a.startswith("results/") else a for a in args]
    if out[0] == "run":
        out += ["--replications", "2", "--set", "population.size=4000", "--quiet"]
    if out[0] == "calibrate":
        out += ["--max-evaluations", "6", "--no-check"]
    return out


def test_every_readme_command_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # the README's paths are from the repository root
    commands = readme_commands()
    assert len(commands) >= 10
    runner = CliRunner()
    for line in commands:
        args = small(shlex.split(line)[1:], tmp_path)
        result = runner.invoke(mcsim, args)
        assert result.exit_code == 0, f"{line}\n{result.output}"
    assert (tmp_path / "results" / "reference" / "report.en.html").is_file()
    assert (tmp_path / "results" / "sweep-risk-reserve" / "summary.csv").is_file()
    calibrated = (tmp_path / "results" / "reference.calibrated.toml").read_text(encoding="utf-8")
    assert "# visits besides chronic-care visits" in calibrated  # reference.toml's own comment kept


def test_scenario_keys_doc_is_current() -> None:
    from simulator.scenario.reference import markdown

    assert KEYS_DOC.read_text(encoding="utf-8") == markdown(), (
        "docs/scenario-keys.md is out of date: python -m simulator.scenario.reference > docs/scenario-keys.md")


def leaf_keys(model, prefix: str = "") -> list[str]:
    """Every key of the schema, found independently of the generator (pydantic's JSON schema)."""
    out = []
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        out.append(key)
        sub = info.annotation
        for candidate in (sub, *getattr(sub, "__args__", ())):
            for inner in (candidate, *getattr(candidate, "__args__", ())):
                if isinstance(inner, type) and hasattr(inner, "model_fields"):
                    mark = "[]." if "list" in str(candidate) else "."
                    out += leaf_keys(inner, key + mark)
                    break
            else:
                continue
            break
    return out


def test_scenario_keys_doc_covers_the_schema() -> None:
    from simulator.scenario.schema import Scenario

    text = KEYS_DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([^`]+)` \|", text, flags=re.M))
    expected = set(leaf_keys(Scenario))
    assert expected - documented == set()
    assert {"budget.risk_reserve", "tiers.enabled", "payment.drg.point_value", "uncertainty.param[].key"} <= documented
    row = next(line for line in text.splitlines() if line.startswith("| `budget.risk_reserve` |"))
    assert "风险调剂金" in row and "share 0–1" in row and "[0, 1]" in row
    row = next(line for line in text.splitlines() if line.startswith("| `output.lang` |"))
    assert '"zh", "en"' in row and '"zh" |' in row  # allowed values and the default
