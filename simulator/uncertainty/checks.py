"""Load-time rules of ``[uncertainty]``: what a draw could make of the scenario is checked before
any world runs.

Each param's key must be a numeric key of the scenario (a number, an element ``x[2]``, or a
numeric vector with ``scale = true``); its distribution's parameters must fit the distribution;
params of one group share one distribution; the correlation matrix must be a correlation matrix
(symmetric, unit diagonal, positive semi-definite) over named params. Then the scenario is
validated with each param at both ends of what its draws can reach: the quantiles at the keyed
stream's smallest and largest uniforms (:data:`~simulator.distributions.U_MIN` and ``U_MAX``,
about 8.2 sd from the mean of a normal; a lognormal's open end at 0 is never drawn) — so a share
drawn outside [0, 1] or a negative size is reported at load, naming the block, instead of
failing mid-run. Between the ends the scenario's rules are boxes, so the ends decide.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from simulator.distributions import U_MAX, U_MIN, check_distribution, quantiles, support
from simulator.errors import Problem
from simulator.uncertainty.table import drawn_value

#: stands for an end no draw can reach a finite value of (never, for the distributions we have)
UNBOUNDED = 1e12
#: tables whose keys may not be drawn (run identity and size, output, the draws themselves)
_NOT_DRAWN = ("scenario.", "output.", "uncertainty.", "population.seed", "population.uncertainty")


def check_uncertainty(s: Any, *, ends: bool = True) -> list[Problem]:
    """Every problem of ``s.uncertainty`` (``ends``: also validate the scenario at each param's
    support ends; only meaningful when the scenario itself is valid)."""
    from simulator.scenario.load import get_path, scenario_dict

    table = s.uncertainty
    problems: list[Problem] = []

    def add(path: str, message: str, hint: str | None = None) -> None:
        problems.append(Problem(path, message, hint=hint))

    if s.population.uncertainty == "per_world" and s.population.file is not None:
        add("population.uncertainty", "per_world draws a synthetic county for each world; this "
            "scenario reads its population from a file", 'use source = "synthetic" or uncertainty = "fixed"')
    data = scenario_dict(s)
    usable = []
    seen: dict[str, int] = {}
    for j, p in enumerate(table.param):
        at = f"uncertainty.param[{j}]"
        if p.key in seen:
            add(f"{at}.key", f"{p.key} is drawn twice (also by uncertainty.param[{seen[p.key]}])",
                "draw each key once; use group = ... for keys that move together")
            continue
        seen[p.key] = j
        ok = check_distribution(p, at, add) and _check_key(p, at, data, add, get_path)
        if ok:
            usable.append((at, p))
    _check_groups(table, add)
    _check_correlation(table, add)
    if ends and not problems:
        for at, p in usable:
            _check_ends(s, data, at, p, add)
    return problems


def _check_key(p: Any, at: str, data: dict, add, get_path) -> bool:
    """The key exists, may be drawn, and is numeric (a vector only with ``scale = true``)."""
    if p.key.startswith(_NOT_DRAWN) or p.key in ("population.source", "population.file"):
        add(f"{at}.key", f"{p.key} cannot be uncertain", "draw model parameters: rates, costs, "
            "shares, dynamics, benefits, budget and settlement numbers")
        return False
    try:
        base = get_path(data, p.key)
    except KeyError as exc:
        add(f"{at}.key", f"unknown scenario key {p.key!r}: {exc.args[0]}",
            "keys are dotted paths of the scenario, e.g. dynamics.utilisation_trend or tiers.beds[3]")
        return False
    if _is_number(base):
        if p.scales_vector:
            add(f"{at}.scale", f"{p.key} is a number, not a vector: scale = true multiplies every "
                "element of a vector", "remove scale = true")
            return False
        return True
    if isinstance(base, list) and base and all(_is_number(v) for v in base):
        if not p.scales_vector:
            add(f"{at}.key", f"{p.key} is a vector of {len(base)} numbers",
                f"draw one element ({p.key}[0]) or set scale = true to multiply every element")
            return False
        return True
    add(f"{at}.key", f"{p.key} is not numeric (it holds {type(base).__name__} {base!r})",
        "only numbers, numeric elements and numeric vectors can be drawn")
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_groups(table: Any, add) -> None:
    """Params of one group share one draw, so they share one distribution."""
    first: dict[str, tuple[int, str]] = {}
    keys = {p.key for p in table.param}
    for j, p in enumerate(table.param):
        if p.group is None:
            continue
        if p.group in keys:
            add(f"uncertainty.param[{j}].group", f"group name {p.group!r} is also a drawn key",
                "give the group its own name")
        if p.group not in first:
            first[p.group] = (j, p.distribution)
        elif first[p.group][1] != p.distribution:
            k, name = first[p.group]
            add(f"uncertainty.param[{j}].distribution",
                f"group {p.group!r} mixes distributions: {p.distribution} here, {name} in "
                f"uncertainty.param[{k}]", "params of one group move together on one draw: give them "
                "one distribution (parameters may differ)")


def _check_correlation(table: Any, add) -> None:
    c = table.correlation
    if c is None:
        return
    names = table.factors()
    for i, name in enumerate(c.params):
        if name not in names:
            add(f"uncertainty.correlation.params[{i}]", f"{name!r} is not a drawn param or group",
                f"name one of: {', '.join(names) or 'no params declared'}")
    if len(set(c.params)) != len(c.params):
        add("uncertainty.correlation.params", "a param is named twice")
    n = len(c.params)
    m = c.matrix
    if len(m) != n or any(len(row) != n for row in m):
        add("uncertainty.correlation.matrix", f"must be {n} × {n} (one row and column per param), "
            f"got {len(m)} rows of {sorted({len(r) for r in m})} values")
        return
    a = np.asarray(m, dtype=float)
    if not np.all(np.isfinite(a)) or np.any(np.abs(a) > 1.0):
        add("uncertainty.correlation.matrix", "correlations are finite numbers in [-1, 1]")
    elif not np.allclose(np.diag(a), 1.0) or not np.allclose(a, a.T, atol=1e-12):
        add("uncertainty.correlation.matrix", "must be symmetric with 1 on the diagonal")
    else:
        low = float(np.linalg.eigvalsh(a).min())
        if low < -1e-10:
            add("uncertainty.correlation.matrix", f"is not positive semi-definite (smallest "
                f"eigenvalue {low:.3g}): no joint distribution has these correlations",
                "lower the largest correlations, or make them consistent")


def _check_ends(s: Any, data: dict, at: str, p: Any, add) -> None:
    """Validate the scenario with ``p`` at both ends of its support."""
    from simulator.scenario.load import _set_path, get_path

    lo, hi = support(p, p.interval)
    if not lo < hi:
        add(f"{at}.truncate", f"keeps nothing of the {p.distribution} distribution's support",
            "choose an interval where the distribution has mass")
        return
    base = get_path(data, p.key)
    extremes = quantiles(p, [U_MIN, U_MAX], p.interval)
    for end, drawn in zip((lo, hi), extremes):
        x = float(drawn) if math.isfinite(drawn) else math.copysign(UNBOUNDED, end)
        reason = _invalid_with(s, data, p.key, drawn_value(base, x, p.scales_vector), _set_path)
        if reason is not None:
            shown = f"{x:g}" if abs(x) < UNBOUNDED else ("-inf" if end < 0 else "inf") + " (unbounded)"
            what = f"× {shown}" if p.scales_vector else shown
            add(f"{at}.distribution", f"{p.distribution} draws of {p.key} reach {what}, where the "
                f"scenario is invalid: {reason}", "truncate = [low, high] inside the key's valid range, "
                "or choose a distribution whose support fits it")
            return


def _invalid_with(s: Any, data: dict, key: str, value: Any, set_path) -> str | None:
    """Why the scenario is invalid with ``key`` set to ``value`` (None: it is valid)."""
    from pydantic import ValidationError

    from simulator.errors import copy_tree
    from simulator.scenario.checks import check_scenario
    from simulator.scenario.schema import Scenario

    trial = copy_tree(data)
    set_path(trial, key, value)
    trial.pop("uncertainty", None)
    try:
        problems = check_scenario(Scenario.model_validate(trial))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"])
        return f"{where}: {first['msg']}"
    return f"{problems[0].path}: {problems[0].message}" if problems else None
