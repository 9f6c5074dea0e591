"""Sweeps over a region (统筹区): a sweep file whose ``[sweep] base`` is a region file.

``mcsim batch SWEEP`` varies keys of a region like those of a scenario (every ``[[vary]]``
kind: grid, oat, sample; the sweep file format is in :mod:`simulator.batch.spec`). A varied
key, or a key of ``[sweep] overrides``, is one of:

``region.KEY``
    a key of the region file's ``[region]`` table (``region.pool.share``,
    ``region.pool.point_value_band``, ``region.shocks.epidemic_correlation``,
    ``region.hospital[0].beds``), set in the region before it is validated. Not variable:
    ``region.name``, ``description``, ``start_year`` and ``years`` (every variant covers the same
    years), ``replications``, ``seed`` and ``chunk_worlds`` (the sweep's own ``[sweep]`` keys) and
    ``region.county`` (see the next two forms);
``KEY``
    a scenario key set in every county (``budget.risk_reserve``);
``county.NAME.KEY``
    a scenario key set in the county named NAME only (``county.county-a.budget.risk_reserve``).
    NAME is one key segment, the county's name exactly as in the region file (checked, with a
    did-you-mean); a county whose name holds ``.``, ``[`` or ``]`` cannot be named this way.

A county's scenario takes, in order: its own overrides in the region file, the sweep's
``overrides`` for every county, then for that county, the variant's values for every county,
then for that county, and last the keys the region sets (years, worlds, seed, the pool's
keys). The keys the region sets cannot be varied as county keys (``scenario.years``,
``scenario.seed``, ``payment.<pool method>.pool_share`` ...): the message names the region key
to vary instead. ``[[county]]`` tables are not allowed (the counties are the region's).

A task is variant × world-chunk and simulates every county of its worlds, coupled by the pool
(:mod:`simulator.region.sweep_worker`); its part holds the worlds rows of every county and of the
region (``county = "(region)"``), so ``summary.csv`` has a row per variant × county (and region)
× year × metric. Every variant uses the sweep's seed and the same global world indices: a
one-variant sweep's region rows are ``mcsim run REGION.toml``'s worlds to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from simulator.batch.schema import block_keys
from simulator.batch.sweep import MAX_VALIDATED, County, Sweep, Variant
from simulator.batch.variants import key_problem, make_variants
from simulator.errors import InputError, Problem, did_you_mean, line_of
from simulator.region.spec import POOL_KEYS, REGION_ROW
from simulator.scenario.load import get_path

#: ``[region]`` keys a sweep cannot vary, and what to do instead
FIXED = {"name": "the region's name names its results", "description": "a description changes no result",
         "start_year": "every variant covers the same years", "years": "every variant covers the same years",
         "replications": "set [sweep] replications", "seed": "set [sweep] seed",
         "chunk_worlds": "set [sweep] chunk_worlds",
         "county": "vary county.NAME.KEY (one county) or KEY (every county)"}
#: scenario keys every county takes from the region
FROM_REGION = {"scenario.years": "region.years", "scenario.replications": "[sweep] replications",
               "scenario.seed": "[sweep] seed", "scenario.start_year": "region.start_year"}


@dataclass(frozen=True)
class Target:
    """Where a sweep key goes: ``scope`` "region" (``key`` below ``[region]``), "all" (a
    scenario key of every county) or "county" (a scenario key of county ``county``)."""

    scope: str
    key: str
    county: str | None = None


@dataclass(frozen=True)
class RegionSweep(Sweep):
    """A validated sweep over a region (``counties``: the region's, for the plan document)."""

    region_file: Path | None = None
    #: the base region with the sweep's overrides, worlds and seed
    region: Any = field(default=None, compare=False, repr=False)
    targets: dict[str, Target] = field(default_factory=dict, compare=False)

    @property
    def is_region(self) -> bool:
        return True

    @property
    def partitions(self) -> tuple[tuple[str, str], ...]:
        return (("variant", "string"),)

    @property
    def store_counties(self) -> tuple[str, ...]:
        return (*self.county_names, REGION_ROW)

    @property
    def county_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.counties)

    @property
    def worker(self) -> Any:
        from simulator.region.sweep_worker import run_region_bundle

        return run_region_bundle

    def values_for(self, variant: Variant) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
        """``load_region``'s ``region_values`` and ``county_values`` of a variant (module docstring)."""
        return split_values([*self.overrides, *variant.params], self.targets, self.county_names)

    def person_years(self, variant: Variant, county: County) -> float:
        """Person-years one world of the variant simulates over every county, base years included."""
        _, values = self.values_for(variant)
        total = 0.0
        for c in self.counties:
            own = values.get(c.name, {})
            try:
                total += float(own.get("population.size", c.people)) * (float(c.years) + 1.0)
            except (TypeError, ValueError):  # an invalid variant value: it will fail, not run
                return 0.0
        return total

    def fingerprint(self) -> str:
        import hashlib

        region = self.region.fingerprint() if self.region is not None else ""
        return hashlib.sha256(f"region:{region}:{super().fingerprint()}".encode()).hexdigest()[:16]


def target(key: str, names: list[str], method: str = "") -> tuple[Target | None, str | None, str | None]:
    """(target, problem, hint) of a sweep key (module docstring); a problem when it cannot be set
    (``method``: the region's pooled points method, whose pool keys are the region's)."""
    parts = key.split(".", 1)
    if parts[0] == "region":
        rest = parts[1] if len(parts) > 1 else ""
        head = rest.split(".")[0].split("[")[0].strip()
        if not rest:
            return None, f"{key!r} names no key of [region]", "e.g. region.pool.share"
        if head in FIXED:
            return None, f"region.{head} cannot be varied by a sweep", FIXED[head]
        return Target("region", rest), None, None
    if parts[0] == "county":
        rest = parts[1] if len(parts) > 1 else ""
        name, _, inner = rest.partition(".")
        if name not in names:
            hint = did_you_mean(name, names) or f"counties: {', '.join(names)}"
            odd = [n for n in names if any(ch in n for ch in ".[]")]
            if odd:
                hint += f" (a name with '.', '[' or ']' cannot be named in a key: {', '.join(odd)})"
            return None, f"unknown county {name!r} in {key!r}", hint
        if not inner:
            return None, f"{key!r} names no scenario key", f"e.g. county.{name}.budget.risk_reserve"
        return _county_target(Target("county", inner, name), method)
    return _county_target(Target("all", key), method)


def _county_target(t: Target, method: str) -> tuple[Target | None, str | None, str | None]:
    if t.key in FROM_REGION or t.key == "scenario":
        return None, f"every county takes {t.key} from the region", f"set {FROM_REGION.get(t.key, 'the region file')}"
    pooled = {f"payment.{method}.{v}": k for k, v in POOL_KEYS.items()}
    if t.key in pooled or t.key == f"payment.{method}" and method:
        return None, f"the region's pool sets the pooled method's keys ({t.key}) in every county", \
            f"vary region.pool.{pooled.get(t.key, 'share')}"
    return t, None, None


def split_values(items, targets: Mapping[str, Target], names: tuple[str, ...]):
    """(region values, county name -> scenario values) of (sweep key, value) pairs, in order:
    every-county values first, then each county's own (module docstring)."""
    region: dict[str, Any] = {}
    every: dict[str, Any] = {}
    own: dict[str, dict[str, Any]] = {n: {} for n in names}
    for key, value in items:
        t = targets[key]
        if t.scope == "region":
            region[t.key] = value
        elif t.scope == "all":
            every[t.key] = value
        else:
            own[t.county][t.key] = value
    return region, {n: {**every, **own[n]} for n in names}


def load_region_sweep(path: Path, data: Mapping[str, Any], meta: Any, blocks: list, base: Path,
                      lines: dict[str, int], problems: Any, add) -> RegionSweep:
    """The rest of :func:`simulator.batch.spec.load_sweep` for a region base (same pass: the
    problems found so far are raised with these)."""
    from simulator.batch.spec import _flat
    from simulator.region.spec import load_region

    file = str(path)
    if data.get("county"):
        add("county", "a sweep over a region takes its counties from the region file",
            "vary county.NAME.KEY for one county's keys, or KEY for every county's")
    plain = _load(lambda: load_region(base), problems)
    names = [c.name for c in plain.counties] if plain is not None else []
    method = plain.meta.pool.method if plain is not None else ""
    targets: dict[str, Target] = {}
    overrides = _flat(meta.overrides or {})
    if plain is not None:
        for key in overrides:
            t, problem, hint = target(key, names, method)
            if t is None:
                add(f"sweep.overrides.{key}", problem, hint)
            else:
                targets[key] = t
    region = plain
    if plain is not None and overrides and len(targets) == len(overrides):
        r_values, c_values = split_values(overrides.items(), targets, tuple(names))
        at = line_of("sweep.overrides", lines)
        region = _load(lambda: load_region(base, region_values=r_values, county_values=c_values), problems,
                       lambda p: _placed(p, list(overrides), targets, names, file, {k: at for k in overrides}))
    if (region or plain) is not None:
        dumps = _dumps(region or plain)
        for i, block in blocks:
            for j, key in block_keys(block):
                at = f"vary[{i}].params[{j}].key" if j is not None else f"vary[{i}].key"
                t, problem, hint = target(key, names, method)
                if t is None:
                    add(at, problem, hint)
                    continue
                targets[key] = t
                problem = key_problem(_dump_of(dumps, t), t.key)
                if problem:
                    message = problem[0].replace(repr(t.key), repr(key))
                    if t.scope == "region":
                        message = message.replace("scenario key", "region key").replace("the scenario", "[region]")
                    add(at, message, problem[1])
    problems.raise_if_any()
    replications = int(meta.replications or region.meta.replications)
    seed = int(meta.seed if meta.seed is not None else region.meta.seed)
    raw = data.get("sweep", {})
    chunk = int(meta.chunk_worlds if "chunk_worlds" in raw else region.meta.chunk_worlds)
    region = region.with_run(replications=replications, seed=seed)
    variants = make_variants([b for _, b in blocks], seed, dumps["combined"])
    keys = tuple(dict.fromkeys(k for v in variants for k, _ in v.params))
    where = {key: line_of(f"vary[{i}]", lines) for i, b in reversed(blocks) for _, key in block_keys(b)}
    validated: dict[tuple[str, str], Any] = {}
    checked = []
    for v in variants:
        found = region if not v.params else None
        if v.params:
            r_values, c_values = split_values([*overrides.items(), *v.params], targets, tuple(names))
            try:
                found = load_region(base, region_values=r_values, county_values=c_values).with_run(
                    replications=replications, seed=seed)
            except InputError as exc:
                placed = tuple(_placed(p, [k for k, _ in v.params], targets, names, file, where)
                               for p in exc.problems)
                v = Variant(v.id, v.label, v.kind, v.params, v.oat, placed)
        if found is not None and len(validated) * len(names) < MAX_VALIDATED:
            validated[(v.id, REGION_ROW)] = found
        checked.append(v)
    counties = tuple(County(c.name, c.file or base, (), _hash(c.scenario), int(c.scenario.population.size),
                            int(c.scenario.scenario.years)) for c in region.counties)
    base_values = {k: _value(dumps, targets[k]) for k in keys}
    return RegionSweep(name=meta.name, file=path, replications=replications, seed=seed, chunk_worlds=chunk,
                       metrics=tuple(meta.metrics), variants=tuple(checked), counties=counties, keys=keys,
                       overrides=tuple(overrides.items()), base_values=base_values, validated=validated,
                       region_file=base, region=region, targets=targets)


def _load(make, problems: Any, place=None) -> Any:
    """``make()``, or None with its problems (placed by ``place``) added."""
    try:
        return make()
    except InputError as exc:
        problems.extend(place(p) if place else p for p in exc.problems)
        return None


def _dumps(region: Any) -> dict[str, Any]:
    """The region table and each county's scenario as dicts, and all of them in one (the keys of
    a sample block are looked up in ``combined``: ``region.…``, ``county.NAME.…``, else the first
    county's)."""
    counties = {c.name: c.scenario.model_dump(mode="python") for c in region.counties}
    meta = region.meta.model_dump(mode="python")
    first = counties[region.counties[0].name]
    return {"region": meta, "counties": counties, "combined": {**first, "region": meta, "county": counties}}


def _dump_of(dumps: dict[str, Any], t: Target) -> Any:
    if t.scope == "region":
        return dumps["region"]
    return dumps["counties"][t.county] if t.scope == "county" else dumps["combined"]


def _value(dumps: dict[str, Any], t: Target) -> Any:
    try:
        return get_path(_dump_of(dumps, t), t.key)
    except KeyError:
        return None


def _hash(scenario: Any) -> str:
    from simulator.scenario import scenario_hash

    return scenario_hash(scenario)


def _placed(p: Problem, keys: list[str], targets: Mapping[str, Target], names: list[str], file: str,
            where: Mapping[str, int | None]) -> Problem:
    """A problem of the region loaded with a sweep's values, at the sweep key that set it (its
    line in the sweep file: ``where``); others (the region file's own) as they are."""
    for key in keys:
        t = targets.get(key)
        if t is None:
            continue
        if t.scope == "region":
            paths = [f"region.{t.key}"]
        else:
            index = [i for i, n in enumerate(names) if t.scope == "all" or n == t.county]
            paths = [f"region.county[{i}].overrides.{t.key}" for i in index]
        for path in paths:
            if p.path == path or p.path.startswith((path + ".", path + "[")):
                return Problem(key, p.message, file=file, line=where.get(key), hint=p.hint)
    return p
