"""Parameter and population uncertainty: the ``[uncertainty]`` table, per-world draws from
keyed streams, and how the engine runs them (docs/model.md, "Uncertainty")."""

from simulator.uncertainty.draws import ParameterDraws, draw_parameters
from simulator.uncertainty.table import Correlation, UncertainParam, UncertaintyTable

__all__ = ["Correlation", "ParameterDraws", "UncertainParam", "UncertaintyTable", "draw_parameters"]
