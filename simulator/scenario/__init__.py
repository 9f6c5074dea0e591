"""Scenario contract: typed tables, TOML loading with ``--set`` overrides, validation, hashing."""

from simulator.scenario.load import dump_scenario, load_scenario, parse_overrides, scenario_hash
from simulator.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario", "parse_overrides", "dump_scenario", "scenario_hash"]
