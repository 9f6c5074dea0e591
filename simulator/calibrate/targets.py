"""The calibration file: targets to match and scenario parameters to fit (TOML).

::

    [calibration]                 # optional: how the objective simulates
    size = 20000                  # insured persons per evaluation (see simulator.calibrate.fit)
    replications = 8              # worlds per evaluation (common random numbers)
    seed = 1

    [[target]]
    key = "visits_per_person"     # an indicator (simulator.indicators) or a derived measure
    value = 6.8                   # the county's figure
    se = 0.2                      # its standard error (same unit), > 0
    year = 2026                   # optional: simulated year compared (default: the first)
    source = "county statistics 2024"   # optional note

    [[parameter]]
    key = "choice.outpatient.asc[3]"    # dotted scenario key, indexing allowed
    low = -2.0
    high = 2.0
    scale = "linear"              # or "log" (low > 0)

    [[parameter]]
    key = "demand.outpatient.rate_by_age"
    multiply = true               # fit one multiplier m of the whole vector (low/high bound m)
    low = 0.5
    high = 2.0
    scale = "log"

    [claims]                      # optional, for --claims: which measures to derive
    measures = ["visits_per_person", "cost_per_visit.county"]
    enrolled = 450000             # insured persons per year (claims only hold users)

A parameter file for ``--params`` has the same format (its targets, if any, are used too).
Every problem names the file, the key path (``target[2].key``) and its line, with a did-you-mean.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from simulator.errors import InputError, Problem, did_you_mean, line_of, read_toml
from simulator.scenario.load import get_path

_TOP = ("calibration", "target", "parameter", "claims")
_TARGET_KEYS = ("key", "value", "se", "year", "source")
_PARAM_KEYS = ("key", "low", "high", "scale", "multiply", "initial")
_SETTING_KEYS = ("size", "replications", "seed")
_CLAIMS_KEYS = ("measures", "enrolled")
_SEGMENT = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(\[(?P<index>\d+)\])?$")


@dataclass(frozen=True)
class Target:
    key: str
    value: float
    se: float
    year: int | None = None
    source: str = ""
    line: int | None = None
    file: str | None = None

    def year_from(self, start: int) -> int:
        """The calendar year of the target: its own, else the scenario's first (``start``)."""
        return self.year if self.year is not None else start


@dataclass(frozen=True)
class Parameter:
    key: str
    low: float
    high: float
    scale: str = "linear"
    multiply: bool = False
    initial: float | None = None
    line: int | None = None
    file: str | None = None

    def to_unit(self, value: float) -> float:
        """Value (or multiplier) -> position in [0, 1] of the fit's transformed space."""
        if self.scale == "log":
            u = (math.log(value) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        else:
            u = (value - self.low) / (self.high - self.low)
        return min(max(u, 0.0), 1.0)

    def from_unit(self, u: float) -> float:
        u = min(max(float(u), 0.0), 1.0)
        if self.scale == "log":
            return math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)


@dataclass(frozen=True)
class Settings:
    size: int | None = 20_000
    replications: int = 8
    seed: int | None = None


@dataclass
class CalibrationSpec:
    targets: list[Target] = field(default_factory=list)
    parameters: list[Parameter] = field(default_factory=list)
    settings: Settings = Settings()
    claims_measures: tuple[str, ...] | None = None
    enrolled: int | None = None
    file: str | None = None


def target_keys() -> tuple[str, ...]:
    """Every key a target may use: indicators and derived measures."""
    from simulator.calibrate.measures import KEYS as MEASURE_KEYS
    from simulator.indicators import KEYS as INDICATOR_KEYS

    return tuple(dict.fromkeys([*MEASURE_KEYS, *INDICATOR_KEYS]))


def load_targets(source: str | Path | Mapping[str, Any]) -> CalibrationSpec:
    """Read and validate a targets / parameters file; raise :class:`InputError` with every problem."""
    if isinstance(source, Mapping):
        data, lines, file = dict(source), {}, None
    else:
        data, lines = read_toml(Path(source), what="targets file")
        file = str(source)
    problems: list[Problem] = []

    def bad(path: str, message: str, hint: str | None = None) -> None:
        problems.append(Problem(path, message, file=file, line=line_of(path, lines), hint=hint))

    for key in data:
        if key not in _TOP:
            bad(key, "unknown table", did_you_mean(key, _TOP) or f"allowed: {', '.join(_TOP)}")
    spec = CalibrationSpec(file=file)
    spec.settings = _settings(data.get("calibration", {}), bad)
    keys = target_keys()
    seen: dict[tuple[str, int | None], str] = {}
    for i, entry in enumerate(_entries(data, "target", bad)):
        path = f"target[{i}]"
        if not _known(entry, _TARGET_KEYS, path, bad):
            continue
        key = _string(entry, "key", path, bad)
        if key is not None and key not in keys:
            bad(f"{path}.key", f"unknown target key {key!r}",
                did_you_mean(key, keys) or "see `simulator.calibrate.measures` and `simulator.indicators`")
            key = None
        value = _number(entry, "value", path, bad)
        se = _number(entry, "se", path, bad)
        if se is not None and not se > 0:
            bad(f"{path}.se", f"must be > 0, got {se:g}", "the standard error (uncertainty) of the value")
            se = None
        year = entry.get("year")
        if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
            bad(f"{path}.year", f"must be an integer year, got {year!r}")
            year = None
        source_note = entry.get("source", "")
        if not isinstance(source_note, str):
            bad(f"{path}.source", "must be a string")
            source_note = ""
        if key is not None and (key, year) in seen:
            bad(f"{path}.key", f"target {key!r} for year {year or 'default'} repeats {seen[(key, year)]}")
            continue
        if None not in (key, value, se):
            seen[(key, year)] = path
            spec.targets.append(Target(key, value, se, year, source_note, line_of(path, lines), file))
    named: dict[str, str] = {}
    for i, entry in enumerate(_entries(data, "parameter", bad)):
        path = f"parameter[{i}]"
        if not _known(entry, _PARAM_KEYS, path, bad):
            continue
        param = _parameter(entry, path, bad)
        if param is None:
            continue
        if param.key in named:
            bad(f"{path}.key", f"parameter {param.key!r} repeats {named[param.key]}")
            continue
        named[param.key] = path
        spec.parameters.append(Parameter(**{**param.__dict__, "line": line_of(path, lines), "file": file}))
    claims = data.get("claims", {})
    if not isinstance(claims, dict):
        bad("claims", "must be a table")
    elif _known(claims, _CLAIMS_KEYS, "claims", bad):
        spec.claims_measures, spec.enrolled = _claims(claims, bad)
    if problems:
        raise InputError(problems, title=f"invalid targets file {file or ''}".strip())
    return spec


def _entries(data: Mapping[str, Any], name: str, bad) -> list[dict[str, Any]]:
    entries = data.get(name, [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        bad(name, f"must be an array of tables: write each entry under [[{name}]]")
        return []
    return entries


def _known(entry: Mapping[str, Any], allowed: tuple[str, ...], path: str, bad) -> bool:
    ok = True
    for key in entry:
        if key not in allowed:
            bad(f"{path}.{key}", "unknown key", did_you_mean(key, allowed) or f"allowed: {', '.join(allowed)}")
            ok = False
    return ok


def _string(entry: Mapping[str, Any], name: str, path: str, bad) -> str | None:
    value = entry.get(name)
    if value is None:
        bad(f"{path}.{name}" if path else name, "required key is missing")
        return None
    if not isinstance(value, str) or not value:
        bad(f"{path}.{name}", f"must be a non-empty string, got {value!r}")
        return None
    return value


def _number(entry: Mapping[str, Any], name: str, path: str, bad, required: bool = True) -> float | None:
    value = entry.get(name)
    if value is None:
        if required:
            bad(f"{path}.{name}", "required key is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        bad(f"{path}.{name}", f"must be a finite number, got {value!r}")
        return None
    return float(value)


def _parameter(entry: Mapping[str, Any], path: str, bad) -> Parameter | None:
    key = _string(entry, "key", path, bad)
    if key is not None and not all(_SEGMENT.match(part) for part in key.split(".")):
        bad(f"{path}.key", f"{key!r} is not a dotted scenario key", "e.g. choice.outpatient.asc[3]")
        key = None
    low, high = _number(entry, "low", path, bad), _number(entry, "high", path, bad)
    initial = _number(entry, "initial", path, bad, required=False)
    scale = entry.get("scale", "linear")
    if scale not in ("linear", "log"):
        bad(f"{path}.scale", f"must be 'linear' or 'log', got {scale!r}", did_you_mean(str(scale), ("linear", "log")))
        scale = None
    multiply = entry.get("multiply", False)
    if not isinstance(multiply, bool):
        bad(f"{path}.multiply", f"must be true or false, got {multiply!r}")
        multiply = None
    ok = None not in (key, low, high, scale, multiply)
    if low is not None and high is not None and not low < high:
        bad(f"{path}.high", f"must be greater than low ({low:g}), got {high:g}")
        ok = False
    if scale == "log" and low is not None and low <= 0:
        bad(f"{path}.low", f"must be > 0 with scale = 'log', got {low:g}")
        ok = False
    if initial is not None and low is not None and high is not None and not low <= initial <= high:
        bad(f"{path}.initial", f"must lie within [low, high] = [{low:g}, {high:g}], got {initial:g}")
        ok = False
    return Parameter(key, low, high, scale, multiply, initial) if ok else None


def _settings(table: Any, bad) -> Settings:
    if not isinstance(table, dict):
        bad("calibration", "must be a table")
        return Settings()
    if not _known(table, _SETTING_KEYS, "calibration", bad):
        return Settings()
    out = {}
    for name, low in (("size", 100), ("replications", 2), ("seed", 0)):
        value = table.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            bad(f"calibration.{name}", f"must be an integer >= {low}, got {value!r}")
            continue
        out[name] = value
    return Settings(**out)


def _claims(table: Mapping[str, Any], bad) -> tuple[tuple[str, ...] | None, int | None]:
    from simulator.calibrate.measures import KEYS

    measures = table.get("measures")
    if measures is not None:
        if not isinstance(measures, list) or not all(isinstance(m, str) for m in measures):
            bad("claims.measures", "must be a list of measure keys")
            measures = None
        else:
            for i, m in enumerate(measures):
                if m not in KEYS:
                    bad(f"claims.measures[{i}]", f"unknown measure {m!r}",
                        did_you_mean(m, KEYS) or "see simulator.calibrate.measures")
            measures = tuple(measures)
    enrolled = table.get("enrolled")
    if enrolled is not None and (isinstance(enrolled, bool) or not isinstance(enrolled, int) or enrolled < 1):
        bad("claims.enrolled", f"must be a positive integer, got {enrolled!r}")
        enrolled = None
    return measures, enrolled


# ---------------------------------------------------------------------------------------------
# Parameters against a scenario
# ---------------------------------------------------------------------------------------------

def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_parameters(spec: CalibrationSpec, scenario) -> None:
    """Check every parameter against ``scenario``: the key exists, is numeric (a vector only with
    ``multiply``), and the scenario validates at both bounds. Raises :class:`InputError`."""
    from simulator.scenario import load_scenario
    from simulator.scenario.load import scenario_dict

    base = scenario_dict(scenario)
    problems: list[Problem] = []
    for i, p in enumerate(spec.parameters):
        path = f"parameter[{i}].key"

        def bad(message: str, hint: str | None = None) -> None:
            problems.append(Problem(path, message, file=p.file, line=p.line, hint=hint))

        try:
            value = get_path(base, p.key)
        except KeyError as exc:
            bad(f"{p.key!r} is not a scenario key: {exc.args[0]}")
            continue
        if isinstance(value, list) and not p.multiply:
            bad(f"{p.key} is a list of {len(value)} values",
                f"index one value ({p.key}[0]) or set multiply = true to scale the whole list")
            continue
        values = value if isinstance(value, list) else [value]
        if not values or not all(_is_number(v) for v in values):
            bad(f"{p.key} is not numeric (got {value!r})", "only numbers can be fitted")
            continue
        if any(isinstance(v, int) for v in values):
            bad(f"{p.key} is an integer setting", "only continuous values can be fitted")
            continue
        for bound in (p.low, p.high):
            try:
                load_scenario(base, {p.key: apply_value(base, p, bound)})
            except InputError as exc:
                msg = "; ".join(q.message for q in exc.problems)
                bad(f"the scenario is invalid with {p.key} at {'low' if bound == p.low else 'high'} = "
                    f"{bound:g}: {msg}", "narrow the bounds")
                break
    if not spec.parameters:
        problems.append(Problem("parameter", "no parameters to fit", file=spec.file,
                                hint="add [[parameter]] entries (or pass --params FILE)"))
    if problems:
        raise InputError(problems, title="invalid calibration parameters")


def apply_value(base: Mapping[str, Any], p: Parameter, value: float) -> Any:
    """The scenario value for parameter ``p`` at ``value`` (a multiplier of the base when ``multiply``)."""
    if not p.multiply:
        return float(value)
    current = get_path(base, p.key)
    if isinstance(current, list):
        return [float(v) * value for v in current]
    return float(current) * value


def initial_value(base: Mapping[str, Any], p: Parameter) -> float:
    """Start of the fit: ``initial``, else the scenario's value (1 for a multiplier), clipped to the bounds."""
    if p.initial is not None:
        start = p.initial
    elif p.multiply:
        start = 1.0
    else:
        start = float(get_path(base, p.key))
    return min(max(start, p.low), p.high)


def write_targets(targets: list[Target], path: str | Path | None = None, header: str = "") -> str:
    """Targets as a targets-file TOML text (e.g. those derived from claims); written to ``path`` if given."""
    import tomli_w

    rows = []
    for t in targets:
        row: dict[str, Any] = {"key": t.key, "value": t.value, "se": t.se}
        if t.year is not None:
            row["year"] = t.year
        if t.source:
            row["source"] = t.source
        rows.append(row)
    text = "".join(f"# {line}\n" for line in header.splitlines()) + tomli_w.dumps({"target": rows})
    if path is not None:
        from simulator.atomic import write_atomic

        write_atomic(Path(path), text)
    return text
