"""Per-world dynamics and multipliers: the fast path of parameter uncertainty.

Keys that are plain multipliers of rates and unit costs, and the dynamics the engine already
applies world by world, are not compiled per world: their draws become per-world factors the
kernels take (``demand_factor[world, kind]``, ``cost_factor[world, kind, tier]``, kinds
:data:`~simulator.constants.FACTOR_KINDS`) and per-world dynamics the engine reads. Every other
key is structural: a world that draws one gets its own compiled scenario (slower, same result).

The fast keys and what a draw x does (b: the key's value in the scenario):

=============================================  ==============================================
``dynamics.utilisation_trend`` etc.            the world's trend, inflation, drift, epidemic
                                               probability and uplift, cost-control elasticity
``demand.outpatient.rate_by_age`` (scale)      visit rates × x
``demand.inpatient.rate_by_age`` (scale)       admission rates × x
``demand.chronic.visits_per_patient``          chronic-care visit rate × x / b
``demand.outpatient.base_cost``                visit costs × x / b
``demand.chronic.base_cost``                   chronic-care visit costs × x / b
``tiers.cost_multiplier_outpatient`` (scale)   visit and chronic-care visit costs × x
``tiers.cost_multiplier_outpatient[t]``        the same at tier t, × x / b
``tiers.cost_multiplier_inpatient`` (scale)    admission costs × x (``[t]``: at tier t, × x / b)
=============================================  ==============================================

A rate multiplier, like ``utilisation_trend``, does not move the choice model's spreading of
the yearly outpatient deductible over the expected visits (docs/model.md, "Tier choice").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.constants import CHRONIC, INPATIENT, N_FACTOR_KINDS, N_TIERS, OUTPATIENT

#: dynamics a world may draw: scenario key -> attribute of :class:`WorldFactors`
DYNAMICS = {
    "dynamics.utilisation_trend": "utilisation_trend",
    "dynamics.cost_inflation": "cost_inflation",
    "dynamics.casemix_drift": "casemix_drift",
    "dynamics.epidemic.probability": "epidemic_probability",
    "dynamics.epidemic.uplift": "epidemic_uplift",
    "dynamics.cost_control_elasticity": "cost_control_elasticity",
}
#: rate multipliers: key -> (factor kind, whether the key is a whole vector scaled by the draw)
RATES = {
    "demand.outpatient.rate_by_age": (OUTPATIENT, True),
    "demand.inpatient.rate_by_age": (INPATIENT, True),
    "demand.chronic.visits_per_patient": (CHRONIC, False),
}
#: unit-cost multipliers: key -> (factor kinds, whether a whole vector)
COSTS = {
    "demand.outpatient.base_cost": ((OUTPATIENT,), False),
    "demand.chronic.base_cost": ((CHRONIC,), False),
    "tiers.cost_multiplier_outpatient": ((OUTPATIENT, CHRONIC), True),
    "tiers.cost_multiplier_inpatient": ((INPATIENT,), True),
}
_ELEMENT = re.compile(r"^(?P<key>.+)\[(?P<index>\d+)\]$")


def is_fast(key: str, scale: bool, base: Any) -> bool:
    """Whether a param takes the fast path (``base``: the key's value in the scenario)."""
    if key in DYNAMICS:
        return True
    if key in RATES or key in COSTS:
        vector = (RATES.get(key) or COSTS[key])[1]
        return scale if vector else _usable_base(base)
    match = _ELEMENT.match(key)
    if match and match.group("key") in COSTS and COSTS[match.group("key")][1]:
        return _usable_base(base)
    return False


def _usable_base(base: Any) -> bool:
    return isinstance(base, (int, float)) and not isinstance(base, bool) and base > 0


@dataclass
class WorldFactors:
    """The dynamics and multipliers of each world of a block (arrays over worlds, or scalars
    where no world draws them: then the engine computes exactly what it did without uncertainty)."""

    utilisation_trend: Any
    cost_inflation: Any
    casemix_drift: Any
    epidemic_probability: Any
    epidemic_uplift: Any
    cost_control_elasticity: Any
    demand: np.ndarray | None = None     # float64[world, kinds] drawn rate multipliers (None: all 1)
    cost: np.ndarray | None = None       # float64[world, kinds, 6] drawn cost multipliers
    values: dict[str, np.ndarray] = field(default_factory=dict)  # the fast draws, by key

    @classmethod
    def of(cls, scenario: Any, fast: dict[str, np.ndarray], n_worlds: int) -> "WorldFactors":
        """Factors of ``n_worlds`` worlds from the fast draws (key -> float64[world])."""
        from simulator.scenario.load import get_path, scenario_dict

        dyn = scenario.dynamics
        out = cls(utilisation_trend=dyn.utilisation_trend, cost_inflation=dyn.cost_inflation,
                  casemix_drift=dyn.casemix_drift, epidemic_probability=dyn.epidemic.probability,
                  epidemic_uplift=dyn.epidemic.uplift, cost_control_elasticity=dyn.cost_control_elasticity,
                  values=dict(fast))
        data = scenario_dict(scenario) if fast else {}
        for key, x in fast.items():
            if key in DYNAMICS:
                setattr(out, DYNAMICS[key], np.asarray(x, dtype=float))
                continue
            match = _ELEMENT.match(key)
            name, tier = (match.group("key"), int(match.group("index"))) if match else (key, None)
            ratio = x if (RATES.get(name) or COSTS[name])[1] and tier is None else x / get_path(data, key)
            if name in RATES:
                if out.demand is None:
                    out.demand = np.ones((n_worlds, N_FACTOR_KINDS))
                out.demand[:, RATES[name][0]] *= ratio
                continue
            if out.cost is None:
                out.cost = np.ones((n_worlds, N_FACTOR_KINDS, N_TIERS))
            tiers = slice(None) if tier is None else tier
            for kind in COSTS[name][0]:
                out.cost[:, kind, tiers] *= ratio[:, None] if tier is None else ratio
        return out

    def demand_factor(self, y: int, shock: np.ndarray) -> np.ndarray:
        """float64[world, kinds]: trend^y × epidemic shock × drawn rate multipliers."""
        base = (1.0 + self.utilisation_trend) ** y * np.where(shock, 1.0 + self.epidemic_uplift, 1.0)
        out = np.repeat(np.asarray(base, dtype=float)[:, None], N_FACTOR_KINDS, axis=1)
        return out if self.demand is None else out * self.demand

    def cost_factor(self, y: int, effort: np.ndarray) -> np.ndarray:
        """float64[world, kinds, 6]: inflation^y × (1 − effort at in-county tiers) × case-mix drift^y
        (admissions) × drawn cost multipliers."""
        n_w = len(effort)
        tier = np.empty((n_w, N_TIERS))
        tier[:] = np.reshape((1.0 + self.cost_inflation) ** y, (-1, 1))
        tier[:, :4] *= (1.0 - effort)[:, None]  # cost control works on in-county tiers
        out = np.repeat(tier[:, None, :], N_FACTOR_KINDS, axis=1)
        drift = (1.0 + self.casemix_drift) ** y
        if np.any(drift != 1.0):
            out[:, INPATIENT, :] *= np.reshape(drift, (-1, 1))
        return out if self.cost is None else out * self.cost
