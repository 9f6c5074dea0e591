"""``[uncertainty]``: the scenario's parameter uncertainty (one draw per world).

::

    [uncertainty]
    enabled = true                       # false: process noise alone

    [[uncertainty.param]]
    key = "dynamics.utilisation_trend"   # a numeric scenario key, an element x[2], or a vector
    distribution = "normal"              # uniform | normal | lognormal | beta | triangular | gamma
    mean = 0.03
    sd = 0.01
    truncate = [-0.02, 0.08]             # optional
    group = "trend"                      # optional: draws of one group move together

    [[uncertainty.param]]
    key = "demand.inpatient.rate_by_age"
    scale = true                         # a whole vector: every element × the draw
    distribution = "gamma"
    shape = 100
    mean = 1.0

    [uncertainty.correlation]            # optional Gaussian copula over params (keys or groups)
    params = ["dynamics.utilisation_trend", "dynamics.cost_inflation"]
    matrix = [[1.0, 0.5], [0.5, 1.0]]

Distribution spellings are those of :mod:`simulator.distributions` (a sweep's sample block
reads the same way). The rules no single block can check (keys, support, groups, correlation)
are in :mod:`simulator.uncertainty.checks`.
"""

from __future__ import annotations

from pydantic import Field, field_validator

from simulator.distributions import DistributionBlock
from simulator.scenario.fields import StrictTable


class UncertainParam(DistributionBlock):
    """``[[uncertainty.param]]``: one uncertain scenario key and the law of its per-world draw."""

    key: str = Field(min_length=1, description="Dotted scenario key: a number, an element x[2], or a "
                                               "numeric vector with scale = true.")
    scale: bool | float | None = Field(
        default=None, description="true: the key is a vector and every element is multiplied by the "
                                  "draw; a number: the gamma distribution's scale.")
    truncate: list[float] | None = Field(default=None, description="[low, high]: draws restricted to it.")
    group: str | None = Field(default=None, min_length=1, description="Params of one group share one draw.")

    @field_validator("truncate")
    @classmethod
    def _interval(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) != 2 or not value[0] < value[1]):
            raise ValueError("truncate is [low, high] with low < high")
        return value

    @property
    def scales_vector(self) -> bool:
        """Whether the draw multiplies every element of a vector key (``scale = true``)."""
        return self.scale is True

    @property
    def factor(self) -> str:
        """Name of the draw it takes: its group, or its own key."""
        return self.group or self.key

    @property
    def interval(self) -> tuple[float, float] | None:
        return None if self.truncate is None else (float(self.truncate[0]), float(self.truncate[1]))


class Correlation(StrictTable):
    """``[uncertainty.correlation]``: a Gaussian copula over named params (keys or group names)."""

    params: list[str] = Field(min_length=2)
    matrix: list[list[float]]


class UncertaintyTable(StrictTable):
    """``[uncertainty]``: parameter uncertainty; every world draws each param once."""

    enabled: bool = Field(default=True, description="false: worlds differ by process noise alone.")
    param: list[UncertainParam] = Field(default_factory=list)
    correlation: Correlation | None = None

    @property
    def active(self) -> bool:
        """Whether worlds draw parameters (enabled and at least one param)."""
        return self.enabled and bool(self.param)

    def factors(self) -> list[str]:
        """The independent draws, in order of first appearance (a group counts once)."""
        out: list[str] = []
        for p in self.param:
            if p.factor not in out:
                out.append(p.factor)
        return out


def drawn_value(base: object, x: float, scales: bool) -> object:
    """The scenario value of a draw ``x`` of a key whose value is ``base``: x itself, or every
    element × x for ``scale = true``; integer keys (and integer vectors) rounded."""
    def whole(v: object) -> bool:
        return isinstance(v, int) and not isinstance(v, bool)

    if scales:
        return [int(round(v * x)) if whole(v) else v * x for v in base]  # type: ignore[union-attr]
    return int(round(x)) if whole(base) else x


def describe(scenario: object) -> list[str]:
    """The uncertainty of a validated scenario in a few terminal lines (``mcsim validate``)."""
    from simulator.distributions import given_parameters
    from simulator.prepare import population_seed
    from simulator.scenario.load import get_path, scenario_dict
    from simulator.uncertainty.factors import is_fast

    table, population = scenario.uncertainty, scenario.population
    data = scenario_dict(scenario)

    county = ("a synthetic county per world" if getattr(population, "uncertainty") == "per_world"
              else f"one county, population seed {population_seed(population)}")
    if not table.param:
        return [f"uncertainty: none (process noise only); {county}"]
    state = "on" if table.enabled else "off (uncertainty.enabled = false: process noise only)"
    lines = [f"uncertainty: {state}; {len(table.param)} params, {len(table.factors())} independent "
             f"draws per world; {county}"]
    width = max(len(p.key) for p in table.param)
    for p in table.param:
        law = ", ".join(f"{k} {v:g}" for k, v in given_parameters(p).items())
        extra = "".join([f" truncated to [{p.truncate[0]:g}, {p.truncate[1]:g}]" if p.truncate else "",
                         " × every element" if p.scales_vector else "",
                         f" (group {p.group})" if p.group else ""])
        path = "fast" if is_fast(p.key, p.scales_vector, get_path(data, p.key)) else "own model per world"
        lines.append(f"  {p.key:<{width}}  {p.distribution}({law}){extra}; {path}")
    if table.correlation is not None:
        lines.append(f"  correlated (Gaussian copula): {', '.join(table.correlation.params)}")
    return lines
