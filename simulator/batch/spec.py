"""Sweep files: what a batch varies, validated like scenarios before any work starts.

A sweep file (TOML) names a base scenario and how to vary it::

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
from pathlib import Path
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
    """Read and validate a sweep file; raise :class:`InputError` listing every problem."""
    path = Path(source)
    data, lines = read_toml(path, what="sweep file")
    lines.update(param_lines(path.read_text(encoding="utf-8")))
    file = str(path)
    problems = ProblemList(title=f"invalid sweep {file}")

    def add(key: str, message: str, hint: str | None = None) -> None:
        problems.add(key, message, file=file, line=line_of(key, lines), hint=hint)

    top = check_top(data, file, lines, problems)
    blocks = check_blocks(data.get("vary", []), add, file, lines, problems)
    if top is None:  # the schema failed, so there are problems to raise
        problems.raise_if_any()
    folder = path.resolve().parent
    meta = top.sweep
    for i, metric in enumerate(meta.metrics):
        if metric not in BY_KEY:
            add(f"sweep.metrics[{i}]", f"unknown indicator '{metric}'",
                did_you_mean(metric, BY_KEY) or "see simulator.indicators")
    from simulator.safety import HINT, MESSAGE, outside, safe_paths

    base = _resolve(folder, meta.base)
    if safe_paths() and outside(base, folder):
        add("sweep.base", MESSAGE, HINT)
    elif not base.is_file():
        add("sweep.base", f"base scenario not found: {base}", "relative paths are taken from the sweep file's folder")
    counties = _counties(top.county, base, folder, add)
    problems.raise_if_any()

    from simulator.scenario import load_scenario, scenario_hash

    sweep_overrides = _flat(meta.overrides)
    loaded = []
    for i, county in enumerate(counties):
        where = f"county[{i}]" if top.county else "sweep.base"
        try:
            scenario = load_scenario(county.scenario, sweep_overrides | dict(county.overrides))
        except InputError as exc:
            problems.extend(_tagged(p, f"{where} ({county.name})") for p in exc.problems)
            continue
        loaded.append(scenario)
        counties[i] = County(county.name, county.scenario, county.overrides, scenario_hash(scenario),
                             scenario.population.size, scenario.scenario.years)
    problems.raise_if_any()
    first = loaded[0]
    dump = first.model_dump(mode="python")
    for i, block in blocks:
        for j, key in block_keys(block):
            at = f"vary[{i}].params[{j}].key" if j is not None else f"vary[{i}].key"
            problem = key_problem(dump, key)
            if problem:
                add(at, problem[0], problem[1])
    replications = meta.replications or first.scenario.replications
    seed = meta.seed if meta.seed is not None else first.scenario.seed
    if seed is None:
        add("sweep.seed", "a sweep needs a seed (common random numbers across variants; resumable runs)",
            "set [sweep] seed or the base scenario's scenario.seed")
    problems.raise_if_any()

    variants = make_variants([b for _, b in blocks], int(seed), dump)
    keys = tuple(dict.fromkeys(k for v in variants for k, _ in v.params))
    where = {key: line_of(f"vary[{i}]", lines) for i, b in reversed(blocks) for _, key in block_keys(b)}
    validated: dict[tuple[str, str], Any] = {}
    variants = check_variants(variants, counties[0], sweep_overrides, file, where, validated, first)
    return Sweep(name=meta.name, file=path, replications=int(replications), seed=int(seed),
                 chunk_worlds=meta.chunk_worlds, metrics=tuple(meta.metrics), variants=tuple(variants),
                 counties=tuple(counties), keys=keys, overrides=tuple(sweep_overrides.items()),
                 base_values={k: get_path(dump, k) for k in keys}, validated=validated)


def _counties(raw: list[Any], base: Path, folder: Path, add) -> list[County]:
    """The ``[[county]]`` tables as counties (names and scenario files checked), or the base."""
    if not raw:
        return [County(base.stem, base)]
    out, seen = [], set()
    for i, c in enumerate(raw):
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
        elif c.scenario and not scenario.is_file():
            add(f"county[{i}].scenario", f"scenario not found: {scenario}",
                "relative paths are taken from the sweep file's folder")
        out.append(County(c.name, scenario, tuple(_flat(c.overrides).items())))
    return out


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


def _tagged(p: Problem, where: str) -> Problem:
    return Problem(p.path, f"{p.message} [{where}]", file=p.file, line=p.line, hint=p.hint)
