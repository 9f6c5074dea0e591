"""Settlement rules: validated, frozen models and the loader for presets and rule files.

A rules file holds one ``[settlement]`` table (``docs/settlement.md``, "Rule file"):

- ``withhold_rate`` — 质量保证金: share of the budget B withheld from the monthly prepayment and
  released at year end in proportion to the score factor;
- ``[settlement.surplus]`` — 结余留用: marginal bands ``{upto, retain}`` on the surplus rate D / B,
  a minimum rate below which nothing is retained and a cap on the retained amount (× B);
- ``[settlement.overspend]`` — 合理超支分担: marginal bands ``{upto, fund_share}`` on the reasonable
  overspend rate E / B, a minimum rate below which the fund bears all of it and a cap (× B) on
  what the community bears;
- ``[settlement.assessment]`` — 考核: how the score q becomes a factor g(q) and which parts
  (surplus, overspend, withhold) it scales.

Scenarios name a preset or a rules file in ``settlement.rules`` and may replace parts of it inline
(:func:`load_rules`, ``overrides``): an inline part replaces only the keys it names, an array
(``bands``, ``indicators``, ``applies_to``) as a whole. Every problem is reported with the file,
the dotted key path (``settlement.surplus.bands[1].upto``) and the line — of the rules file or of
the overrides, wherever the key was written.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from simulator.errors import (
    InputError,
    Problem,
    did_you_mean,
    dotted,
    file_stamp,
    line_of,
    problems_from_pydantic,
    read_toml,
)

_PRESET_DIR = Path(__file__).resolve().parent / "presets"
_PARTS = ("withhold_rate", "surplus", "overspend", "assessment")

#: an extra check of the merged ``[settlement]`` data (before validation): problems with key paths
#: relative to the table (``assessment.indicators[0].key``), placed by :func:`load_rules`
RulesCheck = Callable[[Mapping[str, Any]], Iterable[Problem]]

#: largest magnitude of an indicator target or tolerance (yuan, shares, scores: 1e15 is beyond any)
MAX_INDICATOR_VALUE = 1e15
#: a share of an amount, in [0, 1]
Share = Annotated[float, Field(strict=True, ge=0.0, le=1.0)]
#: a rate in units of the budget B, >= 0 and finite, at most 1,000 (a thousand budgets)
Rate = Annotated[float, Field(strict=True, ge=0.0, le=1e3, allow_inf_nan=False)]


def _cap(value: float) -> float:
    if math.isfinite(value) and value > 1e3:
        raise ValueError(f"must be at most 1000 (a thousand budgets), or inf for no cap; got {value:g}")
    return value


#: a rate in units of B, >= 0, ``inf`` meaning "no cap"; finite ones at most 1,000
CapRate = Annotated[float, Field(strict=True, ge=0.0), AfterValidator(_cap)]
#: upper edge of a band, a rate in units of B, > 0, ``inf`` for the last band
Upto = Annotated[float, Field(strict=True, gt=0.0)]
Part = Literal["surplus", "overspend", "withhold"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SurplusBand(_Frozen):
    """One marginal surplus band: the part of the surplus rate up to ``upto`` keeps ``retain``."""

    upto: Upto = Field(description="upper edge of the band as a surplus rate D / B (1 = 100% of "
                                   "the budget); inf for the last band")
    retain: Share = Field(description="share of the surplus inside this band the community keeps "
                                      "(结余留用比例), in [0, 1]")


class OverspendBand(_Frozen):
    """One marginal overspend band: the fund bears ``fund_share`` of the part inside it."""

    upto: Upto = Field(description="upper edge of the band as a reasonable-overspend rate E / B; "
                                   "inf for the last band")
    fund_share: Share = Field(description="share of the reasonable overspend inside this band the "
                                          "fund pays (基金分担比例), in [0, 1]")


def _check_bands(bands: tuple[Any, ...]) -> tuple[Any, ...]:
    """Bands must exist, have strictly increasing ``upto`` and end at ``upto = inf``."""
    if not bands:
        raise PydanticCustomError("bands_empty", "at least one band is needed; the last has upto = inf")
    for i in range(1, len(bands)):
        if not bands[i].upto > bands[i - 1].upto:
            raise PydanticCustomError(
                "bands_order",
                "upto must be strictly increasing: {upto} follows {previous}",
                {"at": (i, "upto"), "upto": bands[i].upto, "previous": bands[i - 1].upto})
    if not math.isinf(bands[-1].upto):
        raise PydanticCustomError(
            "bands_last", "the last band must have upto = inf (got {upto})",
            {"at": (len(bands) - 1, "upto"), "upto": bands[-1].upto})
    return bands


#: error types of :func:`_check_bands`, which :func:`band_problems` reports in full
_BAND_ERRORS = ("bands_order", "bands_last")


def band_problems(merged: Mapping[str, Any]) -> list[Problem]:
    """The band rules of :func:`_check_bands` (``upto`` strictly increasing, the last ``inf``) on
    raw ``[settlement]`` data, every violation of both parts, for the bands whose ``upto`` is a
    number > 0 (others are the schema's problems). Paths are relative to ``[settlement]``."""
    out = []
    for part in ("surplus", "overspend"):
        table = merged.get(part)
        bands = table.get("bands") if isinstance(table, Mapping) else None
        if not isinstance(bands, (list, tuple)) or not bands:
            continue
        uptos = [_usable_upto(b) for b in bands]
        for i in range(1, len(uptos)):
            upto, previous = uptos[i], uptos[i - 1]
            if upto is not None and previous is not None and not upto > previous:
                out.append(Problem(f"{part}.bands[{i}].upto",
                                   f"upto must be strictly increasing: {upto} follows {previous}"))
        last = uptos[-1]
        if last is not None and not math.isinf(last):
            out.append(Problem(f"{part}.bands[{len(bands) - 1}].upto",
                               f"the last band must have upto = inf (got {last})"))
    return out


def _usable_upto(band: Any) -> float | None:
    upto = band.get("upto") if isinstance(band, Mapping) else None
    if isinstance(upto, bool) or not isinstance(upto, (int, float)) or not upto > 0:
        return None
    return float(upto)


class SurplusRules(_Frozen):
    """结余留用: what the community keeps of a surplus D = B − S."""

    min_rate: Rate = Field(0.0, description="surplus rate D / B below which nothing is retained")
    cap_rate: CapRate = Field(math.inf, description="retained surplus is at most cap_rate × B "
                                                     "(inf: no cap)")
    bands: tuple[SurplusBand, ...] = Field(description="marginal bands on D / B, like income-tax "
                                                       "brackets")

    @field_validator("bands")
    @classmethod
    def _bands_valid(cls, bands: tuple[Any, ...]) -> tuple[Any, ...]:
        return _check_bands(bands)


class OverspendRules(_Frozen):
    """合理超支分担: how a reasonable overspend O = S − B is split between fund and community."""

    min_rate: Rate = Field(0.0, description="overspend rate O / B below which the fund bears all "
                                            "reasonable overspend, whatever the score")
    cap_rate: CapRate = Field(math.inf, description="the community bears at most cap_rate × B "
                                                     "(inf: no cap)")
    bands: tuple[OverspendBand, ...] = Field(description="marginal bands on E / B (E = reasonable "
                                                         "overspend)")

    @field_validator("bands")
    @classmethod
    def _bands_valid(cls, bands: tuple[Any, ...]) -> tuple[Any, ...]:
        return _check_bands(bands)


class AssessmentRules(_Frozen):
    """考核: how the assessment score q (0..full_score) scales the settlement.

    g(q) is ``q / full_score`` (linear), ``1 if q >= pass_score else 0`` (pass_fail) or
    ``clamp((q − pass_score) / (full_score − pass_score), 0, 1)`` (linear_above_pass; a step at
    pass_score when pass_score = full_score). Parts not in ``applies_to`` use g = 1.
    """

    full_score: float = Field(100.0, strict=True, gt=0.0, allow_inf_nan=False,
                              description="the highest score, points (> 0)")
    pass_score: float = Field(60.0, strict=True, ge=0.0, allow_inf_nan=False,
                              description="passing score, points, in [0, full_score]")
    mode: Literal["linear", "pass_fail", "linear_above_pass"] = Field(
        "linear", description="how the score becomes the factor g(q)")
    applies_to: tuple[Part, ...] = Field((), description="settlement parts scaled by g(q): any of "
                                                         "surplus, overspend, withhold")

    @field_validator("pass_score")
    @classmethod
    def _pass_within_full(cls, value: float, info: ValidationInfo) -> float:
        full = info.data.get("full_score")
        if full is not None and value > full:
            raise PydanticCustomError("pass_above_full",
                                      "must be in [0, full_score = {full}]", {"full": f"{full:g}"})
        return value


class AssessmentIndicator(_Frozen):
    """One assessment indicator: full credit at the target, linear to 0 over the tolerance."""

    key: str = Field(min_length=1, description="indicator key (e.g. county_visit_share)")
    direction: Literal["at_least", "at_most"] = Field(
        description="at_least: credit 1 at value >= target; at_most: credit 1 at value <= target")
    target: float = Field(strict=True, allow_inf_nan=False, ge=-MAX_INDICATOR_VALUE, le=MAX_INDICATOR_VALUE,
                          description="target value, in the indicator's unit")
    tolerance: float = Field(strict=True, ge=0.0, le=MAX_INDICATOR_VALUE, allow_inf_nan=False,
                             description="distance from the target at which credit reaches 0 "
                                         "(0: all or nothing)")
    weight: float = Field(strict=True, ge=0.0, allow_inf_nan=False,
                          description="relative weight in the score (weights need not sum to 1)")


class ScenarioAssessment(AssessmentRules):
    """A scenario's ``[settlement.assessment]`` table: the rules plus the indicators scored."""

    indicators: tuple[AssessmentIndicator, ...] = Field(
        (), description="indicators whose weighted credit makes the score")


class SettlementRules(_Frozen):
    """The year-end settlement (年终清算) rules of one community (``docs/settlement.md``)."""

    name: str = Field("custom", description="free-text name of the rules")
    withhold_rate: Share = Field(0.0, description="质量保证金: share of the budget withheld from "
                                                  "prepayment, released × g(q) at year end")
    surplus: SurplusRules = Field(description="结余留用 rules")
    overspend: OverspendRules = Field(description="合理超支分担 rules")
    assessment: ScenarioAssessment = Field(ScenarioAssessment(),
                                           description="考核: score factor and where it applies")

    @field_validator("assessment", mode="before")
    @classmethod
    def _plain_assessment(cls, value: Any) -> Any:
        # an AssessmentRules (no indicators) is as good as a ScenarioAssessment here
        if isinstance(value, AssessmentRules) and not isinstance(value, ScenarioAssessment):
            return value.model_dump()
        return value


# ---------------------------------------------------------------------------------------------
# Loading
# ---------------------------------------------------------------------------------------------

def list_presets() -> list[str]:
    """Names of the rule presets shipped with mcsim (``--rules NAME``), sorted."""
    return list(_presets())


@functools.lru_cache(maxsize=1)
def _presets() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in _PRESET_DIR.glob("*.toml")))


def load_rules(source: str | Path, *, base_dir: Path | None = None,
               overrides: Mapping[str, Any] | BaseModel | None = None,
               key_prefix: str = "settlement", overrides_file: str | None = None,
               overrides_lines: Mapping[str, int] | None = None,
               check: RulesCheck | None = None) -> SettlementRules:
    """Load settlement rules from a preset name or a rules TOML file, with optional overrides.

    Parameters
    ----------
    source : a preset name (:func:`list_presets`) or the path of a rules file with a
        ``[settlement]`` table; relative paths are taken from ``base_dir``.
    base_dir : directory for relative paths (default: the current directory).
    overrides : any of ``withhold_rate``, ``surplus``, ``overspend``, ``assessment``. Each table
        replaces only the keys it names; keys it leaves out keep the loaded rules' values, and an
        array value (``bands``, ``indicators``, ``applies_to``) replaces the whole array. So
        ``{"surplus": {"bands": [...]}}`` changes only the surplus bands and
        ``{"assessment": {"pass_score": 70}}`` keeps the file's mode and indicators. A pydantic
        model is taken with its explicitly set keys.
    key_prefix : dotted prefix of key paths in messages (``settlement``).
    overrides_file, overrides_lines : where the overrides were written (a scenario file and its
        key lines, keyed by paths starting with ``key_prefix``), for messages about them.
    check : more checks of the merged data (e.g. indicator keys); each problem's path is relative
        to ``[settlement]`` and is placed in the rules file or the overrides like the others.

    Raises
    ------
    InputError
        Unknown preset (with the list and a did-you-mean), missing or unreadable file, unknown
        keys, and every rule violation, each with file, dotted key path and line.
    """
    path = _resolve_source(source, base_dir)
    data, lines = read_toml(path, what="rules file")
    file = str(path)
    stamp = file_stamp(path)  # the band lines need the text: scanned once per file version
    lines.update(_file_band_lines(stamp) if stamp is not None else _band_lines(path.read_text(encoding="utf-8"), lines))
    if "settlement" not in data:
        raise InputError(Problem("settlement", "the rules file has no [settlement] table", file=file,
                                 hint="see docs/settlement.md or a preset for the format"))
    extra = [Problem(key, "unknown table", file=file, line=lines.get(key),
                     hint=did_you_mean(key, ["settlement"]) or "a rules file holds only [settlement]")
             for key in data if key != "settlement"]
    table = data["settlement"]
    if not isinstance(table, Mapping):
        raise InputError(Problem("settlement", "must be a table", file=file, line=lines.get("settlement")))
    merged = dict(table)
    merged.setdefault("name", path.stem)
    given = _as_mapping(overrides)
    # one round: unknown tables, the schema, the band rules and ``check`` are reported together
    extra += _merge(merged, given, key_prefix, overrides_file)
    sources = (file, lines, overrides_file, overrides_lines or {})
    checked = [_placed(p, given, key_prefix, sources) for p in (check(merged) if check else ())]
    try:
        rules = SettlementRules.model_validate(merged)
    except ValidationError as exc:
        # the band rules run here on every band whose upto is usable: pydantic checks them only
        # once every band's fields are valid, and stops at the first
        bands = [_placed(p, given, key_prefix, sources) for p in band_problems(merged)]
        raise InputError(extra + _problems(exc, given, key_prefix, sources, skip=_BAND_ERRORS) + bands
                         + checked, title="invalid settlement rules") from None
    if extra or checked:
        raise InputError(extra + checked, title="invalid settlement rules")
    return rules


def _resolve_source(source: str | Path, base_dir: Path | None) -> Path:
    presets = list_presets()
    if isinstance(source, str) and source in presets:
        return _PRESET_DIR / f"{source}.toml"
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    text = str(source)
    looks_like_path = (isinstance(source, Path) or text.endswith(".toml") or "/" in text
                       or "\\" in text or (base / text).exists())
    if not looks_like_path:
        hint = did_you_mean(text, presets) or "or give the path of a rules .toml file"
        raise InputError(Problem("rules", f"unknown preset {text!r}; presets: {', '.join(presets)}",
                                 hint=hint), title="invalid settlement rules")
    path = Path(text)
    return path if path.is_absolute() else base / path


@functools.lru_cache(maxsize=32)
def _file_band_lines(stamp: tuple[str, int, int]) -> dict[str, int]:
    path = Path(stamp[0])
    return _band_lines(path.read_text(encoding="utf-8"), read_toml(path, what="rules file")[1])


def _band_lines(text: str, lines: Mapping[str, int]) -> dict[str, int]:
    """Lines of the elements of multi-line ``bands = [ {...}, ... ]`` arrays (``...bands[1]``)."""
    rows = text.splitlines()
    found = {}
    for key in ("settlement.surplus.bands", "settlement.overspend.bands"):
        start = lines.get(key)
        if start is None:
            continue
        depth, index = 0, 0
        for number in range(start, len(rows) + 1):
            row = rows[number - 1].split("#", 1)[0]
            for ch in row.split("=", 1)[1] if number == start else row:
                if ch in "[{":
                    if ch == "{" and depth == 1:
                        found[f"{key}[{index}]"] = number
                        index += 1
                    depth += 1
                elif ch in "]}":
                    depth -= 1
            if depth <= 0:
                break
    return found


def _as_mapping(overrides: Mapping[str, Any] | BaseModel | None) -> dict[str, Any]:
    if overrides is None:
        return {}
    if isinstance(overrides, BaseModel):
        return overrides.model_dump(exclude_unset=True)
    return {key: (value.model_dump(exclude_unset=True) if isinstance(value, BaseModel) else value)
            for key, value in overrides.items()}


def _merge(merged: dict[str, Any], given: Mapping[str, Any], prefix: str,
           file: str | None) -> list[Problem]:
    """Replace parts of ``merged`` key by key; return problems with the override keys."""
    problems = []
    for key, value in given.items():
        path = f"{prefix}.{key}"
        if key not in _PARTS:
            problems.append(Problem(path, "cannot be set here", file=file,
                                    hint=did_you_mean(key, _PARTS) or "allowed: " + ", ".join(_PARTS)))
        elif key == "withhold_rate":
            merged[key] = value
        elif not isinstance(value, Mapping):
            problems.append(Problem(path, f"must be a table (got {value!r:.40})", file=file))
        else:
            base = merged.get(key, {})
            merged[key] = {**base, **value} if isinstance(base, Mapping) else dict(value)
    return problems


def _problems(exc: ValidationError, given: Mapping[str, Any], prefix: str,
              sources: tuple[str, Mapping[str, int], str | None, Mapping[str, int]],
              skip: tuple[str, ...] = ()) -> list[Problem]:
    """Problems of a validation error, each attributed to the rules file or the overrides
    (errors of a type in ``skip`` left out)."""
    errors = exc.errors(include_url=False)
    plain = problems_from_pydantic(exc, model=SettlementRules)  # one problem per error, in order
    out = []
    for err, problem in zip(errors, plain):
        if err["type"] in skip:
            continue
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        loc += list((err.get("ctx") or {}).get("at", ()))
        message = problem.message if "at" not in (err.get("ctx") or {}) else err["msg"]
        out.append(_placed(Problem(dotted(loc), message, hint=problem.hint), given, prefix, sources))
    return out


def _placed(problem: Problem, given: Mapping[str, Any], prefix: str,
            sources: tuple[str, Mapping[str, int], str | None, Mapping[str, int]]) -> Problem:
    """A problem whose path is relative to ``[settlement]``, in the overrides or the rules file."""
    file, lines, over_file, over_lines = sources
    relative = problem.path
    loc: list[Any] = [int(p) if p.isdigit() else p for p in re.findall(r"[^.\[\]]+", relative)]
    if _overridden(loc, given):
        where, line = over_file, line_of(f"{prefix}.{relative}", dict(over_lines))
    else:
        where, line = file, line_of(f"settlement.{relative}", dict(lines))
    return Problem(f"{prefix}.{relative}", problem.message, file=where, line=line, hint=problem.hint)


def _overridden(loc: list[Any], given: Mapping[str, Any]) -> bool:
    if not loc or loc[0] not in given:
        return False
    part = given[loc[0]]
    return len(loc) == 1 or not isinstance(part, Mapping) or loc[1] in part
