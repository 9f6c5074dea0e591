"""A scenario's settlement rules resolved: the preset or rules file with the scenario's inline parts.

``[settlement]`` names a preset or a rules file (``rules``) and may give parts of it inline
(``withhold_rate``, ``surplus``, ``overspend``, ``assessment``). One merge rule holds for every
part (``docs/settlement.md``, "Rule file"; :func:`simulator.settlement.load_rules`):

- an inline table replaces only the keys it names; the keys it leaves out keep the rules file's
  (or preset's) values — ``[settlement.assessment] pass_score = 70`` keeps the file's ``mode``,
  ``applies_to`` and indicators, ``surplus.min_rate`` keeps the file's bands;
- an array given inline (``bands``, ``indicators``, ``applies_to``) replaces the whole array;
- only keys the scenario (or ``--set``) actually wrote count: the scenario schema fills no
  defaults into these tables.

The assessment indicators are the rules file's ``[[settlement.assessment.indicators]]`` unless
the scenario gives its own. Wherever they were written, each is checked against the indicator
table (only indicators known before settlement, ``simulator.indicators.PRE_SETTLEMENT``, may be
scored); a problem names the file, key path and line where the indicator was written.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.errors import InputError, Problem, did_you_mean

if TYPE_CHECKING:
    from simulator.scenario.schema import Scenario
    from simulator.settlement.rules import AssessmentIndicator, SettlementRules

_ARRAY = "must be an array of tables [[...]]"


def resolve_settlement(s: Scenario) -> tuple[SettlementRules, list[AssessmentIndicator]]:
    """The scenario's settlement rules (preset/file with inline parts) and assessment indicators.

    Returns
    -------
    (rules, indicators) — ``indicators`` is ``list(rules.assessment.indicators)``: the scenario's
    inline indicators, else the rules file's; empty means no assessment (score = full_score).

    Raises
    ------
    InputError
        every problem of the rules, the inline parts and the indicators, each with file, key
        path and line (inline problems carry no file: the scenario loader places them).
    """
    from simulator.settlement import load_rules

    table = s.settlement
    overrides, problems = inline_parts(s)
    rules = None
    try:
        rules = load_rules(table.rules, overrides=overrides, key_prefix="settlement",
                           check=check_indicators)
    except InputError as exc:
        problems += [_rules_problem(p, table.rules) for p in exc.problems]
    if problems or rules is None:
        raise InputError(problems)
    return rules, list(rules.assessment.indicators)


def inline_parts(s: Scenario) -> tuple[dict[str, Any], list[Problem]]:
    """The parts of the rules the scenario gives inline, as written (no defaults filled in)."""
    table = s.settlement
    overrides: dict[str, Any] = {}
    problems: list[Problem] = []
    for key in ("withhold_rate", "surplus", "overspend", "assessment"):
        value = getattr(table, key)
        if value is not None:
            overrides[key] = dict(value) if isinstance(value, Mapping) else value
    assessment = overrides.get("assessment")
    if isinstance(assessment, dict) and "indicators" in assessment \
            and not isinstance(assessment["indicators"], (list, tuple)):
        problems.append(Problem("settlement.assessment.indicators", _ARRAY))
        assessment["indicators"] = []  # still the scenario's: the file's are not checked instead
    return overrides, problems


def check_indicators(merged: Mapping[str, Any]) -> list[Problem]:
    """Indicator keys of the merged ``[settlement]`` data: known, and known before settlement.

    Paths are relative to ``[settlement]`` (``assessment.indicators[0].key``); the rules loader
    places each in the rules file or the scenario, wherever the indicators were written.
    """
    from simulator.indicators import BY_KEY, PRE_SETTLEMENT

    assessment = merged.get("assessment")
    raw = assessment.get("indicators", []) if isinstance(assessment, Mapping) else []
    if not isinstance(raw, (list, tuple)):
        return []  # the schema reports it
    problems = []
    for i, indicator in enumerate(raw):
        key = indicator.get("key") if isinstance(indicator, Mapping) else None
        if not isinstance(key, str) or not key:
            continue  # a missing or mistyped key is the schema's problem
        path = f"assessment.indicators[{i}].key"
        if key not in BY_KEY:
            problems.append(Problem(path, f"unknown indicator '{key}'",
                                    hint=did_you_mean(key, BY_KEY) or "see simulator.indicators"))
        elif key not in PRE_SETTLEMENT:
            problems.append(Problem(path, f"'{key}' is only known after settlement; "
                                          f"an assessment can use {list(PRE_SETTLEMENT)}"))
    return problems


def rules_origin(s: Scenario) -> str:
    """Where the scenario's rules come from, in words: ``preset NAME`` or ``file PATH``."""
    from simulator.settlement import list_presets

    rules = s.settlement.rules
    return f"preset {rules}" if rules in list_presets() else f"file {rules}"


def indicators_origin(s: Scenario) -> str:
    """``scenario`` when the scenario gives the assessment indicators inline, else ``rules``."""
    return "scenario" if "indicators" in (s.settlement.assessment or {}) else "rules"


def _rules_problem(problem: Problem, source: str) -> Problem:
    """A problem of the rules loader, with the scenario's key path where it names no key."""
    from simulator.settlement import list_presets

    if problem.path == "rules":  # unknown preset: the key is the scenario's settlement.rules
        return Problem("settlement.rules", problem.message, hint=problem.hint)
    if not problem.path and problem.line is None and problem.file is not None \
            and Path(problem.file) == Path(source):
        # the rules file is missing: point at the scenario key that names it
        return Problem("settlement.rules", f"{problem.message}: {problem.file}",
                       hint="a relative path is taken from the scenario file's folder; "
                            "or name a preset: " + ", ".join(list_presets()))
    return problem
