"""Year-end settlement of a community's global budget (``docs/settlement.md``).

Rules (:mod:`.rules`), the vectorised settlement (:mod:`.core`), assessment scores
(:mod:`.assessment`) and budget formulas (:mod:`.budget`).
"""

from simulator.settlement.assessment import assessment_score, indicator_credit
from simulator.settlement.budget import (
    Prepayment,
    history_budget,
    income_budget,
    prepayment_schedule,
    year_budget,
)
from simulator.settlement.core import (
    OUTPUTS,
    SettlementOutcome,
    marginal_bands,
    marginal_retention,
    score_factor,
    settle,
)
from simulator.settlement.rules import (
    AssessmentIndicator,
    AssessmentRules,
    OverspendBand,
    OverspendRules,
    ScenarioAssessment,
    SettlementRules,
    SurplusBand,
    SurplusRules,
    list_presets,
    load_rules,
)

__all__ = [
    "OUTPUTS",
    "AssessmentIndicator",
    "AssessmentRules",
    "OverspendBand",
    "OverspendRules",
    "Prepayment",
    "ScenarioAssessment",
    "SettlementOutcome",
    "SettlementRules",
    "SurplusBand",
    "SurplusRules",
    "assessment_score",
    "history_budget",
    "income_budget",
    "indicator_credit",
    "list_presets",
    "load_rules",
    "marginal_bands",
    "marginal_retention",
    "prepayment_schedule",
    "score_factor",
    "settle",
    "year_budget",
]
