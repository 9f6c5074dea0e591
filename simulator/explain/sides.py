"""The ends of a change from stored results, checked: two years of one run, or two runs (paired).

:func:`explain` validates its input before any work (every problem an
:class:`~simulator.errors.InputError` naming the option or key: exit 2), builds the two
:class:`~simulator.explain.chain.Side` s and returns an :class:`Explanation`: the per-world
parts and their summary over worlds (mean, the range of 90% of worlds, the mean's SE).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from simulator.constants import N_SCHEMES, N_SERVICES, N_TIERS, SCHEME_NAMES, SERVICE_NAMES, TIER_NAMES
from simulator.errors import InputError, Problem
from simulator.explain.chain import MEASURES, PARTS, QUANTITIES, Side, charged_tiers, decompose

if TYPE_CHECKING:
    from simulator.results import Results

#: summary columns of :meth:`Explanation.table`
TABLE_COLUMNS = ("measure", "part", "mean", "lo90", "hi90", "se")


@dataclass(frozen=True)
class Explanation:
    """A decomposed change. ``parts[measure]``: float64[world, part] (:data:`PARTS` order);
    ``change[measure]``: float64[world]; ``start`` / ``end``: the measures' values per world."""

    mode: str              # "years" (one run) or "runs" (two runs, world by world)
    names: tuple[str, str]  # the ends, e.g. ("2026", "2030") or ("tiered 2026", "aca 2026")
    years: tuple[int, int]
    worlds: np.ndarray
    change: dict[str, np.ndarray]
    parts: dict[str, np.ndarray]
    start: dict[str, np.ndarray]
    end: dict[str, np.ndarray]

    def closure(self, measure: str) -> np.ndarray:
        """Per world: |Σ parts − change| / max(|start|, |end|, |change|, 1), the relative error."""
        gap = np.abs(self.parts[measure].sum(axis=1) - self.change[measure])
        scale = np.maximum.reduce([np.abs(self.start[measure]), np.abs(self.end[measure]),
                                   np.abs(self.change[measure]), np.ones_like(gap)])
        return gap / scale

    def table(self) -> pd.DataFrame:
        """One row per measure × (change, parts...): mean over worlds, 5% and 95% of worlds, SE."""
        rows = []
        for m in MEASURES:
            for name, values in (("change", self.change[m]), *zip(PARTS, self.parts[m].T)):
                rows.append({"measure": m, "part": name,
                             **{k: np.nan if v is None else v for k, v in _stats(values).items()}})
        return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))

    def to_dict(self) -> dict[str, Any]:
        """``{measure: {"change", "parts", "lo90", "hi90", ...}}`` (docs/explain.md; --json)."""
        out: dict[str, Any] = {}
        for m in MEASURES:
            stats = {p: _stats(v) for p, v in zip(PARTS, self.parts[m].T)}
            change = _stats(self.change[m])
            out[m] = {"change": change["mean"], "parts": {p: s["mean"] for p, s in stats.items()},
                      "lo90": {p: s["lo90"] for p, s in stats.items()},
                      "hi90": {p: s["hi90"] for p, s in stats.items()},
                      "se": {p: s["se"] for p, s in stats.items()},
                      "change_lo90": change["lo90"], "change_hi90": change["hi90"],
                      "start": float(np.mean(self.start[m])), "end": float(np.mean(self.end[m])),
                      "closure_max": float(self.closure(m).max()) if len(self.worlds) else 0.0}
        return out


def _stats(values: np.ndarray) -> dict[str, float]:
    v = np.asarray(values, dtype=float)
    if not v.size:
        return {"mean": None, "lo90": None, "hi90": None, "se": None}
    se = float(np.std(v, ddof=1) / np.sqrt(v.size)) if v.size > 1 else 0.0
    return {"mean": _num(v.mean()), "lo90": _num(np.quantile(v, 0.05)), "hi90": _num(np.quantile(v, 0.95)),
            "se": _num(se)}


def _num(value: float) -> float | None:
    """A JSON-safe number: NaN and infinities become None."""
    value = float(value)
    return value if np.isfinite(value) else None


def _years(results: "Results") -> list[int]:
    return sorted(int(y) for y in results.worlds["year"].unique())


def _check_year(results: "Results", year: int | None, option: str, default: int, where: str) -> int:
    years = _years(results)
    chosen = default if year is None else int(year)
    if chosen not in years:
        raise InputError(Problem(option, f"year {chosen} is not in {where} (years {years[0]}–{years[-1]})",
                                 hint=f"choose one of {', '.join(map(str, years))}"), title="invalid options")
    return chosen


def _check_flows(results: "Results", where: str) -> None:
    s = results.scenario
    if s.budget.pooling == "separate" or s.community.public_health.per_capita > 0:
        key = "budget.pooling" if s.budget.pooling == "separate" else "community.public_health.per_capita"
        raise InputError(Problem(key, "explain decomposes one pooled account of insurance money; this run "
                                 "settles separate scheme accounts or bundles public-health money",
                                 file=where, hint="explain a run with budget.pooling = \"pooled\" and no "
                                                  "bundled public-health funds"))
    missing = [q for q in QUANTITIES if q not in results.flows.columns]
    if missing:
        raise InputError(Problem(f"flows.parquet: {', '.join(missing)}", "column missing (results written "
                                 "before mcsim stored the admissions' DRG weights)", file=where,
                                 hint="run the scenario again with this mcsim"))
    for key, names in (("tier", TIER_NAMES), ("service", SERVICE_NAMES), ("scheme", SCHEME_NAMES)):
        found = set(map(str, results.flows[key].unique()))
        if not found <= set(names):
            raise InputError(Problem(f"flows.parquet: {key}", f"unknown {key} {sorted(found - set(names))}",
                                     file=where, hint=f"known: {', '.join(names)}"))


def _check_pair(a: "Results", b: "Results", names: tuple[str, str]) -> None:
    """Two runs decompose world by world only with the same tiers, seed and worlds."""
    ta, tb = a.scenario.tiers, b.scenario.tiers
    if list(ta.names) != list(tb.names) or list(ta.enabled) != list(tb.enabled):
        raise InputError(Problem("tiers.enabled", f"{names[0]} and {names[1]} have different tiers "
                                 f"({list(ta.enabled)} vs {list(tb.enabled)})",
                                 hint="explain compares runs with the same tiers"))
    if int(a.seed) != int(b.seed):
        raise InputError(Problem("scenario.seed", f"{names[0]} has seed {a.seed}, {names[1]} seed {b.seed}: "
                                 "their worlds are not the same worlds",
                                 hint="run both with the same --seed (common random numbers)"))
    wa, wb = (np.unique(r.worlds["world"].to_numpy()) for r in (a, b))
    if wa.shape != wb.shape or not np.array_equal(wa, wb):
        raise InputError(Problem("scenario.replications", f"{names[0]} has {len(wa)} worlds, {names[1]} "
                                 f"{len(wb)} (or other world numbers)",
                                 hint="run both with the same --replications"))


def side(results: "Results", year: int) -> Side:
    """The end of a change at ``year`` of ``results`` (worlds in ascending order)."""
    from simulator.settlement.resolve import resolve_settlement

    frame = results.worlds[results.worlds["year"] == year].sort_values("world")
    worlds = frame["world"].to_numpy()
    flows = results.flows[results.flows["year"] == year]
    index = np.searchsorted(worlds, flows["world"].to_numpy())
    cells = (index, _codes(flows["tier"], TIER_NAMES), _codes(flows["service"], SERVICE_NAMES),
             _codes(flows["scheme"], SCHEME_NAMES))
    arrays = {}
    for q in QUANTITIES:
        out = np.zeros((len(worlds), N_TIERS, N_SERVICES, N_SCHEMES))
        np.add.at(out, cells, flows[q].to_numpy(float))
        arrays[q] = out
    s = results.scenario
    values = {k: frame[k].to_numpy(float) for k in ("enrolled", "budget", "assessment_score", *MEASURES)}
    exogenous = s.settlement.reasonable == "exogenous"
    values["reasonable"] = (frame["reasonable_overspend"].to_numpy(float) if exogenous
                            else np.full(len(worlds), np.inf))
    rules, _ = resolve_settlement(s)
    return Side(flows=arrays, values=values, rules=rules, charged=charged_tiers(s.budget.outside_charged))


def _codes(column: pd.Series, names: tuple[str, ...]) -> np.ndarray:
    """Codes of a flows key column in the order of ``names`` (checked by :func:`_check_flows`)."""
    lookup = {name: i for i, name in enumerate(names)}
    if isinstance(column.dtype, pd.CategoricalDtype):
        table = np.array([lookup.get(str(c), -1) for c in column.cat.categories], dtype=np.int64)
        return table[column.cat.codes.to_numpy()]
    return np.array([lookup[str(v)] for v in column], dtype=np.int64)


def explain(a: "Results", b: "Results | None" = None, *, from_year: int | None = None,
            to_year: int | None = None, names: tuple[str, str] = ("A", "B")) -> Explanation:
    """Decompose the change of the measures between two ends (docs/explain.md).

    One run (``b`` None): from ``from_year`` (default the first year) to ``to_year`` (default the
    last). Two runs: ``a`` at ``from_year`` against ``b`` at ``to_year``, world by world (same
    seed, worlds and tiers); each year defaults to the other one given, else the last year.
    Raises :class:`InputError` naming the option or key for bad input.
    """
    _check_flows(a, names[0])
    if b is None:
        years = _years(a)
        y0 = _check_year(a, from_year, "--from-year", years[0], names[0])
        y1 = _check_year(a, to_year, "--to-year", years[-1], names[0])
        ends, labels, mode = (side(a, y0), side(a, y1)), (str(y0), str(y1)), "years"
    else:
        _check_flows(b, names[1])
        _check_pair(a, b, names)
        y0 = _check_year(a, from_year, "--from-year", to_year if to_year is not None else _years(a)[-1], names[0])
        y1 = _check_year(b, to_year, "--to-year", from_year if from_year is not None else y0, names[1])
        ends, labels, mode = (side(a, y0), side(b, y1)), (f"{names[0]} {y0}", f"{names[1]} {y1}"), "runs"
    worlds = np.sort(a.worlds.loc[a.worlds["year"] == y0, "world"].to_numpy())
    result = decompose(*ends)
    return Explanation(mode=mode, names=labels, years=(y0, y1), worlds=worlds,
                       change={m: c for m, (c, _) in result.items()},
                       parts={m: p for m, (_, p) in result.items()},
                       start={m: ends[0].values[m] for m in MEASURES},
                       end={m: ends[1].values[m] for m in MEASURES})
