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

import hashlib
import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import Field, ValidationError

from simulator.errors import (InputError, Problem, ProblemList, did_you_mean, line_of,
                              problems_from_pydantic, read_toml)
from simulator.batch.sampling import check_sample, draw_sample
from simulator.indicators import BY_KEY
from simulator.scenario.fields import StrictTable
from simulator.scenario.load import get_path

DEFAULT_METRICS = ("balance_rate", "fund_spending", "retained_surplus", "community_net",
                   "county_visit_share", "primary_visit_share", "effective_reimbursement_rate")
KINDS = ("grid", "oat", "sample")
_NAME = re.compile(r"^\w[\w.\-]*$")


# ---------------------------------------------------------------------------------- schema
class _SweepTable(StrictTable):
    name: str = Field(min_length=1)
    base: str = Field(min_length=1)
    replications: int | None = Field(default=None, ge=1)
    seed: int | None = Field(default=None, ge=0)
    chunk_worlds: int = Field(default=10, ge=1)
    metrics: list[str] = Field(default=list(DEFAULT_METRICS), min_length=1)
    overrides: dict[str, Any] = Field(default_factory=dict)


class _Grid(StrictTable):
    kind: Literal["grid"]
    key: str
    values: list[Any] = Field(min_length=1)


class _Oat(StrictTable):
    kind: Literal["oat"]
    key: str
    low: Any
    high: Any


class _Param(StrictTable):
    key: str
    distribution: Literal["uniform", "normal", "lognormal", "beta", "triangular"]
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    sd: float | None = None
    a: float | None = None
    b: float | None = None
    mode: float | None = None


class _Sample(StrictTable):
    kind: Literal["sample"]
    method: Literal["lhs", "sobol"] = "lhs"
    n: int = Field(ge=1)
    params: list[_Param] = Field(min_length=1)


class _County(StrictTable):
    name: str
    scenario: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)


class _SweepFile(StrictTable):
    sweep: _SweepTable
    vary: list[dict[str, Any]] = Field(default_factory=list)
    county: list[_County] = Field(default_factory=list)


_BLOCKS = {"grid": _Grid, "oat": _Oat, "sample": _Sample}


# ---------------------------------------------------------------------------------- results
#: validated variant scenarios a sweep keeps for its workers (about 30 KiB each)
MAX_PREPARED = 1024


@dataclass(frozen=True)
class Variant:
    """One design of the sweep: ``params`` are (dotted scenario key, value) overrides."""

    id: str
    label: str
    kind: str                                  # base | grid | oat | sample
    params: tuple[tuple[str, Any], ...] = ()
    oat: tuple[str, str] | None = None         # (key, "low" | "high") of an OAT variant
    problems: tuple[Problem, ...] = ()         # why the variant's values do not validate


@dataclass(frozen=True)
class County:
    """A county of the sweep: its scenario file and overrides on it."""

    name: str
    scenario: Path
    overrides: tuple[tuple[str, Any], ...] = ()
    hash: str = ""
    people: int = 0                            # population.size of the county's scenario
    years: int = 0                             # scenario.years (the base year comes on top)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep (what :func:`load_sweep` returns)."""

    name: str
    file: Path | None
    replications: int
    seed: int
    chunk_worlds: int
    metrics: tuple[str, ...]
    variants: tuple[Variant, ...]
    counties: tuple[County, ...]
    keys: tuple[str, ...]                      # every varied key, in order of first appearance
    overrides: tuple[tuple[str, Any], ...] = ()
    base_values: dict[str, Any] = field(default_factory=dict, compare=False)
    #: (variant id, county name) -> the Scenario validated while loading the sweep (at most
    #: :data:`MAX_PREPARED`), handed to the workers so they do not validate it again
    prepared: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def has_oat(self) -> bool:
        return any(v.kind == "oat" for v in self.variants)

    def overrides_for(self, variant: Variant, county: County) -> dict[str, Any]:
        """Overrides of one (variant, county) scenario: sweep, then county, then variant."""
        return dict(self.overrides) | dict(county.overrides) | dict(variant.params)

    def person_years(self, variant: Variant, county: County) -> float:
        """Person-years one world of (variant, county) simulates, base year included.

        For estimates only (the local executor's choice of threads or processes): a variant
        that varies ``population.size`` or ``scenario.years`` counts with its own value.
        """
        values = dict(variant.params)
        people = values.get("population.size", county.people)
        years = values.get("scenario.years", county.years)
        try:
            return float(people) * (float(years) + 1.0)
        except (TypeError, ValueError):  # an invalid variant value: it will fail, not run
            return 0.0

    def fingerprint(self) -> str:
        """Hash of everything that decides the results (resume refuses a changed sweep)."""
        doc = {"seed": self.seed, "replications": self.replications, "chunk": self.chunk_worlds,
               "overrides": self.overrides, "keys": self.keys,
               "variants": [(v.id, v.params) for v in self.variants],
               "counties": [(c.name, c.hash, c.overrides) for c in self.counties]}
        text = json.dumps(doc, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# ---------------------------------------------------------------------------------- loading
def load_sweep(source: str | Path) -> Sweep:
    """Read and validate a sweep file; raise :class:`InputError` listing every problem."""
    path = Path(source)
    data, lines = read_toml(path, what="sweep file")
    lines.update(_param_lines(path.read_text(encoding="utf-8")))
    file = str(path)
    problems = ProblemList(title=f"invalid sweep {file}")

    def add(key: str, message: str, hint: str | None = None) -> None:
        problems.add(key, message, file=file, line=line_of(key, lines), hint=hint)

    try:
        top = _SweepFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(p for p in problems_from_pydantic(exc, file=file, lines=lines, model=_SweepFile)
                        if not p.path.startswith("vary["))  # blocks are checked by kind below
        top = None
    blocks = _check_blocks(data.get("vary", []), add, file, lines, problems)
    if top is None:  # the schema failed, so there are problems to raise
        problems.raise_if_any()
    folder = path.resolve().parent
    meta = top.sweep
    for i, metric in enumerate(meta.metrics):
        if metric not in BY_KEY:
            add(f"sweep.metrics[{i}]", f"unknown indicator '{metric}'",
                did_you_mean(metric, BY_KEY) or "see simulator.indicators")
    base = _resolve(folder, meta.base)
    if not base.is_file():
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
        for j, key in _block_keys(block):
            at = f"vary[{i}].params[{j}].key" if j is not None else f"vary[{i}].key"
            problem = _key_problem(dump, key)
            if problem:
                add(at, problem[0], problem[1])
    replications = meta.replications or first.scenario.replications
    seed = meta.seed if meta.seed is not None else first.scenario.seed
    if seed is None:
        add("sweep.seed", "a sweep needs a seed (common random numbers across variants; resumable runs)",
            "set [sweep] seed or the base scenario's scenario.seed")
    problems.raise_if_any()

    variants = _variants([b for _, b in blocks], int(seed), dump)
    keys = tuple(dict.fromkeys(k for v in variants for k, _ in v.params))
    where = {key: line_of(f"vary[{i}]", lines) for i, b in reversed(blocks) for _, key in _block_keys(b)}
    prepared: dict[tuple[str, str], Any] = {}
    variants = _check_variants(variants, counties[0], sweep_overrides, file, where, prepared, first)
    return Sweep(name=meta.name, file=path, replications=int(replications), seed=int(seed),
                 chunk_worlds=meta.chunk_worlds, metrics=tuple(meta.metrics), variants=tuple(variants),
                 counties=tuple(counties), keys=keys, overrides=tuple(sweep_overrides.items()),
                 base_values={k: get_path(dump, k) for k in keys}, prepared=prepared)


def _check_blocks(raw: Any, add, file: str, lines: dict[str, int],
                  problems: ProblemList) -> list[tuple[int, Any]]:
    """Validate each ``[[vary]]`` block by its kind; return (index, block) of the valid ones."""
    if not isinstance(raw, list):
        return []  # reported by the schema ("vary" must be an array of tables)
    blocks = []
    for i, item in enumerate(raw):
        at = f"vary[{i}]"
        if not isinstance(item, dict):
            add(at, "must be a table [[vary]]")
            continue
        kind = item.get("kind")
        if kind not in _BLOCKS:
            hint = did_you_mean(str(kind), KINDS) if isinstance(kind, str) else None
            add(f"{at}.kind", "required key is missing" if kind is None else f"unknown kind {kind!r}",
                hint or f"one of {', '.join(KINDS)}")
            continue
        model = _BLOCKS[kind]
        try:
            block = model.model_validate(item)
        except ValidationError as exc:
            problems.extend(problems_from_pydantic(exc, file=file, prefix=at, lines=lines, model=model))
            continue
        before = len(problems.items)
        if isinstance(block, _Sample):
            check_sample(block, at, add)
        if len(problems.items) == before:
            blocks.append((i, block))
    return blocks


def _counties(raw: list[_County], base: Path, folder: Path, add) -> list[County]:
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
        if c.scenario and not scenario.is_file():
            add(f"county[{i}].scenario", f"scenario not found: {scenario}",
                "relative paths are taken from the sweep file's folder")
        out.append(County(c.name, scenario, tuple(_flat(c.overrides).items())))
    return out


def _block_keys(block: Any) -> list[tuple[int | None, str]]:
    if isinstance(block, _Sample):
        return [(j, p.key) for j, p in enumerate(block.params)]
    return [(None, block.key)]


# ---------------------------------------------------------------------------------- variants
def _variants(blocks: list[Any], seed: int, dump: dict[str, Any]) -> list[Variant]:
    made: list[tuple[str, str, tuple, tuple | None]] = []
    grids = [b for b in blocks if isinstance(b, _Grid)]
    if grids:
        for combo in itertools.product(*[b.values for b in grids]):
            params = tuple((b.key, v) for b, v in zip(grids, combo))
            made.append(("grid", _label(params), params, None))
    oats = [b for b in blocks if isinstance(b, _Oat)]
    if oats:
        made.append(("base", "base", (), None))
        for b in oats:
            made.append(("oat", f"{b.key}=low({_show(b.low)})", ((b.key, b.low),), (b.key, "low")))
            made.append(("oat", f"{b.key}=high({_show(b.high)})", ((b.key, b.high),), (b.key, "high")))
    for index, b in enumerate(x for x in blocks if isinstance(x, _Sample)):
        for params in draw_sample(b, seed, index, dump):
            made.append(("sample", _label(params), params, None))
    if not made:
        made.append(("base", "base", (), None))
    width = max(4, len(str(len(made) - 1)))
    return [Variant(f"v{i:0{width}d}", label, kind, params, oat)
            for i, (kind, label, params, oat) in enumerate(made)]


def _check_variants(variants: list[Variant], county: County, sweep_overrides: dict, file: str,
                    where: dict[str, int | None], prepared: dict[tuple[str, str], Any],
                    base: Any) -> list[Variant]:
    """Load the base scenario with each variant's values; keep the problems of those that fail.

    A problem with a varied key is reported at the ``[[vary]]`` block that sets it. The first
    :data:`MAX_PREPARED` valid scenarios go into ``prepared`` (``base``: the county's own)."""
    from simulator.scenario.load import SET_ORIGIN, load_scenario

    def place(p: Problem) -> Problem:
        if p.file != SET_ORIGIN:
            return p
        key = next((k for k in where if p.path == k or p.path.startswith((k + ".", k + "["))), None)
        return Problem(p.path, p.message, file=file, line=where.get(key) if key else None, hint=p.hint)

    out = []
    for v in variants:
        scenario = base
        if v.params:
            try:
                scenario = load_scenario(county.scenario, sweep_overrides | dict(county.overrides) | dict(v.params))
            except InputError as exc:
                v = Variant(v.id, v.label, v.kind, v.params, v.oat, tuple(place(p) for p in exc.problems))
                scenario = None
        if scenario is not None and len(prepared) < MAX_PREPARED:
            prepared[(v.id, county.name)] = scenario
        out.append(v)
    return out


# ---------------------------------------------------------------------------------- helpers
def _key_problem(dump: Mapping[str, Any], key: str) -> tuple[str, str | None] | None:
    """Why ``key`` is not a dotted key of the scenario (with a did-you-mean), or None."""
    node: Any = dump
    walked = ""
    for part in key.split("."):
        m = re.fullmatch(r"([^\[\]]+)(?:\[(\d+)\])?", part.strip())
        if node is None:
            return None  # inside an optional table left empty: loading the variant decides
        if m is None:
            return f"bad key segment {part!r} in {key!r}", "keys are dotted paths, e.g. budget.risk_reserve"
        if not isinstance(node, Mapping):
            return f"{walked} is a value, not a table", None
        name = m.group(1)
        if name not in node:
            where = f"'{walked}'" if walked else "the scenario"
            return (f"unknown scenario key {key!r} ({name!r} is not in {where})",
                    did_you_mean(name, [str(k) for k in node]))
        walked = f"{walked}.{name}" if walked else name
        node = node[name]
        if m.group(2) is not None:
            if not isinstance(node, list) or int(m.group(2)) >= len(node):
                size = len(node) if isinstance(node, list) else 0
                return f"{walked}[{m.group(2)}] is out of range ({walked} has {size} values)", None
            node = node[int(m.group(2))]
    return None


def _param_lines(text: str) -> dict[str, int]:
    """Lines of ``[[vary.params]]`` tables and their keys as ``vary[i].params[j].key``.

    (The generic scanner numbers ``vary.params`` across all blocks, not within each ``[[vary]]``.)
    """
    out: dict[str, int] = {}
    i, j, table = -1, -1, ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line == "[[vary]]":
            i, j, table = i + 1, -1, ""
        elif line == "[[vary.params]]" and i >= 0:
            j += 1
            table = f"vary[{i}].params[{j}]"
            out.setdefault(f"vary[{i}].params", number)
            out[table] = number
        elif line.startswith("["):
            table = ""
        elif table and "=" in line:
            out[f"{table}.{line.split('=', 1)[0].strip()}"] = number
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


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def _label(params: tuple[tuple[str, Any], ...]) -> str:
    return ", ".join(f"{k}={_show(v)}" for k, v in params)


def describe(variant: Variant) -> str:
    """``v0003 (budget.risk_reserve=0.07)`` for messages."""
    return f"{variant.id} ({variant.label})"
