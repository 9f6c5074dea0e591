"""Year-end settlement (年终清算) of a global budget, vectorised over any number of rows.

Implements ``docs/settlement.md`` step by step, with B budget, S fund liability, q score and Rz
reasonable overspend (all yuan per community-year except q, in points):

- score factor g(q): linear q / full; pass_fail [q >= pass]; linear_above_pass
  clamp((q − pass) / (full − pass), 0, 1); g = 1 for parts not in ``applies_to``;
- marginal bands: bands(x·B) = Σ_k share_k · B · max(0, min(x, upto_k) − upto_{k−1}), upto_0 = 0;
- surplus (S ≤ B, D = B − S, s = D / B), 结余留用: R = 0 if s < min_rate else bands_retain(D);
  R = R · g(q); R = min(R, cap_rate · B);
- overspend (S > B, O = S − B, o = O / B), 合理超支分担: E = min(O, Rz); F = E if o < min_rate
  (score ignored) else bands_fund_share(E) · g(q); L = min(O − F, cap_rate · B); F = O − L;
- withhold, 质量保证金: W = withhold_rate · B, U = W − W · g(q);
- fund_payout = (S + R if S ≤ B else B + F) − U; community_net = fund_payout − S.

Everything is plain numpy over broadcast arrays; the only Python loop is over the few bands.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from simulator.errors import InputError, Problem
from simulator.settlement.rules import AssessmentRules, SettlementRules, load_rules

#: output names in the order of the spec ("Outputs")
OUTPUTS = ("balance", "retained_surplus", "fund_shared_overspend", "community_borne_overspend",
           "withheld_unreleased", "fund_payout", "community_net", "score_factor")
#: inputs of a settlement row, in the order of ``mcsim settle`` output
INPUTS = ("budget", "spending", "score", "reasonable")
#: Chinese labels of inputs and outputs (English label = the name); money in yuan except
#: ``score`` (points) and ``score_factor`` (dimensionless)
LABELS_ZH = {
    "budget": "总额预算", "spending": "基金支出", "score": "考核得分", "reasonable": "合理超支",
    "balance": "结余(+)/超支(−)", "retained_surplus": "结余留用", "fund_shared_overspend": "基金分担超支",
    "community_borne_overspend": "医共体承担超支", "withheld_unreleased": "未返还质量保证金",
    "fund_payout": "基金拨付", "community_net": "医共体净结余", "score_factor": "考核系数",
}


@dataclass(frozen=True)
class SettlementOutcome:
    """Settlement results, one array per quantity, all of the broadcast shape of the inputs.

    Attributes
    ----------
    balance : B − S, yuan (positive = surplus 结余, negative = overspend 超支).
    retained_surplus : R, surplus the community keeps (结余留用), yuan.
    fund_shared_overspend : F, overspend the fund pays (基金分担), yuan.
    community_borne_overspend : L, overspend the community bears (医共体承担), yuan.
    withheld_unreleased : U, part of the quality withhold not released (未返还质量保证金), yuan.
    fund_payout : what the fund pays for the year, (S + R or B + F) − U, yuan.
    community_net : fund_payout − S: the community's gain (+) or loss (−) against its claims, yuan.
    score_factor : g(q) of the assessment mode, whatever ``applies_to`` says, dimensionless.
    """

    balance: np.ndarray
    retained_surplus: np.ndarray
    fund_shared_overspend: np.ndarray
    community_borne_overspend: np.ndarray
    withheld_unreleased: np.ndarray
    fund_payout: np.ndarray
    community_net: np.ndarray
    score_factor: np.ndarray

    def to_dict(self) -> dict[str, np.ndarray]:
        """The outputs as ``{name: array}`` in the spec's order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def to_frame(self) -> Any:
        """The outputs as a pandas DataFrame, one row per element (arrays flattened in C order)."""
        import pandas as pd

        return pd.DataFrame({name: np.ravel(value) for name, value in self.to_dict().items()})


def marginal_bands(x_rate: Any, uptos: Any, shares: Any) -> np.ndarray:
    """Marginal (income-tax-like) bands applied to a rate.

    Parameters
    ----------
    x_rate : array-like, the amount as a rate in units of B (≥ 0).
    uptos : 1-D, upper band edges in units of B, strictly increasing, last ``inf``.
    shares : 1-D, share of the amount inside each band, in [0, 1].

    Returns
    -------
    ndarray of the shape of ``x_rate``: Σ_k share_k · max(0, min(x, upto_k) − upto_{k−1}), in
    units of B (multiply by B for yuan).
    """
    x = np.asarray(x_rate, dtype=float)
    out = np.zeros_like(x)
    lower = 0.0
    for upto, share in zip(np.asarray(uptos, dtype=float), np.asarray(shares, dtype=float)):
        if share != 0.0:
            out += share * np.clip(x - lower, 0.0, upto - lower)
        lower = upto
    return out


def score_factor(assessment_rules: AssessmentRules, q: Any) -> np.ndarray:
    """The score factor g(q) of an assessment mode (``docs/settlement.md``, "Semantics").

    Parameters
    ----------
    assessment_rules : full_score, pass_score and mode.
    q : array-like, scores in points (0..full_score).

    Returns
    -------
    ndarray of g in [0, 1], the shape of ``q``. ``linear_above_pass`` with pass_score =
    full_score is a step at pass_score.
    """
    q = np.asarray(q, dtype=float)
    full, passing = assessment_rules.full_score, assessment_rules.pass_score
    if assessment_rules.mode == "linear":
        return np.clip(q / full, 0.0, 1.0)
    if assessment_rules.mode == "pass_fail" or full == passing:
        return (q >= passing).astype(float)
    return np.clip((q - passing) / (full - passing), 0.0, 1.0)


def settle(rules: SettlementRules | str | Path, budget: Any, spending: Any, score: Any = None,
           reasonable: Any = None) -> SettlementOutcome:
    """Settle one or many community-years under ``rules``.

    Parameters
    ----------
    rules : the rules, or a preset name / rules-file path for :func:`load_rules`.
    budget : array-like, B, 总额预算, yuan (> 0, finite).
    spending : array-like, S, fund liability for the year's care, yuan (≥ 0, finite).
    score : array-like or None, q, assessment score in [0, full_score] points; None = full score.
    reasonable : array-like or None, Rz, reasonable overspend in yuan (≥ 0; ``inf`` = all);
        None = all overspend is reasonable.

    The arrays broadcast together; scalars give 0-d arrays.

    Returns
    -------
    SettlementOutcome

    Raises
    ------
    InputError
        An argument out of range, naming the argument and the offending positions.
    """
    if not isinstance(rules, SettlementRules):
        rules = load_rules(rules)
    assess = rules.assessment
    given = _arrays(budget, spending, assess.full_score if score is None else score,
                    np.inf if reasonable is None else reasonable)
    check_amounts(*given, assess.full_score)
    B, S, q, Rz = _broadcast(given)

    g = score_factor(assess, q)
    one = np.ones_like(g)
    g_surplus, g_overspend, g_withhold = (g if part in assess.applies_to else one
                                          for part in ("surplus", "overspend", "withhold"))

    balance = B - S
    D = np.maximum(balance, 0.0)
    O = np.maximum(-balance, 0.0)

    sur = rules.surplus
    R = _bands(sur.bands, "retain", D / B) * B
    R = np.where(D / B < sur.min_rate, 0.0, R) * g_surplus
    R = np.minimum(R, sur.cap_rate * B)

    ovr = rules.overspend
    E = np.minimum(O, Rz)
    F = _bands(ovr.bands, "fund_share", E / B) * B * g_overspend
    F = np.where(O / B < ovr.min_rate, E, F)
    L = np.minimum(O - F, ovr.cap_rate * B)
    F = O - L

    W = rules.withhold_rate * B
    U = W - W * g_withhold

    fund_payout = np.where(S <= B, S + R, B + F) - U
    outputs = (balance, R, F, L, U, fund_payout, fund_payout - S, g)
    # numpy gives 0-d inputs back as numpy scalars; keep every output an array
    return SettlementOutcome(*(np.asarray(value) for value in outputs))


def _bands(bands: tuple[Any, ...], share: str, x: np.ndarray) -> np.ndarray:
    return marginal_bands(x, [b.upto for b in bands], [getattr(b, share) for b in bands])


def _arrays(*values: Any) -> list[np.ndarray]:
    """The arguments as float arrays; non-numeric → InputError naming the argument."""
    arrays = []
    problems = []
    for name, value in zip(INPUTS, values):
        try:
            arrays.append(np.asarray(value, dtype=float))
        except (TypeError, ValueError):
            problems.append(Problem(name, f"must be a number or an array of numbers (got {value!r:.40})"))
    if problems:
        raise InputError(problems, title="invalid settlement input")
    return arrays


def _broadcast(arrays: list[np.ndarray]) -> list[np.ndarray]:
    try:
        return list(np.broadcast_arrays(*arrays))
    except ValueError:
        shapes = ", ".join(f"{n} {a.shape}" for n, a in zip(INPUTS, arrays))
        raise InputError(Problem("", f"the arguments do not broadcast together: {shapes}"),
                         title="invalid settlement input") from None


#: largest budget, spending or reasonable overspend settled, yuan: a thousand trillion, far above any
#: fund, so that the settlement's products of rates and amounts stay finite
MAX_AMOUNT = 1e15


def amount_checks(B: np.ndarray, S: np.ndarray, q: np.ndarray, Rz: np.ndarray,
                  full_score: float) -> list[tuple[str, str, np.ndarray]]:
    """Range checks of settlement inputs: ``(argument, requirement, bad-element mask)`` for each
    argument with a bad element, the mask in that argument's own shape (NaN fails every check)."""
    too_big = "must be at most 1e15 yuan (a thousand trillion: a unit mistake?)"
    checks = [
        ("budget", "must be > 0 and finite", ~(np.isfinite(B) & (B > 0))),
        ("budget", too_big, np.isfinite(B) & (B > MAX_AMOUNT)),
        ("spending", "must be >= 0 and finite", ~(np.isfinite(S) & (S >= 0))),
        ("spending", too_big, np.isfinite(S) & (S > MAX_AMOUNT)),
        ("score", f"must be in [0, full_score = {full_score:g}]", ~((q >= 0) & (q <= full_score))),
        ("reasonable", "must be >= 0", ~(Rz >= 0)),
        ("reasonable", too_big, np.isfinite(Rz) & (Rz > MAX_AMOUNT)),  # inf: all of it reasonable
    ]
    return [(name, text, bad) for name, text, bad in checks if bad.any()]


def check_amounts(B: np.ndarray, S: np.ndarray, q: np.ndarray, Rz: np.ndarray,
                  full_score: float) -> None:
    """Raise :class:`InputError` naming each bad argument and where it is bad (0-based index)."""
    problems = []
    for name, text, bad in amount_checks(B, S, q, Rz, full_score):
        values = {"budget": B, "spending": S, "score": q, "reasonable": Rz}[name]
        if bad.ndim == 0:
            problems.append(Problem(name, f"{text} (got {values.item():g})"))
            continue
        where = np.argwhere(bad)
        shown = [str(tuple(int(i) for i in w)) if bad.ndim > 1 else str(int(w[0])) for w in where[:20]]
        more = f" and {len(where) - 20} more" if len(where) > 20 else ""
        got = ", ".join(f"{v:g}" for v in values[bad][:5])
        problems.append(Problem(name, f"{text} at index {', '.join(shown)}{more} (got {got}"
                                      f"{', ...' if len(where) > 5 else ''})"))
    if problems:
        raise InputError(problems, title="invalid settlement input")


def marginal_retention(rules, budget: np.ndarray, spending: np.ndarray, score: np.ndarray,
                       reasonable: np.ndarray | None, *, settled: np.ndarray | None = None) -> np.ndarray:
    """Share of one more yuan saved that the community keeps (Δ community_net / Δ saving).

    Measured by settling again with spending lower by 0.1% of the budget, so it holds for any
    rule file (bands, minimum rates, caps, score factor). ``settled``: the community_net of
    this very settlement, when the caller has it (else it is settled here).
    """
    step = 1e-3 * budget
    base = settled if settled is not None else settle(rules, budget, spending, score, reasonable).community_net
    lower = settle(rules, budget, np.maximum(spending - step, 0.0), score, reasonable).community_net
    return np.clip((lower - base) / step, 0.0, 1.0)
