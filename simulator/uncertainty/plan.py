"""What each world of a run draws, and how the engine runs it (fast factors or its own model).

:func:`plan_worlds` draws every param of the scenario's ``[uncertainty]`` for a block of worlds
and splits the draws: fast keys become :class:`~simulator.uncertainty.factors.WorldFactors`;
structural keys (and ``population.uncertainty = "per_world"``) make each world a scenario of
its own (:func:`world_model`), run alone — worlds are keyed by their global index, so running
one alone gives what it would give in a block.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.uncertainty.draws import ParameterDraws, draw_parameters
from simulator.uncertainty.factors import WorldFactors, is_fast
from simulator.uncertainty.table import drawn_value


@dataclass(frozen=True)
class WorldPlan:
    """The draws of a block of worlds and how to run them.

    Attributes
    ----------
    factors : per-world dynamics and multipliers (every world).
    fast : key -> float64[world] draws of fast params (what ``factors`` were made from).
    structural : key -> float64[world] draws of structural params (empty: none).
    per_world_population : each world draws its own synthetic county.
    draws : every param's draws (empty without uncertainty): ``param.<key>`` columns.
    """

    factors: WorldFactors
    fast: dict[str, np.ndarray] = field(default_factory=dict)
    structural: dict[str, np.ndarray] = field(default_factory=dict)
    per_world_population: bool = False
    draws: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def separate(self) -> bool:
        """Whether each world needs its own compiled model."""
        return bool(self.structural) or self.per_world_population

    @property
    def shares_population(self) -> bool:
        """Whether every world lives in the model's county (no per-world county, no drawn
        ``population.*`` or ``scenario.years``), so its population years are built once."""
        return not self.per_world_population and not any(k.startswith("population.") for k in self.structural)

    def world_factors(self, i: int, scenario: Any) -> WorldFactors:
        """Factors of the block's ``i``-th world run alone with its own ``scenario``
        (:func:`world_model`: structural draws set, so drawn dynamics come from it)."""
        return WorldFactors.of(scenario, {k: v[i:i + 1] for k, v in self.fast.items()}, 1)


def plan_worlds(model: Any, seed: int, worlds: range) -> WorldPlan:
    """Draw the params of ``model``'s scenario for ``worlds`` (global indices) with the run's ``seed``."""
    s = model.scenario
    table = s.uncertainty
    per_world = s.population.uncertainty == "per_world"
    if not table.active:
        return WorldPlan(WorldFactors.of(s, {}, len(worlds)), per_world_population=per_world)
    from simulator.scenario.load import get_path, scenario_dict

    drawn: ParameterDraws = draw_parameters(table, seed, worlds)
    data = scenario_dict(s)
    fast, structural = {}, {}
    for p in table.param:
        values = drawn.values[p.key]
        base = get_path(data, p.key)
        if isinstance(base, int) and not isinstance(base, bool):
            values = np.round(values)
        (fast if is_fast(p.key, p.scales_vector, base) else structural)[p.key] = values
    return WorldPlan(WorldFactors.of(s, fast, len(worlds)), fast=fast, structural=structural,
                     per_world_population=per_world, draws={**fast, **structural})


def world_model(model: Any, plan: WorldPlan, i: int, world: int) -> Any:
    """The prepared model of the block's ``i``-th world (global index ``world``): the scenario
    with its structural draws set, parameter draws off (its fast draws stay factors) and its
    county's seed pinned (the model's, or the world's own with ``per_world``)."""
    from simulator.errors import InputError, Problem
    from simulator.prepare import prepare
    from simulator.scenario.load import _set_path, get_path, scenario_dict
    from simulator.scenario.schema import Scenario

    s = model.scenario
    data = scenario_dict(s)
    scale = {p.key: p.scales_vector for p in s.uncertainty.param}
    for key, values in plan.structural.items():
        _set_path(data, key, drawn_value(get_path(data, key), float(values[i]), scale.get(key, False)))
    data["uncertainty"] = {**data.get("uncertainty", {}), "enabled": False}
    seed = model.population_seed
    data["population"]["seed"] = world_population_seed(seed, world) if plan.per_world_population else seed
    try:
        scenario = Scenario.model_validate(data)
    except Exception as exc:  # validated at both ends of every support at load: rare
        raise InputError(Problem("uncertainty.param", f"world {world}'s draws do not make a valid "
                                 f"scenario: {exc}", hint="truncate the distributions")) from None
    return prepare(scenario, casemix=model.casemix)


def world_population_seed(seed: int, world: int) -> int:
    """The county seed of world ``world`` under ``population.uncertainty = "per_world"``."""
    digest = hashlib.sha256(f"{int(seed)}:{int(world)}".encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1
