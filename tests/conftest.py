"""Shared fixtures: the shipped and spec reference scenarios, and modified copies of them."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import pytest
import tomli_w

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "scenarios" / "reference.toml"
SPEC_REFERENCE = REPO.parent / "shared" / "spec" / "reference_scenario.toml"

#: a small DRG rules file for `mcsim points` tests (tier coefficients by tier)
DRG_RULES = """[payment.drg]
mode = "floating"
point_value = 10.0
tier_coefficient = [0.5, 0.8, 0.9, 1.0, 1.2, 1.2]
base_groups_uniform = true
high_ratio = 2.0
low_ratio = 0.5
"""


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch):
    """Messages in English unless a test chooses: assertions read English text, and a machine
    with a Chinese locale would otherwise print Chinese (simulator.i18n)."""
    monkeypatch.setenv("MCSIM_LANG", "en")


@pytest.fixture
def reference_path() -> Path:
    """The project's reference scenario (``scenarios/reference.toml``)."""
    return REFERENCE


@pytest.fixture
def spec_reference_path() -> Path:
    """The contract's reference scenario (``../shared/spec``); skipped where it is not checked out."""
    if not SPEC_REFERENCE.is_file():
        pytest.skip("spec/reference_scenario.toml is not available next to this checkout")
    return SPEC_REFERENCE


def write_scenario(folder: Path, edits: Mapping[str, Any] | None = None, *,
                   replace: Sequence[tuple[str, str]] = (), append: str = "",
                   files: Mapping[str, str | bytes] | None = None,
                   name: str = "scenario.toml", source: Path = REFERENCE) -> Path:
    """Write a modified copy of ``source`` into ``folder`` and return its path.

    Parameters
    ----------
    edits : dotted key -> new value (``"budget.risk_reserve": 0.07``, ``"tiers.enabled[2]": False``,
        None to remove the key (TOML has no null)). Given edits, the file is re-written by tomli_w
        (comments and layout are lost); without them the text keeps the source's lines.
    replace : text substitutions ``(old, new)`` applied first; each ``old`` must occur.
    append : text added at the end of the file.
    files : further files written next to the scenario (name -> text or bytes).
    """
    folder.mkdir(parents=True, exist_ok=True)
    text = source.read_text(encoding="utf-8")
    for old, new in replace:
        assert old in text, f"test set-up: {old!r} not in {source.name}"
        text = text.replace(old, new, 1)
    if edits:
        data = tomllib.loads(text)
        for key, value in edits.items():
            _edit(data, key, value)
        text = tomli_w.dumps(data)
    text += append
    path = folder / name
    path.write_text(text, encoding="utf-8")
    for file_name, content in (files or {}).items():
        target = folder / file_name
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return path


def _edit(data: dict[str, Any], key: str, value: Any) -> None:
    *parents, last = key.split(".")
    node: Any = data
    for part in parents:
        node = node.setdefault(part, {})
    if last.endswith("]"):
        name, index = last[:-1].split("[")
        node[name][int(index)] = value
    elif value is None:
        del node[last]
    else:
        node[last] = value


@pytest.fixture
def tmp_scenario(tmp_path: Path) -> Callable[..., Path]:
    """``tmp_scenario(edits, replace=..., files=...)``: a modified reference copy in ``tmp_path``."""
    def make(edits: Mapping[str, Any] | None = None, **kwargs: Any) -> Path:
        return write_scenario(tmp_path, edits, **kwargs)
    return make


@pytest.fixture
def line_number() -> Callable[[Path, str], int]:
    """``line_number(path, fragment)``: 1-based line of the first line containing ``fragment``."""
    def find(path: Path, fragment: str) -> int:
        text = path.read_bytes().decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if fragment in line:
                return number
        raise AssertionError(f"test set-up: {fragment!r} not in {path}")
    return find


#: a rules file's first lines and one assessment indicator, shared by the settlement-rule tests
LOCAL_TIERED_HEAD = """\
[settlement]
name = "local-tiered"
withhold_rate = 0.04
"""

def indicator_block(key: str, direction: str, target: float, tolerance: float, weight: float) -> str:
    """One ``[[settlement.assessment.indicators]]`` entry as a rules file writes it."""
    return (f'\n[[settlement.assessment.indicators]]\nkey = "{key}"\ndirection = "{direction}"\n'
            f"target = {target}\ntolerance = {tolerance}\nweight = {weight}\n")


COUNTY_VISIT_INDICATOR = indicator_block("county_visit_share", "at_least", 0.9, 0.1, 3)
