"""Scenario → :class:`PreparedModel`: everything a run needs, resolved once.

A validated :class:`~simulator.scenario.Scenario` names its inputs (a case-mix source, a rules
file or preset, a population file or the parameters of a synthetic one); :func:`prepare` reads
and resolves them once — the case mix, the settlement rules and assessment indicators, the cells
each payment method pays — and the engine, report, batch workers and calibration take the
prepared model instead of loading these again.

The synthetic county is drawn from the population seed (``population.seed``, by default a hash
of the ``[population]`` table: :func:`population_seed`), never from the run's seed, so
``--seed`` changes the worlds and not the county. The prepared model holds the population's
plan: :meth:`PreparedModel.base_population` and :meth:`PreparedModel.population_years` build it,
and :meth:`PreparedModel.arrays` compiles the kernels' arrays for a base-year population (whose
villages set the distances).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.casemix import CaseMix, load_casemix
from simulator.compile import ModelArrays, compile_scenario, village_distances
from simulator.payment.registry import method_cells
from simulator.population import Population, projected_years, read_population, synthesize_population
from simulator.scenario.schema import Scenario


@dataclass(frozen=True)
class PreparedModel:
    """A scenario with its inputs resolved (see the module docstring).

    Attributes
    ----------
    scenario : the validated scenario.
    casemix : its case mix (``casemix.file`` or ``casemix.source``).
    rules : its settlement rules (:class:`~simulator.settlement.SettlementRules`), rules file or
        preset with the scenario's inline parts.
    indicators : its assessment indicators (empty: every world scores full marks).
    cells : payment method code → bool[tier, service] of the cells it pays.
    population_seed : the seed of the synthetic county and of its projection.
    """

    scenario: Scenario
    casemix: CaseMix
    rules: Any
    indicators: tuple[Any, ...]
    cells: dict[str, np.ndarray]
    population_seed: int

    @property
    def group_codes(self) -> list[str]:
        """Case-group codes, in the kernels' group order (microdata rows name them)."""
        return [str(c) for c in self.casemix.codes]

    def base_population(self) -> Population:
        """Base-year population: read from the scenario's file, or synthetic from the population seed."""
        table = self.scenario.population
        if table.file is not None:
            return read_population(table.file, age_bands=table.age_bands)
        return synthesize_population(table, self.population_seed)

    def population_years(self, base: Population | None = None) -> Iterator[Population]:
        """The population of every simulated year, base year first (projected one year at a time)."""
        first = base if base is not None else self.base_population()
        return projected_years(first, self.scenario.population, self.scenario.scenario.years,
                               self.population_seed)

    def arrays(self, base: Population) -> ModelArrays:
        """The kernels' arrays, with village distances from the base-year population ``base``."""
        s = self.scenario
        n_villages = max(int(s.population.villages), int(base.village.max()) + 1 if base.size else 1)
        dist = village_distances(s, base.village.astype(np.int64), base.dist_township_km,
                                 base.dist_county_km, n_villages)
        return compile_scenario(s, casemix=self.casemix, village_distance=dist)


def prepare(scenario: Scenario | PreparedModel, *, casemix: CaseMix | None = None) -> PreparedModel:
    """Resolve a validated scenario's inputs once (a prepared model is returned as it is);
    ``casemix``: the scenario's case mix when the caller has it already."""
    from simulator.settlement.resolve import resolve_settlement

    if isinstance(scenario, PreparedModel):
        return scenario
    s = scenario
    if casemix is None:
        casemix = load_casemix(s.casemix.file or s.casemix.source, base_dir=None,
                               age_bands=s.population.age_bands)
    rules, indicators = resolve_settlement(s)
    return PreparedModel(scenario=s, casemix=casemix, rules=rules, indicators=tuple(indicators),
                         cells=method_cells(s.payment), population_seed=population_seed(s.population))


def population_seed(table: Any) -> int:
    """``population.seed``, or by default a hash of the ``[population]`` table's other contents
    (a population file by its name), so renaming the scenario or editing other tables keeps the
    county, and editing the population's parameters draws a new one."""
    if table.seed is not None:
        return int(table.seed)
    doc = table.model_dump(mode="json", exclude={"seed", "uncertainty"})
    if doc.get("file"):
        doc["file"] = Path(doc["file"]).name
    digest = hashlib.sha256(json.dumps(doc, sort_keys=True).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "little") >> 1
