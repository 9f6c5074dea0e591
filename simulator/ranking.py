"""Design ranking: an objective, constraints, and the probability that a design beats the reference.

``mcsim compare DIR... --objective KEY[:min|max] [--constraint "KEY>=VALUE"]... [--year Y]
[--stat mean|pNN]`` and ``mcsim batch ... --objective ... --constraint ... --pareto K1,K2``.

* **KEY** is an indicator (:data:`simulator.indicators.KEYS`) or a risk figure
  (:data:`simulator.outputs.RISK_FIGURES`). Without ``:min`` / ``:max`` the direction is the
  natural one (:data:`MINIMISE`: money the fund or the community loses, costs, risks; every
  other key is maximised).
* **Statistic** of a run in the chosen year: an indicator's mean over worlds (``mean``) or its
  quantile (``p05``, ``p95``, any ``pNN`` with NN in 0–100); a risk figure is already a
  statistic over worlds (:func:`simulator.risk.risk_by_year`) and is taken as it is.
* **Constraints** ``KEY>=V``, ``KEY<=V``, ``KEY>V``, ``KEY<V`` on the same statistic; a run is
  *feasible* when it meets every one (NaN meets none).
* **Rank**: feasible runs first, best objective first; then the others, best first.
* **Win probability** (paired runs only: same seed and worlds, common random numbers): the share
  of worlds in which the design's value is better than the reference's (the first run) in the same
  world, ties counted ½; a run against itself gets exactly 0.5. A risk figure is compared world
  by world through its loss: overspend max(0, fund_payout − budget) (for ``prob_overspend``:
  whether fund_spending > budget), community loss max(0, −community_net) (for
  ``prob_community_loss``: whether community_net < 0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd

from simulator.errors import InputError, Problem, did_you_mean
from simulator.indicators import KEYS
from simulator.outputs import RISK_FIGURES

#: keys minimised unless ``:max`` says otherwise
MINIMISE = frozenset({"total_cost", "fund_spending", "oop_spending", "fund_shared_overspend",
                      "community_borne_overspend", "withheld_unreleased", "fund_payout", "cost_growth_rate",
                      "cost_per_weighted_case", *RISK_FIGURES})
METRICS: tuple[str, ...] = (*KEYS, *RISK_FIGURES)
OPERATORS = (">=", "<=", ">", "<")
#: ranking columns added to a comparison or a batch summary
COLUMNS = ("objective_value", "rank", "feasible", "win_prob")
_CONSTRAINT = re.compile(r"^\s*([A-Za-z_][\w.]*)\s*(>=|<=|>|<)\s*(\S+)\s*$")
_STAT = re.compile(r"^p(\d{1,3}(?:\.\d+)?)$")


def check_key(key: str, option: str) -> str:
    """``key`` if it is an indicator or a risk figure, else InputError naming the option."""
    if key not in METRICS:
        raise InputError(Problem(option, f"unknown key {key!r}",
                                 hint=did_you_mean(key, METRICS) or "an indicator (docs/outputs.md) or a risk figure"),
                         title="invalid options")
    return key


@dataclass(frozen=True)
class Objective:
    key: str
    maximise: bool

    def better(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x > y if self.maximise else x < y


def parse_objective(text: str, option: str = "--objective") -> Objective:
    """``KEY``, ``KEY:min`` or ``KEY:max``."""
    key, _, direction = text.strip().partition(":")
    if direction not in ("", "min", "max"):
        raise InputError(Problem(option, f"{text!r}: the direction must be min or max", hint="e.g. balance_rate:max"),
                         title="invalid options")
    check_key(key, option)
    return Objective(key, direction == "max" if direction else key not in MINIMISE)


@dataclass(frozen=True)
class Constraint:
    key: str
    op: str
    value: float
    text: str

    def holds(self, x: float) -> bool:
        if not np.isfinite(x):
            return False
        return {">=": x >= self.value, "<=": x <= self.value, ">": x > self.value, "<": x < self.value}[self.op]


def parse_constraint(text: str, option: str = "--constraint") -> Constraint:
    """``KEY>=VALUE`` (or ``<=``, ``>``, ``<``); VALUE a finite number."""
    match = _CONSTRAINT.match(text)
    value = None
    if match:
        try:
            value = float(match.group(3))
        except ValueError:
            value = None
    if not match or value is None or not np.isfinite(value):
        raise InputError(Problem(option, f"{text!r} does not parse as KEY>=VALUE",
                                 hint=f"operators {', '.join(OPERATORS)}; e.g. \"balance_rate>=0\""),
                         title="invalid options")
    check_key(match.group(1), option)
    return Constraint(match.group(1), match.group(2), value, f"{match.group(1)}{match.group(2)}{match.group(3)}")


def parse_stat(text: str, option: str = "--stat") -> str:
    """``mean`` or ``pNN`` (NN in 0–100)."""
    text = text.strip()
    m = _STAT.match(text)
    if text == "mean" or (m and 0.0 <= float(m.group(1)) <= 100.0):
        return text
    raise InputError(Problem(option, f"{text!r}: use mean or pNN (a quantile, e.g. p05, p95)"), title="invalid options")


@dataclass(frozen=True)
class Ranking:
    """What to rank by: an objective (None: only mark feasibility), constraints and a statistic."""

    objective: Objective | None
    constraints: tuple[Constraint, ...] = field(default=())
    stat: str = "mean"

    @classmethod
    def parse(cls, objective: str | None, constraints: Sequence[str] = (), stat: str = "mean") -> "Ranking":
        """From the command line's texts; InputError naming the option for anything bad."""
        return cls(parse_objective(objective) if objective else None,
                   tuple(parse_constraint(c) for c in constraints), parse_stat(stat))

    @property
    def keys(self) -> list[str]:
        keys = [self.objective.key] if self.objective else []
        return list(dict.fromkeys(keys + [c.key for c in self.constraints]))

    def statistic(self, year_frame: pd.DataFrame, key: str) -> float:
        """The run's statistic of ``key`` over its worlds (``year_frame``: one year's rows)."""
        if key in RISK_FIGURES:
            from simulator.risk import risk_by_year

            risk = risk_by_year(year_frame)
            return float(risk[key].iloc[0]) if len(risk) else float("nan")
        x = year_frame[key].to_numpy(float)
        x = x[np.isfinite(x)]
        if not x.size:
            return float("nan")
        return float(x.mean()) if self.stat == "mean" else float(np.quantile(x, float(self.stat[1:]) / 100.0))

    def rank(self, frames: Sequence[pd.DataFrame], names: Sequence[str],
             paired: Sequence[bool] | None = None) -> pd.DataFrame:
        """One row per run: statistics of the keys, feasibility, rank and win probability.

        ``frames``: each run's worlds rows of the chosen year (``world`` and the keys); the first
        is the reference; ``paired[i]``: run i shares the reference's seed and worlds.
        """
        paired = list(paired) if paired is not None else [True] * len(frames)
        rows = []
        for i, (frame, name) in enumerate(zip(frames, names)):
            row: dict[str, Any] = {"run": name}
            values = {k: self.statistic(frame, k) for k in self.keys}
            row.update({f"{self.stat if k not in RISK_FIGURES else 'value'}:{k}": v for k, v in values.items()})
            for c in self.constraints:
                row[c.text] = c.holds(values[c.key])
            row["feasible"] = all(c.holds(values[c.key]) for c in self.constraints)
            row["objective_value"] = values[self.objective.key] if self.objective else float("nan")
            row["win_prob"] = (win_probability(frame, frames[0], self.objective) if self.objective and paired[i]
                               else float("nan"))
            row["paired"] = bool(paired[i])
            rows.append(row)
        table = pd.DataFrame(rows)
        table.insert(1, "rank", rank_order(table["objective_value"].to_numpy(float), table["feasible"].to_numpy(bool),
                                           self.objective))
        return table

    def summary_columns(self, summary: pd.DataFrame, frame: pd.DataFrame,
                        keys: Sequence[str] = ("county", "year")) -> pd.DataFrame:
        """A batch's ``summary.csv`` with :data:`COLUMNS` added: every variant ranked within each
        county and year against the first variant (the reference), world by world."""
        variants = list(dict.fromkeys(summary["variant"].astype(str))) if len(summary) else []
        extra = []
        data = frame.assign(variant=frame["variant"].astype(str), county=frame["county"].astype(str))
        for group, part in data.groupby(list(keys), sort=False, observed=True):
            group = group if isinstance(group, tuple) else (group,)
            frames = [part[part["variant"] == v] for v in variants]
            table = self.rank(frames, variants)
            for v, r in zip(variants, table.itertuples()):
                extra.append({"variant": v, **dict(zip(keys, group)), "objective_value": r.objective_value,
                              "rank": r.rank, "feasible": r.feasible, "win_prob": r.win_prob})
        if not extra:
            return summary.assign(**{c: np.nan for c in COLUMNS})
        extra_frame = pd.DataFrame(extra)
        merged = summary.assign(year=summary["year"].astype(int)).merge(
            extra_frame.assign(year=extra_frame["year"].astype(int)), on=["variant", *keys], how="left")
        return merged


def win_probability(frame: pd.DataFrame, reference: pd.DataFrame, objective: Objective) -> float:
    """Share of common worlds where ``frame`` beats ``reference`` on the objective, ties ½."""
    x = world_values(frame, objective.key)
    y = world_values(reference, objective.key)
    both = pd.concat([x.rename("x"), y.rename("y")], axis=1, join="inner").dropna()
    if both.empty:
        return float("nan")
    a, b = both["x"].to_numpy(float), both["y"].to_numpy(float)
    return float(np.mean(np.where(objective.better(a, b), 1.0, np.where(a == b, 0.5, 0.0))))


def world_values(frame: pd.DataFrame, key: str) -> pd.Series:
    """Per world (index ``world``): the key's value, or for a risk figure its loss (module docstring)."""
    f = frame.set_index("world")
    if key == "prob_overspend":
        return (f["fund_spending"] > f["budget"]).astype(float)
    if key in ("overspend_var95", "overspend_cvar95"):
        return np.maximum(f["fund_payout"] - f["budget"], 0.0)
    if key == "prob_community_loss":
        return (f["community_net"] < 0).astype(float)
    if key in ("community_loss_var95", "community_loss_cvar95"):
        return np.maximum(-f["community_net"], 0.0)
    return f[key].astype(float)


def rank_order(values: np.ndarray, feasible: np.ndarray, objective: Objective | None) -> np.ndarray:
    """1-based ranks: feasible runs before the others, each by the objective (NaN last); ties
    share the better rank. Without an objective: 1 for feasible runs, 2 for the others."""
    if objective is None:
        return np.where(feasible, 1, 2)
    score = np.where(np.isfinite(values), -values if objective.maximise else values, np.inf)
    keys = list(zip(~np.asarray(feasible, dtype=bool), score))
    return np.array([1 + sum(other < k for other in keys) for k in keys], dtype=int)


def pareto_front(x: np.ndarray, y: np.ndarray, maximise: tuple[bool, bool]) -> np.ndarray:
    """bool per point: no other point is at least as good on both and better on one."""
    sx = np.where(maximise[0], x, -x)
    sy = np.where(maximise[1], y, -y)
    front = np.ones(len(x), dtype=bool)
    for i in range(len(x)):
        if not (np.isfinite(sx[i]) and np.isfinite(sy[i])):
            front[i] = False
            continue
        dominated = (sx >= sx[i]) & (sy >= sy[i]) & ((sx > sx[i]) | (sy > sy[i]))
        front[i] = not dominated.any()
    return front
