"""Fit scenario parameters to targets by simulated least squares with common random numbers.

Objective: ``Σ_k ((m_k(θ) − target_k) / σ_k)²`` where ``m_k(θ)`` is the mean over worlds of
target ``k`` simulated at parameters θ and ``σ_k² = se_k² + s_k²/W``: the target's own standard
error plus the Monte Carlo error of the simulated mean (``s_k`` the spread over the ``W`` worlds
at the start values; fixed during the fit so the objective does not move with it).

* **Common random numbers.** Every evaluation simulates the same worlds from the same seed, so
  the objective is a deterministic function of θ. Counts drawn by inversion change in small
  steps as rates move; summed over ~10⁵ persons the objective is smooth at the scale of the
  finite-difference step (2% of each parameter's range), which is why that step is not smaller.
* **Transformed bounded space.** Each parameter maps to ``u ∈ [0, 1]`` (linear, or in log for
  ``scale = "log"``); :func:`scipy.optimize.least_squares` (trust-region reflective) works on u.
* **Small worlds.** Evaluations simulate ``size`` insured persons (default 20,000) with bed
  capacity scaled by the same factor, only as many years as the targets need, and no
  microdata. Per-person rates, costs per case and shares do not depend on the county's size in
  expectation, so they are fitted unchanged; extensive indicators (headcounts, visits, yuan
  totals) are scaled back by ``full size / size``. A population read from a file is simulated
  whole.
* **Uncertainty.** Standard errors of the fitted values come from the Jacobian at the optimum,
  ``cov(u) = (JᵀJ)⁻¹``, mapped back through the transformation (a parameter at a bound has none).
* **Check.** The calibrated scenario (full size) is then run once with the same seed: the fit
  table shows its mean and 90% interval over worlds beside the targets.
"""

from __future__ import annotations

import contextlib
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from simulator.calibrate import measures
from simulator.calibrate.targets import (
    CalibrationSpec, Parameter, Target, apply_value, check_parameters, initial_value,
)
from simulator.errors import InputError, Problem

#: indicators that grow with the county's size (scaled back from small evaluation worlds)
EXTENSIVE = ("enrolled", "episodes_outpatient", "episodes_inpatient", "total_cost", "fund_spending",
             "oop_spending", "budget", "balance", "retained_surplus", "fund_shared_overspend",
             "community_borne_overspend", "withheld_unreleased", "fund_payout", "community_net")
DIFF_STEP = 0.02     # finite-difference step in the unit space (see module docstring)
NAN_PENALTY = 100.0  # residual of a target the simulation cannot measure (e.g. no admissions there)


@dataclass
class Fit:
    """Result of :func:`calibrate`.

    ``parameters``: one row per parameter (key, initial, estimate, se, low, high, at_bound);
    ``table``: one row per target (key, year, target, se, sigma, initial, fitted, z, mean,
    p05, p95); ``scenario``: the calibrated scenario at full size.
    """

    parameters: pd.DataFrame
    table: pd.DataFrame
    scenario: Any
    seed: int
    success: bool
    message: str
    evaluations: int
    seconds: float
    chi2: float
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def values(self) -> dict[str, float]:
        """Fitted value (or multiplier) by parameter key."""
        return dict(zip(self.parameters["key"], self.parameters["estimate"]))


class Evaluator:
    """Simulates the targets at given parameter values (common random numbers)."""

    def __init__(self, scenario, spec: CalibrationSpec, *, size: int | None, replications: int,
                 seed: int, threads: int | None = None):
        from simulator.scenario.load import scenario_dict

        self.base = scenario_dict(scenario)
        self.scenario = scenario
        self.spec = spec
        self.replications = replications
        self.seed = seed
        self.threads = threads
        start = scenario.scenario.start_year
        last = scenario.scenario.start_year + scenario.scenario.years - 1
        problems = [Problem(f"target[{i}].year", f"year {t.year} is outside the simulated years "
                            f"{start}-{last}", file=t.file, line=t.line)
                    for i, t in enumerate(spec.targets) if t.year is not None and not start <= t.year <= last]
        if problems:
            raise InputError(problems, title="invalid targets")
        self.n_years = max([self._year(t) for t in spec.targets] + [start]) - start + 1
        full = scenario.population.size
        from_file = scenario.population.source == "file"
        self.size = full if (size is None or from_file or size >= full) else int(size)
        self.factor = full / self.size
        self.evaluations = 0  # simulations run (a point asked for again is not run again)
        self._seen: dict[tuple[tuple[str, float], ...], dict[tuple[str, int | None], np.ndarray]] = {}

    def _year(self, t: Target) -> int:
        return t.year_from(self.scenario.scenario.start_year)

    def full_scenario(self, values: dict[str, float]):
        """The scenario with parameter values substituted (validated)."""
        from simulator.scenario import load_scenario

        by_key = {p.key: p for p in self.spec.parameters}
        overrides = {key: apply_value(self.base, by_key[key], v) for key, v in values.items()}
        return load_scenario(self.base, overrides)

    def small_scenario(self, values: dict[str, float]):
        """The evaluation scenario at ``values`` (see :func:`evaluation_scenario`)."""
        return evaluation_scenario(self.full_scenario(values), self.size, self.n_years)

    def simulate(self, scenario, factor: float) -> dict[tuple[str, int | None], np.ndarray]:
        """Per-world values of every target of a run of ``scenario`` (extensive ones × ``factor``)."""
        from simulator.api import run

        self.evaluations += 1
        results = run(scenario, replications=self.replications, seed=self.seed, threads=self.threads)
        return target_values(results, self.spec.targets, factor)

    def at(self, values: dict[str, float]) -> dict[tuple[str, int | None], np.ndarray]:
        """Per-world target values at ``values``, simulated once per distinct point (the start
        point and the optimum are asked for again by the optimiser and the report)."""
        point = tuple(sorted((k, float(v)) for k, v in values.items()))
        if point not in self._seen:
            self._seen[point] = self.simulate(self.small_scenario(values), self.factor)
        return self._seen[point]


def evaluation_scenario(scenario, size: int | None, years: int):
    """``scenario`` shrunk for evaluation: ``size`` insured persons (None or a population file:
    unchanged) with bed capacity scaled alike, ``years`` years, no microdata, figures or report,
    and no parameter uncertainty: calibration fits the central scenario, and per-world draws
    would only add noise to the objective (the worlds keep their process noise)."""
    from simulator.scenario import load_scenario
    from simulator.scenario.load import scenario_dict

    data = scenario_dict(scenario)
    full = scenario.population.size
    if size is not None and scenario.population.source != "file" and size < full:
        data["population"]["size"] = int(size)
        data["tiers"]["beds"] = [b * size / full for b in scenario.tiers.beds]
    data["scenario"]["years"] = years
    data["output"].update(microdata_fraction=0.0, figures=False, report=False)
    data["uncertainty"] = {**data.get("uncertainty", {}), "enabled": False}
    return load_scenario(data)


def target_values(results, targets: list[Target], factor: float = 1.0) -> dict[tuple[str, int | None], np.ndarray]:
    """Per-world values (float64[worlds]) of each target in a :class:`~simulator.results.Results`."""
    scenario = results.scenario
    start = scenario.scenario.start_year
    worlds = results.worlds.sort_values(["year", "world"])
    tallies: dict[int, measures.Tally] = {}
    out = {}
    for t in targets:
        year = t.year_from(start)
        rows = worlds[worlds["year"] == year]
        if measures.is_measure(t.key):
            if year not in tallies:
                tallies[year] = measures.tally_from_flows(results.flows, scenario, year,
                                                          rows["enrolled"].to_numpy(float))
            out[(t.key, t.year)] = tallies[year].per_unit(t.key)
        else:
            values = rows[t.key].to_numpy(float)
            out[(t.key, t.year)] = values * factor if t.key in EXTENSIVE else values
    return out


def _summarise(values: np.ndarray) -> tuple[float, float, float, float]:
    v = values[np.isfinite(values)]
    if v.size == 0:
        return (math.nan,) * 4
    sd = float(v.std(ddof=1)) if v.size > 1 else 0.0
    return float(v.mean()), sd, float(np.quantile(v, 0.05)), float(np.quantile(v, 0.95))


def calibrate(scenario, spec: CalibrationSpec, *, replications: int | None = None, seed: int | None = None,
              size: int | None = None, threads: int | None = None, check: bool = True,
              max_evaluations: int = 200, log: Callable[[str], None] | None = None) -> Fit:
    """Fit ``spec.parameters`` of ``scenario`` to ``spec.targets``; return a :class:`Fit`.

    Parameters
    ----------
    scenario : the base :class:`~simulator.scenario.Scenario` (loaded, overrides applied).
    spec : targets and parameters (:func:`simulator.calibrate.targets.load_targets`).
    replications, seed, size : worlds per evaluation, master seed (fixed: common random numbers)
        and insured persons per evaluation world; default from ``spec.settings``, then the
        scenario's seed.
    check : run the calibrated scenario at full size afterwards (mean and 90% interval columns).
    max_evaluations : cap on objective evaluations (finite-difference ones included).
    """
    from simulator.engine import resolve_seed

    started = time.perf_counter()
    say = log or (lambda _msg: None)
    _check_fittable(spec, scenario)
    st = spec.settings
    seed = resolve_seed(seed if seed is not None else st.seed if st.seed is not None else
                        scenario.scenario.seed if scenario.scenario.seed is not None else 1)
    ev = Evaluator(scenario, spec, size=size if size is not None else st.size,
                   replications=replications or st.replications, seed=seed, threads=threads)
    params = spec.parameters
    start_values = {p.key: initial_value(ev.base, p) for p in params}
    u0 = np.array([p.to_unit(start_values[p.key]) for p in params])
    keys = [(t.key, t.year) for t in spec.targets]
    target = np.array([t.value for t in spec.targets])
    se = np.array([t.se for t in spec.targets])

    first = ev.at(start_values)
    stats0 = [_summarise(first[k]) for k in keys]
    sim_var = np.array([(s[1] ** 2) / max(ev.replications, 1) if math.isfinite(s[1]) else 0.0 for s in stats0])
    sigma = np.sqrt(se ** 2 + sim_var)
    say(f"calibrating {len(params)} parameters to {len(keys)} targets: {ev.size:,} persons × "
        f"{ev.replications} worlds × {ev.n_years} year(s) per evaluation, seed {seed}")

    u_hat, jac, success, message = _minimise(ev, params, keys, target, sigma, u0, max_evaluations, say)
    fitted = _values(params, u_hat)
    sims = ev.at(fitted)
    stats = [_summarise(sims[k]) for k in keys]
    resid = np.array([(s[0] - t) / g for s, t, g in zip(stats, target, sigma)])
    chi2 = float(np.nansum(resid ** 2))
    say(f"  fitted: chi² = {chi2:.2f} after {ev.evaluations} evaluations ({message})")

    par_rows = _parameter_rows(params, start_values, fitted, u_hat, jac)
    calibrated = ev.full_scenario(fitted)
    check_stats = None
    if check:
        say(f"  checking the calibrated scenario at full size ({calibrated.population.size:,} persons)")
        full_vals = ev.simulate(evaluation_scenario(calibrated, None, ev.n_years), 1.0)
        check_stats = [_summarise(full_vals[k]) for k in keys]
    table = _target_table(spec.targets, scenario.scenario.start_year, sigma, stats0, stats, resid,
                          check_stats)
    return Fit(parameters=par_rows, table=table, scenario=calibrated, seed=seed,
               success=success, message=message, evaluations=ev.evaluations,
               seconds=time.perf_counter() - started, chi2=chi2,
               settings={"size": ev.size, "replications": ev.replications, "years": ev.n_years,
                         "diff_step": DIFF_STEP})


def _check_fittable(spec: CalibrationSpec, scenario) -> None:
    """Raise :class:`InputError` unless there are targets, the parameters exist in ``scenario``
    and there are at least as many targets as parameters."""
    if not spec.targets:
        raise InputError(Problem("target", "no targets to fit", file=spec.file,
                                 hint="add [[target]] entries or pass --claims FILE"))
    check_parameters(spec, scenario)
    if len(spec.targets) < len(spec.parameters):
        raise InputError(Problem("parameter", f"{len(spec.parameters)} parameters but only "
                                 f"{len(spec.targets)} targets: the fit is not identified", file=spec.file,
                                 hint="add targets or fit fewer parameters"))


def _values(params: list[Parameter], u: np.ndarray) -> dict[str, float]:
    """Parameter values by key at the unit-space point ``u``."""
    return {p.key: p.from_unit(x) for p, x in zip(params, u)}


def _minimise(ev: Evaluator, params: list[Parameter], keys: list[tuple[str, int | None]],
              target: np.ndarray, sigma: np.ndarray, u0: np.ndarray, max_evaluations: int,
              say: Callable[[str], None]) -> tuple[np.ndarray, np.ndarray | None, bool, str]:
    """Least squares of the z-residuals ``(mean − target) / sigma`` in the unit space from ``u0``.

    Returns (u at the optimum, Jacobian there or None, success, message); when the budget of
    ``max_evaluations`` simulations runs out, the best point so far, no Jacobian and failure."""
    from scipy.optimize import least_squares

    best = {"u": u0, "chi2": math.inf}

    def residuals(u: np.ndarray) -> np.ndarray:
        if ev.evaluations >= max_evaluations:
            raise _Budget()
        sims = ev.at(_values(params, u))
        means = np.array([_summarise(sims[k])[0] for k in keys])
        r = (means - target) / sigma
        r = np.where(np.isfinite(r), r, NAN_PENALTY)
        if float(r @ r) < best["chi2"]:
            best.update(u=np.array(u, float), chi2=float(r @ r))
        say(f"  evaluation {ev.evaluations}/{max_evaluations}: chi² = {float(r @ r):.2f} "
            f"(best {best['chi2']:.2f})")
        return r

    r0 = residuals(u0)
    say(f"  start: chi² = {float(r0 @ r0):.2f}")
    try:
        opt = least_squares(residuals, u0, bounds=(0.0, 1.0), method="trf", diff_step=DIFF_STEP,
                            x_scale=1.0, xtol=1e-4, ftol=1e-6, gtol=1e-6)
        return opt.x, opt.jac, bool(opt.success), str(opt.message)
    except _Budget:
        return best["u"], None, False, f"stopped after {max_evaluations} evaluations"


def _target_table(targets: list[Target], start_year: int, sigma: np.ndarray, stats0: list[tuple],
                  stats: list[tuple], resid: np.ndarray, check_stats: list[tuple] | None) -> pd.DataFrame:
    """One row per target: value, se, sigma, simulated mean at the start and at the fit, z; with
    ``check_stats`` also the full-size check's mean and 90% interval (p05, p95)."""
    rows = []
    for i, t in enumerate(targets):
        row = {"key": t.key, "year": t.year_from(start_year),
               "target": t.value, "se": t.se, "sigma": sigma[i], "initial": stats0[i][0],
               "fitted": stats[i][0], "z": resid[i], "source": t.source}
        if check_stats is not None:
            row.update(mean=check_stats[i][0], p05=check_stats[i][2], p95=check_stats[i][3])
        rows.append(row)
    return pd.DataFrame(rows)


class _Budget(Exception):
    """Evaluation budget spent (least_squares has no clean stop for a budget of simulations)."""


def _parameter_rows(params: list[Parameter], start: dict[str, float], fitted: dict[str, float],
                    u_hat: np.ndarray, jac: np.ndarray | None) -> pd.DataFrame:
    se_u = np.full(len(params), np.nan)
    if jac is not None:
        free = np.array([1e-6 < u < 1 - 1e-6 for u in u_hat])
        if free.any():
            j = jac[:, free]
            cov = np.linalg.pinv(j.T @ j)
            se_u[free] = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    rows = []
    for p, u, s in zip(params, u_hat, se_u):
        value = p.from_unit(u)
        slope = (math.log(p.high / p.low) * value) if p.scale == "log" else (p.high - p.low)
        rows.append({"key": p.key, "multiply": p.multiply,
                     "initial": start[p.key], "estimate": fitted[p.key], "se": s * slope,
                     "low": p.low, "high": p.high, "at_bound": bool(u <= 1e-6 or u >= 1 - 1e-6)})
    return pd.DataFrame(rows)


def calibrated_toml(scenario_file: str | Path, scenario, target: str | Path) -> str | None:
    """The text of ``scenario_file`` with the values of ``scenario`` (the calibrated one) put in
    place, its comments and layout kept (tomlkit), for writing to ``target``; None when the
    edited text would not load back to ``scenario`` (the caller then writes a plain dump).

    Only the values that differ from the file as loaded change (fitted parameters, ``--set``
    overrides); relative file references become absolute when ``target`` is in another folder.
    """
    import tomlkit

    from simulator.scenario import load_scenario
    from simulator.scenario.load import _FILE_KEYS, is_file_reference, scenario_dict

    source = Path(scenario_file)
    try:
        doc = tomlkit.parse(source.read_text(encoding="utf-8"))
        want, have = scenario_dict(scenario), scenario_dict(load_scenario(source))
    except Exception:  # an unusual file tomlkit cannot edit: the plain dump is still right
        return None
    for path in _changed(want, have):
        _set_leaf(doc, path, _get(want, path))
    if Path(target).resolve().parent != source.resolve().parent:
        for table, key in _FILE_KEYS:
            value = want.get(table, {}).get(key)
            if isinstance(value, str) and is_file_reference(table, key, value) and table in doc \
                    and key in doc[table]:
                doc[table][key] = value
    text = tomlkit.dumps(doc)
    import os
    import tempfile

    folder = Path(target).resolve().parent
    try:  # loaded from where it will live: relative references resolve as they will for the user
        fd, probe = tempfile.mkstemp(prefix=".calibrated-", suffix=".toml", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        same = scenario_dict(load_scenario(probe)) == want
    except Exception:
        return None
    finally:
        with contextlib.suppress(NameError, OSError):
            os.unlink(probe)
    return text if same else None


def _changed(want: dict, have: dict, prefix: tuple = ()) -> list[tuple]:
    """Key paths (tuples) where ``want`` differs from ``have``; tables recurse, lists are leaves."""
    out = []
    for key, value in want.items():
        old = have.get(key, _MISSING)
        if isinstance(value, dict) and isinstance(old, dict):
            out += _changed(value, old, prefix + (key,))
        elif value != old:
            out.append(prefix + (key,))
    return out


_MISSING = object()


def _get(data: dict, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def _set_leaf(doc, path: tuple, value: Any) -> None:
    import tomlkit

    node = doc
    for key in path[:-1]:
        if key not in node:
            node[key] = tomlkit.table()
        node = node[key]
    node[path[-1]] = value
