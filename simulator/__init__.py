"""mcsim: Monte Carlo actuarial simulator for county medical-community global budgets.

Notebook use::

    import simulator
    scenario = simulator.load_scenario("scenarios/reference.toml")
    results = simulator.run(scenario, replications=50)
    results.summary()
    cheaper = scenario.with_updates({"budget.risk_reserve": 0.07})   # validated like --set
    results.compare(simulator.run(cheaper, replications=50))         # the `mcsim compare` table

The names below are loaded on first use, so ``import simulator`` stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from simulator._version import __version__

_API = {
    "load_scenario": "simulator.api",
    "run": "simulator.api",
    "settle": "simulator.api",
    "SettlementRow": "simulator.api",
    "Scenario": "simulator.scenario.schema",
    "Results": "simulator.results",
    "InputError": "simulator.errors",
}

__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    if name in _API:
        return getattr(import_module(_API[name]), name)
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")
