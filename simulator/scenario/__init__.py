"""Scenario contract: typed tables, TOML loading with ``--set`` overrides, validation, hashing.

The names below are loaded on first use, so importing a submodule (the field types of
:mod:`simulator.scenario.fields`, which the payment registry's tables use) loads nothing else.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_NAMES = {
    "Scenario": "simulator.scenario.schema",
    "load_scenario": "simulator.scenario.load",
    "parse_overrides": "simulator.scenario.load",
    "dump_scenario": "simulator.scenario.load",
    "scenario_hash": "simulator.scenario.load",
}

__all__ = list(_NAMES)


def __getattr__(name: str) -> Any:
    if name in _NAMES:
        return getattr(import_module(_NAMES[name]), name)
    raise AttributeError(f"module 'simulator.scenario' has no attribute {name!r}")
