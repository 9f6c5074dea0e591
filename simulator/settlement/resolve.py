"""A scenario's settlement rules resolved: the preset or rules file with the scenario's inline parts.

``[settlement]`` names a preset or a rules file (``rules``) and may override parts of it inline
(``withhold_rate``, ``surplus``, ``overspend``, ``assessment``); the assessment indicators are
validated against the indicator table (only indicators known before settlement may be scored).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.errors import InputError, Problem

if TYPE_CHECKING:
    from simulator.scenario.schema import Scenario


def resolve_settlement(s: Scenario) -> tuple[Any, list[Any]]:
    """The scenario's settlement rules (preset/file with inline parts) and assessment indicators."""
    from pydantic import ValidationError

    from simulator.errors import problems_from_pydantic
    from simulator.indicators import BY_KEY, PRE_SETTLEMENT
    from simulator.settlement import AssessmentIndicator, load_rules

    table = s.settlement
    assessment = dict(table.assessment or {})
    raw_indicators = assessment.pop("indicators", [])
    overrides = {k: v for k, v in (("withhold_rate", table.withhold_rate), ("surplus", table.surplus),
                                   ("overspend", table.overspend), ("assessment", assessment or None))
                 if v is not None}
    problems: list[Problem] = []
    rules = None
    try:
        rules = load_rules(table.rules, overrides=overrides, key_prefix="settlement")
    except InputError as exc:
        problems += [_rules_problem(p, table.rules) for p in exc.problems]
    indicators = []
    if not isinstance(raw_indicators, list):
        raw_indicators = []
        problems.append(Problem("settlement.assessment.indicators", "must be an array of tables [[...]]"))
    for i, raw in enumerate(raw_indicators):
        path = f"settlement.assessment.indicators[{i}]"
        try:
            ind = AssessmentIndicator.model_validate(raw)
        except ValidationError as exc:
            problems += problems_from_pydantic(exc, prefix=path, model=AssessmentIndicator)
            continue
        if ind.key not in BY_KEY:
            from simulator.errors import did_you_mean
            problems.append(Problem(f"{path}.key", f"unknown indicator '{ind.key}'",
                                    hint=did_you_mean(ind.key, BY_KEY) or "see simulator.indicators"))
        elif ind.key not in PRE_SETTLEMENT:
            problems.append(Problem(f"{path}.key", f"'{ind.key}' is only known after settlement; "
                                    f"an assessment can use {list(PRE_SETTLEMENT)}"))
        indicators.append(ind)
    if problems:
        raise InputError(problems)
    return rules, indicators


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
