"""Assessment score (考核得分) from indicators against targets, vectorised over worlds.

Policy: the year-end settlement is linked to an assessment of 医疗费用增长率, 医保报销比例,
基层就诊率, 县域内基金支出比例 and 县域内基层医疗卫生机构医保基金占比 (docs/data-sources.md, "Policy text the
product implements": 西藏 (十)); targets such as 县域内就诊率 ≥ 90% (贵州 2025) and 基层诊疗量占比 ≥ 65%.

Formulas (docs/model.md, "Assessment"; linear partial credit), for an indicator value v:

- ``at_least``: credit = clamp((v − (target − tolerance)) / tolerance, 0, 1): 1 at v ≥ target,
  0 at v ≤ target − tolerance; tolerance 0 is a step (credit 1 iff v ≥ target);
- ``at_most``: the mirror image around the target (credit 1 at v ≤ target);
- score = full_score × Σ_i w_i · credit_i / Σ_i w_i.

A NaN value (an indicator undefined in a world, e.g. a share of nothing) earns no credit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from simulator.errors import InputError, Problem, did_you_mean
from simulator.settlement.rules import AssessmentIndicator


def indicator_credit(value: Any, indicator: AssessmentIndicator) -> np.ndarray:
    """Credit in [0, 1] earned by indicator values.

    Parameters
    ----------
    value : array-like, indicator values in the indicator's unit (e.g. a share in [0, 1]).
    indicator : direction, target and tolerance.

    Returns
    -------
    ndarray of credits, the shape of ``value``; NaN values earn 0.
    """
    v = np.asarray(value, dtype=float)
    # distance by which the value falls short of the target, in the indicator's unit
    shortfall = indicator.target - v if indicator.direction == "at_least" else v - indicator.target
    if indicator.tolerance == 0.0:
        credit = (shortfall <= 0.0).astype(float)
    else:
        credit = np.clip(1.0 - shortfall / indicator.tolerance, 0.0, 1.0)
    return np.where(np.isnan(v), 0.0, credit)


def assessment_score(values: Mapping[str, Any], indicators: Sequence[AssessmentIndicator],
                     full_score: float) -> np.ndarray:
    """Weighted assessment score of indicator values.

    Parameters
    ----------
    values : indicator key → array-like of values (arrays broadcast together, e.g. one per world).
    indicators : the indicators scored (key, direction, target, tolerance, weight).
    full_score : score for full credit on every indicator, points.

    Returns
    -------
    ndarray of scores in [0, full_score] points. With no indicators, or all weights 0, nothing is
    assessed and the score is full_score.

    Raises
    ------
    InputError
        An indicator key missing from ``values`` (with a did-you-mean).
    """
    problems = [Problem(f"indicators[{i}].key", f"no values for indicator {ind.key!r}",
                        hint=did_you_mean(ind.key, values) or "available: " + ", ".join(sorted(values)))
                for i, ind in enumerate(indicators) if ind.key not in values]
    if problems:
        raise InputError(problems, title="invalid assessment input")
    total_weight = sum(ind.weight for ind in indicators)
    if total_weight == 0.0:
        shape = np.broadcast_shapes(*(np.shape(values[ind.key]) for ind in indicators))
        return np.full(shape, float(full_score))
    weighted = sum(ind.weight * indicator_credit(values[ind.key], ind)
                   for ind in indicators if ind.weight > 0.0)
    return full_score * np.asarray(weighted, dtype=float) / total_weight
