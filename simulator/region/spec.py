"""Region files (统筹区): several county communities and the city hospitals under one points pool.

A region file (TOML) names the counties of one pooling region (each a scenario file and/or
overrides, as a batch names its counties), the region's inpatient points pool and the city
hospitals that receive the counties' out-of-county patients::

    [region]
    name = "示例市"
    start_year = 2026              # every county's scenario.start_year must be this year
    years = 3                      # set in every county
    replications = 100
    seed = 20261203
    chunk_worlds = 25              # worlds per task (executors, resume)

    [region.pool]                  # the shared points pool (区域点数法总额预算)
    method = "drg"                 # drg | dip: the counties' cells of this method share one point value
    mode = "floating"              # floating (default) | fixed
    basis = "budget"               # budget: Σ counties' budget × pool share (以收定支); history: last pool × (1 + growth)
    share = 0.4                    # optional pool share of every county's budget (default: each county's base-year share)
    growth = 0.0                   # basis = history
    point_value = 62.0             # optional: else the first county's
    point_value_band = [0.9, 1.1]  # optional, as payment.<method>.point_value_band
    point_value_floor = 0.0
    outside_other = "fixed"        # out-of-region cases (tier outside_other): own rules, at the
                                   # budget point value ("fixed"), or in the pool ("pool")

    [region.shocks]
    epidemic_correlation = 1.0     # 1: an epidemic year hits every county; 0: independent counties

    [region.uncertainty]           # region-level parameter uncertainty: like a scenario's
    [[region.uncertainty.param]]   # [uncertainty], one draw per world for every county
    key = "dynamics.cost_inflation"
    distribution = "normal"
    mean = 0.03
    sd = 0.01

    [[region.county]]
    name = "甲县"
    scenario = "reference.toml"    # relative to this file
    overrides = { "population.size" = 120_000 }
    community = true               # false: city residents (市辖区 insured): in the pool, no community settlement

    [[region.hospital]]            # a city hospital (tier outside_agreement of its counties)
    name = "市人民医院"
    beds = 1200                    # 0: unconstrained
    capability = 4                 # most severe case treated
    quality = 0.9
    cost_multiplier_inpatient = 2.6    # × the county hospital's admission cost
    cost_multiplier_outpatient = 1.6
    shares = { "甲县" = 0.7, "乙县" = 1.0 }   # share of each county's outside_agreement care

Every county's shares over the hospitals sum to 1. A county's ``outside_agreement`` tier takes
its hospitals' share-weighted quality and cost multipliers, the most capable hospital's
capability, and its part of their beds (each hospital's beds split over its counties in
proportion to share × insured persons; docs/region.md). Checks run in one pass and name the
file, key and line: unknown keys (did-you-mean), county files, duplicate names, start years and
tier lists that differ, shares that do not sum to 1, hospitals naming unknown counties, and
every county scenario with the region's settings applied.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Mapping

from pydantic import Field, ValidationError

from simulator.errors import InputError, ProblemList, did_you_mean, line_of, problems_from_pydantic, read_toml
from simulator.scenario.fields import (
    Multiplier, Persons, Rate, Replications, SeedInt, Share, StrictTable,
)
from simulator.uncertainty.table import UncertaintyTable

#: the ``county`` value of worlds.parquet's region rows
REGION_ROW = "(region)"
#: tolerance of a county's shares over the city hospitals summing to 1
SHARE_TOLERANCE = 1e-9
#: the pool's keys and the ``payment.<method>`` keys they set in every county
POOL_KEYS = {"mode": "mode", "basis": "pool_basis", "share": "pool_share", "growth": "pool_growth",
             "point_value": "point_value", "point_value_band": "point_value_band",
             "point_value_floor": "point_value_floor"}


class RegionMeta(StrictTable):
    """``[region]``: the region's name, years, worlds and seed (set in every county)."""

    name: str = Field(min_length=1, description="Short name; results go to results/<name>/.")
    description: str = ""
    start_year: int = Field(ge=1900, le=2200, description="First simulated year; every county's must match.")
    years: int = Field(ge=1, le=100, description="Reported years (a base year is simulated first).")
    replications: Replications = Field(description="Worlds (Monte Carlo replications), shared by every county.")
    seed: SeedInt = Field(description="Master seed: world keys, region shocks and parameter draws.")
    chunk_worlds: int = Field(default=25, ge=1, le=100_000, description="Worlds per task (executors, resume).")
    pool: "RegionPool"
    shocks: "RegionShocks" = Field(default_factory=lambda: RegionShocks())
    uncertainty: UncertaintyTable = Field(default_factory=UncertaintyTable)
    county: list["RegionCounty"] = Field(min_length=1)
    hospital: list["CityHospital"] = Field(default_factory=list)


class RegionPool(StrictTable):
    """``[region.pool]``: the points method the counties value over one pool, and the pool."""

    method: Literal["drg", "dip"]
    mode: Literal["fixed", "floating"] = "floating"
    basis: Literal["budget", "history"] = Field(default="budget", description=(
        "budget: Σ counties' budget × pool share (以收定支); history: last year's pool × (1 + growth)."))
    share: Share | None = Field(default=None, description="Pool share of each county's budget (default: "
                                                          "each county's base-year share).")
    growth: Rate = 0.0
    point_value: float | None = Field(default=None, gt=0.0, description="Yuan per point (default: the first county's).")
    point_value_band: list[float] | None = None
    point_value_floor: float | None = Field(default=None, ge=0.0)
    outside_other: Literal["fixed", "pool"] = Field(default="fixed", description=(
        "Out-of-region cases: valued at the budget point value (their own rules) or in the pool."))


class RegionShocks(StrictTable):
    """``[region.shocks]``: how region-wide shocks hit the counties."""

    epidemic_correlation: Share = Field(default=1.0, description=(
        "Gaussian-copula correlation of counties' epidemic draws: 1 every county in the same years."))


class RegionCounty(StrictTable):
    """``[[region.county]]``: a member of the pool."""

    name: str = Field(min_length=1)
    scenario: str | None = Field(default=None, description="Scenario file (relative to the region file).")
    overrides: dict[str, Any] = Field(default_factory=dict)
    community: bool = Field(default=True, description="false: city residents, no community budget settlement.")


class CityHospital(StrictTable):
    """``[[region.hospital]]``: a city hospital receiving counties' out-of-county patients."""

    name: str = Field(min_length=1)
    beds: Persons | None = Field(default=None, description="Beds (0: unconstrained); default the counties' own.")
    capability: int | None = Field(default=None, ge=0, le=4)
    quality: Share | None = None
    cost_multiplier_inpatient: Multiplier | None = None
    cost_multiplier_outpatient: Multiplier | None = None
    shares: dict[str, Share] = Field(min_length=1, description="County name -> share of its outside_agreement care.")


class RegionFile(StrictTable):
    region: RegionMeta


RegionMeta.model_rebuild()
RegionFile.model_rebuild()


@dataclass(frozen=True)
class RegionCountySpec:
    """A county of a loaded region: its validated scenario (the region's settings applied)."""

    name: str
    scenario: Any            # simulator.scenario.Scenario
    community: bool
    file: Path | None


@dataclass(frozen=True)
class Region:
    """A validated region file (see the module docstring)."""

    meta: RegionMeta
    counties: tuple[RegionCountySpec, ...]
    hospitals: tuple[CityHospital, ...]
    file: Path | None
    hospital_weights: dict[str, dict[str, float]]   # hospital -> county -> share of the county's tier-4 care

    @property
    def name(self) -> str:
        return self.meta.name

    def fingerprint(self) -> str:
        """sha256 of everything that decides the region's worlds (resume checks it)."""
        from simulator.scenario import scenario_hash

        doc = {"meta": self.meta.model_dump(mode="json"),
               "counties": [[c.name, scenario_hash(c.scenario), c.community] for c in self.counties]}
        return hashlib.sha256(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()

    def with_run(self, *, replications: int | None = None, seed: int | None = None) -> "Region":
        """The region with another world count or seed (``--replications``, ``--seed``)."""
        if replications is None and seed is None:
            return self
        meta = self.meta.model_copy(update={k: v for k, v in (("replications", replications), ("seed", seed))
                                            if v is not None})
        counties = tuple(RegionCountySpec(c.name, _set_run(c.scenario, meta), c.community, c.file)
                         for c in self.counties)
        return Region(meta, counties, self.hospitals, self.file, self.hospital_weights)


def is_region_file(path: str | Path) -> bool:
    """Whether ``path`` is a TOML file whose top-level table is ``[region]`` (read lightly)."""
    import tomllib

    try:
        p = Path(path)
        if not p.is_file() or p.stat().st_size > 10 * 2**20:
            return False
        return "region" in tomllib.loads(p.read_text(encoding="utf-8")) and True
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return False


def load_region(source: str | Path, overrides: tuple[str, ...] | list[str] = (), *,
                region_values: Mapping[str, Any] | None = None,
                county_values: Mapping[str, Mapping[str, Any]] | None = None) -> Region:
    """Read and validate a region file; raise :class:`InputError` listing every problem.

    ``overrides`` (``--set``) apply to every county's scenario. A sweep over the region
    (:mod:`simulator.region.sweep`) passes its values already parsed:

    ``region_values``
        dotted keys of the ``[region]`` table (``pool.share``, ``shocks.epidemic_correlation``,
        ``hospital[0].beds``) set in the file's data before it is validated; their problems are
        reported under ``region.KEY``.
    ``county_values``
        county name -> {dotted scenario key: value}, applied to that county's scenario after its
        own ``overrides`` and ``overrides`` (``--set``), before the keys the region sets (years,
        worlds, seed, the pool's keys); their problems are reported under
        ``region.county[i].overrides.KEY``.
    """
    from simulator.batch.spec import _flat, _resolve
    from simulator.scenario import load_scenario
    from simulator.scenario.load import parse_overrides

    path = Path(source)
    data, lines = read_toml(path, what="region file")
    file = str(path)
    problems = ProblemList(title=f"invalid region {file}")

    def add(key: str, message: str, hint: str | None = None) -> None:
        problems.add(key, message, file=file, line=line_of(key, lines), hint=hint)

    if region_values:
        _set_region_values(data, region_values, add)
    county_values = {str(k): dict(parse_overrides(v)) for k, v in (county_values or {}).items()}
    try:
        meta = RegionFile.model_validate(data).region
    except ValidationError as exc:
        problems.extend(problems_from_pydantic(exc, file=file, lines=lines, model=RegionFile))
        problems.raise_if_any()
        raise AssertionError("unreachable")  # pragma: no cover
    folder = path.resolve().parent
    set_items = parse_overrides(overrides)
    cli_keys = frozenset(key for key, _ in set_items)
    band = meta.pool.point_value_band
    if band is not None and not (len(band) == 2 and 0 < band[0] <= 1.0 <= band[1]):
        add("region.pool.point_value_band", f"expected [low, high] with 0 < low <= 1 <= high, got {band}")
    names = [c.name for c in meta.county]
    for name in county_values:
        if name not in names:
            add("region.county", f"values given for unknown county {name!r}",
                did_you_mean(name, names) or f"counties: {', '.join(names)}")
    seen: set[str] = set()
    for i, c in enumerate(meta.county):
        if c.name in seen:
            add(f"region.county[{i}].name", f"duplicate county name {c.name!r}", "every county needs its own name")
        if c.name == REGION_ROW:
            add(f"region.county[{i}].name", f"{REGION_ROW!r} names the region's own rows", "choose another name")
        seen.add(c.name)
        if c.scenario is None and not c.overrides:
            add(f"region.county[{i}].scenario", "a county needs a scenario file",
                "scenario = \"county.toml\" (relative to the region file)")
    weights = _hospital_weights(meta, names, add)
    hnames: set[str] = set()
    for j, h in enumerate(meta.hospital):
        if h.name in hnames:
            add(f"region.hospital[{j}].name", f"duplicate hospital name {h.name!r}")
        hnames.add(h.name)

    pool_sets = [(f"payment.{meta.pool.method}.{POOL_KEYS[k]}", v)
                 for k, v in meta.pool.model_dump().items() if k in POOL_KEYS and v is not None]
    loaded: list[tuple[int, RegionCounty, Path | None, dict[str, Any], Any]] = []
    tier_names: dict[tuple, str] = {}
    for i, c in enumerate(meta.county):
        where = f"region.county[{i}]"
        scenario_file = None
        if c.scenario is not None:
            scenario_file = _resolve(folder, c.scenario)
            from simulator.safety import HINT, MESSAGE, outside, safe_paths

            if safe_paths() and outside(scenario_file, folder):
                add(f"{where}.scenario", MESSAGE, HINT)
                continue
            if not scenario_file.is_file():
                add(f"{where}.scenario", f"scenario not found: {scenario_file}",
                    "relative paths are taken from the region file's folder")
                continue
        items = {**dict(_flat(c.overrides)), **dict(set_items), **county_values.get(c.name, {}),
                 **_region_sets(meta, pool_sets)}
        try:
            scenario = load_scenario(scenario_file if scenario_file is not None else {}, items, base_dir=folder)
        except InputError as exc:
            problems.extend(_located(p, where, c.name, file, lines, cli_keys) for p in exc.problems)
            continue
        if scenario.scenario.start_year != meta.start_year:
            add(f"{where}.scenario", f"county {c.name!r} starts in {scenario.scenario.start_year}, the "
                f"region in {meta.start_year}", "every county's scenario.start_year must be region.start_year")
        tiers = tuple(scenario.tiers.names)
        if tier_names and tiers not in tier_names:
            add(f"{where}.scenario", f"county {c.name!r} has tiers {list(tiers)}, "
                f"{next(iter(tier_names.values()))!r} has {list(next(iter(tier_names)))}",
                "every county needs the same tier list (tiers.names); enabled tiers may differ")
        tier_names.setdefault(tiers, c.name)
        loaded.append((i, c, scenario_file, items, scenario))
    problems.raise_if_any()
    sizes = {c.name: float(s.population.size) for _, c, _, _, s in loaded}
    counties: list[RegionCountySpec] = []
    for i, c, scenario_file, items, scenario in loaded:
        extra = _hospital_sets(scenario, c.name, meta, weights, sizes)
        if meta.uncertainty.param:
            if scenario.uncertainty.correlation is not None and meta.uncertainty.correlation is not None:
                add(f"region.county[{i}].scenario", f"county {c.name!r} and the region both declare "
                    "[uncertainty.correlation]", "declare correlations in one place")
                continue
            own = [p.model_dump(exclude_none=True) for p in scenario.uncertainty.param]
            extra["uncertainty.param"] = own + [p.model_dump(exclude_none=True) for p in meta.uncertainty.param]
            extra["uncertainty.enabled"] = meta.uncertainty.enabled
            if meta.uncertainty.correlation is not None:
                extra["uncertainty.correlation"] = meta.uncertainty.correlation.model_dump(exclude_none=True)
        if extra:
            try:
                scenario = load_scenario(scenario_file if scenario_file is not None else {},
                                         {**items, **extra}, base_dir=folder)
            except InputError as exc:
                problems.extend(_located(p, f"region.county[{i}]", f"{c.name}, with the region's city hospitals "
                                         "and uncertainty", file, lines, cli_keys) for p in exc.problems)
                continue
        counties.append(RegionCountySpec(c.name, scenario, c.community, scenario_file))
    problems.raise_if_any()
    _check_pool_cells(meta, counties, add)
    problems.raise_if_any()
    return Region(meta, tuple(counties), tuple(meta.hospital), path, weights)


def _set_region_values(data: dict[str, Any], values: Mapping[str, Any], add) -> None:
    """Set ``values`` (dotted keys below ``[region]``) in a region file's data, in place."""
    from simulator.scenario.load import _BadPath, _plain, _set_path

    table = data.get("region")
    if not isinstance(table, dict):
        return  # reported by validation
    for key, value in values.items():
        try:
            _set_path(table, key, _plain(value))
        except _BadPath as exc:
            add(f"region.{key}", f"cannot set this key: {exc}")


def _located(problem: Any, where: str, name: str, file: str, lines: dict[str, int],
             cli_keys: frozenset[str] = frozenset()) -> Any:
    """A county scenario's problem, tagged with its county. One that an override caused (``--set``
    as far as the scenario knows) stays ``--set`` when the command line set that key
    (``cli_keys``), points at ``region.pool`` for the pool's keys, and else at the county's
    entry of the region file."""
    from simulator.errors import Problem
    from simulator.scenario.load import SET_ORIGIN

    message = f"{problem.message} [{where} ({name})]"
    if problem.file == SET_ORIGIN and any(problem.path == k or problem.path.startswith((k + ".", k + "["))
                                          or k.startswith((problem.path + ".", problem.path + "["))
                                          for k in cli_keys):
        return Problem(problem.path, message, file=SET_ORIGIN, hint=problem.hint)
    pool_key = {f".{v}": k for k, v in POOL_KEYS.items()}
    for suffix, key in pool_key.items():
        if problem.file == SET_ORIGIN and problem.path.startswith("payment.") and \
                problem.path.split("[")[0].endswith(suffix):
            return Problem(f"region.pool.{key}", message, file=file, line=line_of(f"region.pool.{key}", lines),
                           hint=problem.hint)
    if problem.file == SET_ORIGIN:
        line = line_of(f"{where}.overrides", lines) or line_of(where, lines)
        return Problem(f"{where}.overrides.{problem.path}", message, file=file, line=line, hint=problem.hint)
    return Problem(problem.path, message, file=problem.file, line=problem.line, hint=problem.hint)


def _region_sets(meta: RegionMeta, pool_sets: list) -> dict[str, Any]:
    """The keys the region sets in a county's scenario: years, worlds, seed and the pool."""
    out: dict[str, Any] = {"scenario.years": meta.years, "scenario.replications": meta.replications,
                           "scenario.seed": meta.seed}
    out.update(dict(pool_sets))
    return out


def _set_run(scenario: Any, meta: RegionMeta) -> Any:
    return scenario.model_copy(update={"scenario": scenario.scenario.model_copy(
        update={"seed": meta.seed, "replications": meta.replications})})


def _hospital_weights(meta: RegionMeta, names: list[str], add) -> dict[str, dict[str, float]]:
    """hospital -> county -> share; every county's shares over the hospitals sum to 1."""
    known = set(names)
    totals: dict[str, float] = {}
    out: dict[str, dict[str, float]] = {}
    for j, h in enumerate(meta.hospital):
        out[h.name] = {}
        for county, share in h.shares.items():
            if county not in known:
                add(f"region.hospital[{j}].shares.{county}", f"unknown county {county!r}",
                    did_you_mean(county, names) or f"counties: {', '.join(names)}")
                continue
            out[h.name][county] = float(share)
            totals[county] = totals.get(county, 0.0) + float(share)
    for county, total in totals.items():
        if not math.isclose(total, 1.0, rel_tol=0.0, abs_tol=SHARE_TOLERANCE):
            listed = ", ".join(f"{h}: {w[county]:g}" for h, w in out.items() if county in w)
            j = next(j for j, h in enumerate(meta.hospital) if county in h.shares)
            add(f"region.hospital[{j}].shares.{county}", f"county {county!r}'s shares over the city "
                f"hospitals sum to {total:.6g} ({listed})",
                "each county's shares across the city hospitals must sum to 1")
    return out


def _hospital_sets(scenario: Any, name: str, meta: RegionMeta, weights, sizes: dict[str, float]) -> dict[str, Any]:
    """``tiers.<field>[4]`` overrides giving a county's outside_agreement tier its city hospitals'
    share-weighted quality and cost multipliers, the most capable one's capability, and its part
    of their beds (none when no hospital serves the county)."""
    from simulator.constants import OUTSIDE_AGREEMENT as T

    mine = [(h, weights[h.name][name]) for h in meta.hospital if name in weights.get(h.name, {})]
    if not mine:
        return {}
    tiers = scenario.tiers

    def own(h: CityHospital, field: str) -> Any:
        value = getattr(h, field)
        return value if value is not None else getattr(tiers, field)[T]

    out: dict[str, Any] = {}
    for field in ("quality", "cost_multiplier_inpatient", "cost_multiplier_outpatient"):
        out[f"tiers.{field}[{T}]"] = float(sum(w * own(h, field) for h, w in mine))
    out[f"tiers.capability[{T}]"] = int(max(own(h, "capability") for h, w in mine if w > 0))
    beds = 0.0
    for h, w in mine:
        if w <= 0:
            continue
        if own(h, "beds") == 0:
            beds = 0.0
            break
        served = sum(share * sizes.get(c, 0.0) for c, share in weights[h.name].items())
        beds += own(h, "beds") * w * sizes[name] / served
    else:
        beds = max(1.0, round(beds))
    out[f"tiers.beds[{T}]"] = int(beds)
    return out


def _check_pool_cells(meta: RegionMeta, counties: list[RegionCountySpec], add) -> None:
    """The pool's method pays some cell in at least one county."""
    from simulator.payment.registry import method_cells

    code = meta.pool.method
    if not any(code in method_cells(c.scenario.payment) for c in counties):
        add("region.pool.method", f"no county pays any cell by {code!r}",
            f"set [payment] inpatient = [\"{code}\", ...] in the counties' scenarios, or pool another method")
