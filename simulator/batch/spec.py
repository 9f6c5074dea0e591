"""Sweep files: what a batch varies, validated like scenarios before any work starts.

A sweep file (TOML) names a base scenario (or a region file: :mod:`simulator.region.sweep`)
and how to vary it::

    [sweep]
    name = "risk-reserve"
    base = "../scenarios/reference.toml"   # relative to this file
    replications = 200                     # default: the base scenario's
    seed = 20261125                        # default: the base scenario's (a sweep needs one)
    chunk_worlds = 10                      # worlds per task
    metrics = ["balance_rate", "fund_spending"]   # indicators in the summary table
    overrides = { "population.size" = 100_000 }   # applied to every scenario of the sweep

    [[vary]]                               # grid blocks combine as a product
    kind = "grid"
    key = "budget.risk_reserve"
    values = [0.03, 0.05, 0.07]

    [[vary]]                               # one-at-a-time: a low and a high variant (tornado)
    kind = "oat"
    key = "payment.drg.high_ratio"
    low = 2.0
    high = 4.0

    [[vary]]                               # probabilistic sensitivity analysis
    kind = "sample"
    method = "lhs"                         # or "sobol" (n a power of 2)
    n = 64
    [[vary.params]]
    key = "dynamics.cost_inflation"
    distribution = "normal"
    mean = 0.03
    sd = 0.01

    [[county]]                             # default: one county, the base scenario
    name = "county-a"
    overrides = { "population.size" = 300_000 }
    [[county]]
    name = "county-b"
    scenario = "county-b.toml"

Variants, in this order: the product of the grid blocks; then, when there are OAT blocks, a
``base`` variant (no change) and a low and a high variant per OAT block; then the draws of each
sample block. With no ``[[vary]]`` block the sweep has the one ``base`` variant.

Distributions of sample parameters (drawn by quasi-random design through the inverse CDF):
``uniform{low, high}``, ``normal{mean, sd}``, ``lognormal{mean, sd}`` — **mean and sd of the
natural log of the value** (the value is ``exp(mean + sd·z)``; its median is ``exp(mean)``),
``beta{a, b, low = 0, high = 1}`` (scaled to [low, high]) and ``triangular{low, mode, high}``.
A draw for a key whose base value is an integer is rounded to the nearest integer.

Checks: the sweep's own keys (unknown keys with a did-you-mean, types, ranges), every varied key
against the base scenario (a dotted key it has), every county scenario, and every variant by
loading the base scenario with the variant's values. A variant whose *values* do not validate is
not a sweep error: its tasks are reported as failed with the variant's parameters and the other
variants run (exit code 2 at the end). Combinations of a variant with another county's scenario
are checked when their task runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Mapping

from simulator.batch.schema import (DEFAULT_METRICS, KINDS, block_keys, check_blocks, check_top,
                                    param_lines)
from simulator.batch.sweep import MAX_VALIDATED, County, Sweep, Variant, describe
from simulator.batch.variants import check_variants, key_problem, make_variants
from simulator.errors import InputError, Problem, ProblemList, did_you_mean, line_of, read_toml
from simulator.indicators import BY_KEY
from simulator.scenario.load import get_path

__all__ = ["DEFAULT_METRICS", "KINDS", "MAX_VALIDATED", "County", "Sweep", "Variant", "describe",
           "load_sweep"]

_NAME = re.compile(r"^\w[\w.\-]*$")


def load_sweep(source: str | Path) -> Sweep:
    """Read and validate a sweep file; raise :class:`InputError` listing every problem.

    One round: the schema, the metrics, the base and county scenario files, each county's
    scenario with the sweep's overrides, the varied keys and the seed are all checked before
    anything is raised. A stage runs on what the earlier ones left usable (the keys of the
    ``[sweep]`` table that validated, the ``[[county]]`` tables and ``[[vary]]`` blocks that
    did), so one typo does not hide the rest.
    """
    path = Path(source)
    data, lines = read_toml(path, what="sweep file")
    lines.update(param_lines(path.read_text(encoding="utf-8")))
    file = str(path)
    problems = ProblemList(title=f"invalid sweep {file}")

    def add(key: str, message: str, hint: str | None = None) -> None:
        problems.add(key, message, file=file, line=line_of(key, lines), hint=hint)

    top = check_top(data, file, lines, problems)
    blocks = check_blocks(data.get("vary", []), add, file, lines, problems)
    meta, raw_counties = (top.sweep, list(enumerate(top.county))) if top is not None else _usable_parts(data)
    folder = path.resolve().parent
    for i, metric in enumerate(meta.metrics or ()):
        if metric not in BY_KEY:
            add(f"sweep.metrics[{i}]", f"unknown indicator '{metric}'",
                did_you_mean(metric, BY_KEY) or "see simulator.indicators")
    from simulator.safety import HINT, MESSAGE, outside, safe_paths

    base = _resolve(folder, meta.base) if meta.base is not None else None
    base_ok = False
    if base is not None and safe_paths() and outside(base, folder):
        add("sweep.base", MESSAGE, HINT)
    elif base is not None and not base.is_file():
        add("sweep.base", f"base scenario not found: {base}", "relative paths are taken from the sweep file's folder")
    else:
        base_ok = base is not None
    from simulator.region.spec import is_region_file

    if base_ok and is_region_file(base):  # a sweep over a region: simulator.region.sweep
        from simulator.region.sweep import load_region_sweep

        return load_region_sweep(path, data, meta, blocks, base, lines, problems, add)
    counties = _counties(raw_counties, base if base_ok else None, folder, add)

    from simulator.scenario import load_scenario, scenario_hash

    sweep_overrides = _flat(meta.overrides)
    loaded: dict[int, Any] = {}
    for i, county in enumerate(counties):
        if county.scenario is None or not county.scenario.is_file():
            continue  # reported above
        where = f"county[{county.index}]" if raw_counties else "sweep.base"
        try:
            scenario = load_scenario(county.scenario, sweep_overrides | dict(county.overrides))
        except InputError as exc:
            placed = (_in_sweep(p, county, file, lines) for p in exc.problems)
            problems.extend(_tagged(p, f"{where} ({county.name})") for p in placed)
            continue
        loaded[i] = scenario
        county.hash, county.people, county.years = (scenario_hash(scenario), scenario.population.size,
                                                    scenario.scenario.years)
    first = loaded.get(0)
    reference = first if first is not None else _plain_base(base if base_ok else None)
    dump = reference.model_dump(mode="python") if reference is not None else None
    if dump is not None:  # the varied keys against the base scenario
        for i, block in blocks:
            for j, key in block_keys(block):
                at = f"vary[{i}].params[{j}].key" if j is not None else f"vary[{i}].key"
                problem = key_problem(dump, key)
                if problem:
                    add(at, problem[0], problem[1])
    # where the plain base stands in for the first county, an override may set the seed it lacks
    first_overrides = sweep_overrides | (dict(counties[0].overrides) if counties else {})
    seed_overridden = any(k in ("scenario", "scenario.seed") for k in first_overrides)
    if meta.seed is None and reference is not None and reference.scenario.seed is None \
            and (first is not None or not seed_overridden):
        add("sweep.seed", "a sweep needs a seed (common random numbers across variants; resumable runs)",
            "set [sweep] seed or the base scenario's scenario.seed")
    problems.raise_if_any()  # none: the file validated (top), and so did every county's scenario
    replications = meta.replications or first.scenario.replications
    seed = meta.seed if meta.seed is not None else first.scenario.seed

    variants = make_variants([b for _, b in blocks], int(seed), dump)
    keys = tuple(dict.fromkeys(k for v in variants for k, _ in v.params))
    where = {key: line_of(f"vary[{i}]", lines) for i, b in reversed(blocks) for _, key in block_keys(b)}
    validated: dict[tuple[str, str], Any] = {}
    counties = [County(c.name, c.scenario, c.overrides, c.hash, c.people, c.years) for c in counties]
    variants = check_variants(variants, counties[0], sweep_overrides, file, where, validated, first)
    return Sweep(name=meta.name, file=path, replications=int(replications), seed=int(seed),
                 chunk_worlds=meta.chunk_worlds, metrics=tuple(meta.metrics), variants=tuple(variants),
                 counties=tuple(counties), keys=keys, overrides=tuple(sweep_overrides.items()),
                 base_values={k: get_path(dump, k) for k in keys}, validated=validated)


def _usable_parts(data: Mapping[str, Any]) -> tuple[SimpleNamespace, list[tuple[int, Any]]]:
    """The keys of ``[sweep]`` and the ``[[county]]`` tables that validate on their own, when the
    file as a whole did not (its problems are reported already): a key that does not validate
    reads as None (``metrics``: none, ``overrides``: none), a county table that does not is left
    out, with its index kept for messages."""
    from typing import Annotated

    from pydantic import ConfigDict, TypeAdapter, ValidationError

    from simulator.batch.schema import _County, _SweepTable

    raw = data.get("sweep") if isinstance(data.get("sweep"), Mapping) else {}
    values: dict[str, Any] = {}
    for name, info in _SweepTable.model_fields.items():
        value = None
        if name in raw:
            kind = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
            try:
                value = TypeAdapter(kind, config=ConfigDict(strict=True)).validate_python(raw[name])
            except ValidationError:
                value = None
        elif name in ("metrics", "chunk_worlds"):
            value = info.get_default(call_default_factory=True)
        values[name] = value
    values["overrides"] = values["overrides"] or {}
    counties = []
    listed = data.get("county", [])
    for i, item in enumerate(listed if isinstance(listed, list) else []):
        try:
            counties.append((i, _County.model_validate(item)))
        except ValidationError:
            continue
    return SimpleNamespace(**values), counties


def _plain_base(base: Path | None) -> Any:
    """The base scenario without the sweep's overrides (for checking the varied keys when the
    scenario with them did not load), or None when it does not load either."""
    if base is None:
        return None
    from simulator.scenario import load_scenario

    try:
        return load_scenario(base)
    except InputError:
        return None


def _counties(raw: list[tuple[int, Any]], base: Path | None, folder: Path, add) -> list[_Named]:
    """The ``[[county]]`` tables, (index in the file, table), as counties (names and scenario
    files checked), or the base (None: it cannot be read, and is reported)."""
    if not raw:
        return [_Named(base.stem, base, (), 0)] if base is not None else []
    out, seen = [], set()
    for i, c in raw:
        if not _NAME.match(c.name):
            add(f"county[{i}].name", f"{c.name!r} cannot name a folder",
                "use letters, digits, '_', '-' or '.', starting with a letter or digit")
        if c.name in seen:
            add(f"county[{i}].name", f"duplicate county name {c.name!r}")
        seen.add(c.name)
        scenario = _resolve(folder, c.scenario) if c.scenario else base
        from simulator.safety import HINT, MESSAGE, outside, safe_paths

        if c.scenario and safe_paths() and outside(scenario, folder):
            add(f"county[{i}].scenario", MESSAGE, HINT)
            scenario = None
        elif c.scenario and not scenario.is_file():
            add(f"county[{i}].scenario", f"scenario not found: {scenario}",
                "relative paths are taken from the sweep file's folder")
        out.append(_Named(c.name, scenario, tuple(_flat(c.overrides).items()), i))
    return out


@dataclass
class _Named:
    """A county while the sweep is checked: where it stands in the file (``index``), and what
    its scenario gave once loaded (:class:`County` fields)."""

    name: str
    scenario: Path | None
    overrides: tuple[tuple[str, Any], ...]
    index: int
    hash: str = ""
    people: int = 0
    years: int = 0


def _flat(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"population": {"size": 1}}`` and ``{"population.size": 1}`` both as dotted keys."""
    out: dict[str, Any] = {}
    for k, v in mapping.items():
        key = f"{prefix}.{k}" if prefix else str(k)
        if isinstance(v, Mapping) and v:
            out.update(_flat(v, key))
        else:
            out[key] = v
    return out


def _resolve(folder: Path, name: str) -> Path:
    p = Path(name).expanduser()
    return p if p.is_absolute() else (folder / p).resolve()


def _in_sweep(p: Problem, county: _Named, file: str, lines: dict[str, int]) -> Problem:
    """A problem of an override of the sweep (``--set`` to the scenario loader), placed at the
    ``overrides`` of the county or of ``[sweep]`` that set it."""
    from simulator.scenario.load import SET_ORIGIN

    if p.file != SET_ORIGIN:
        return p
    mine = any(p.path == k or p.path.startswith((k + ".", k + "[")) for k, _ in county.overrides)
    key = f"county[{county.index}].overrides" if mine else "sweep.overrides"
    return Problem(p.path, p.message, file=file, line=line_of(key, lines), hint=p.hint)


def _tagged(p: Problem, where: str) -> Problem:
    return Problem(p.path, f"{p.message} [{where}]", file=p.file, line=p.line, hint=p.hint)
