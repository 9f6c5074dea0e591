"""The decomposition of one change, world by world: factor chains over the flows' cells.

A :class:`Side` is one end of the change (a run's year); :func:`decompose` returns, for each
measure, the change of every world and its parts (:data:`PARTS`). Formulas (docs/explain.md):

For a cell c = (tier t, service s, scheme k) of the flows, with N the insured, E episodes, W
the admissions' DRG weights, C cost, F the fund share of claims, P the fund's payment:

    C_c = N · (E_sk / N) · (E_c / E_sk) · m_c · p_c               (total cost)
    m_c = W_c / E_c, p_c = C_c / W_c     for admissions with weights (inpatient, long stay)
    m_c = 1,         p_c = C_c / E_c     otherwise
    F_c = χ_c · C_c · (F_c / C_c),  G_c = χ_c · C_c · ((P_c − F_c) / C_c),  S = Σ_c (F_c + G_c)

factors: enrolment N, volume E_sk/N, tier shift E_c/E_sk, case mix m, unit price p, benefit
F/C, payment (P − F)/C, and χ_c (1 when the cell counts against the budget: in-county, or any
tier with ``budget.outside_charged``) for settlement. Each chain's change is split by
:func:`~simulator.explain.shapley.shapley_product`, cell by cell, and summed over cells. A
factor that is 0/0 at one end (a cell with no episodes) takes its value at the other end; its
chain is 0 at that end through an earlier factor, so the ends stay exact. Money booked in a cell
with no episodes or no cost (capitation of a cell without visits) is a payment part as it stands.

Balance B − S: B = N · (B/N) splits into enrolment and settlement (budget per insured person).
Community net = settle(rules, B, S, q, Rz) − S: a Shapley split over the players rules, B, S,
score q and reasonable overspend Rz; S's share is spread over S's parts in proportion (the
mean slope of the settlement along the change), B's share over B's, the rest is settlement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.constants import (
    IN_COUNTY_TIERS, INPATIENT, LONG_STAY, N_SCHEMES, N_SERVICES, N_TIERS,
)
from simulator.explain.shapley import shapley, shapley_product

#: the parts of a change, in the order shown (docs/explain.md)
PARTS: tuple[str, ...] = ("enrolment", "volume", "case_mix", "unit_price", "tier_shift", "benefit",
                          "payment", "settlement")
#: the measures decomposed (indicator keys)
MEASURES: tuple[str, ...] = ("fund_spending", "total_cost", "balance", "community_net")
#: flows quantities a side needs
QUANTITIES: tuple[str, ...] = ("episodes", "cost", "fund", "payment", "weight")
_P = {name: i for i, name in enumerate(PARTS)}
_CELLS = N_TIERS * N_SERVICES * N_SCHEMES


@dataclass(frozen=True)
class Side:
    """One end of a change: a year of a run, every array over the same worlds (in order).

    ``flows``: quantity -> float64[world, tier, service, scheme]; ``values``: per world, the
    stored ``enrolled``, ``budget``, ``assessment_score``, ``reasonable`` (Rz, yuan; ``inf`` when
    all overspend is reasonable) and the measures; ``rules``: the settlement rules;
    ``charged``: bool[tier], the tiers whose payments count against the budget.
    """

    flows: dict[str, np.ndarray]
    values: dict[str, np.ndarray]
    rules: Any
    charged: np.ndarray


def charged_tiers(outside_charged: bool) -> np.ndarray:
    """bool[tier]: tiers whose fund payments are fund spending S (in-county, and outside ones
    when the budget is charged with them)."""
    mask = np.zeros(N_TIERS, dtype=bool)
    mask[list(IN_COUNTY_TIERS)] = True
    mask[len(IN_COUNTY_TIERS):] = bool(outside_charged)
    return mask


def _admission_cells() -> np.ndarray:
    mask = np.zeros((N_TIERS, N_SERVICES, N_SCHEMES), dtype=bool)
    mask[:, [INPATIENT, LONG_STAY], :] = True
    return mask.reshape(-1)


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, NaN where den is 0 (undefined: filled from the other end)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def _fill(xa: np.ndarray, xb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Undefined factor values take the other end's value (1 where undefined at both)."""
    a = np.where(np.isnan(xa), xb, xa)
    b = np.where(np.isnan(xb), xa, xb)
    return np.nan_to_num(a, nan=1.0), np.nan_to_num(b, nan=1.0)


def _factors(side: Side, weighted: np.ndarray) -> dict[str, np.ndarray]:
    n_w = len(side.values["enrolled"])
    q = {k: side.flows[k].reshape(n_w, _CELLS) for k in QUANTITIES}
    E, C, F, P, W = (q[k] for k in QUANTITIES)
    N = np.broadcast_to(side.values["enrolled"][:, None], E.shape)
    by_sk = side.flows["episodes"].sum(axis=1, keepdims=True)  # [world, 1, service, scheme]
    E_sk = np.broadcast_to(by_sk, side.flows["episodes"].shape).reshape(n_w, _CELLS)
    ok = (E > 0) & (C > 0)
    return {
        "chi": np.broadcast_to(np.repeat(side.charged, N_SERVICES * N_SCHEMES).astype(float), E.shape),
        "N": N, "v": E_sk / N, "s": _div(E, E_sk),
        "m": np.where(weighted, _div(W, E), 1.0),
        "p": np.where(weighted, _div(C, W), _div(C, E)),
        "b": np.where(ok, _div(F, C), np.nan), "g": np.where(ok, _div(P - F, C), np.nan),
        # what no chain carries: cost without episodes, payment without episodes or cost
        "C_loose": np.where(E > 0, 0.0, C), "P_loose": np.where(ok, 0.0, P),
    }


def _chain(fa: dict, fb: dict, names: tuple[str, ...], parts: tuple[str, ...], out: np.ndarray) -> None:
    """Add the Shapley parts of the chain Π names (cells summed) into ``out`` [world, part]."""
    a, b = zip(*(_fill(fa[n], fb[n]) for n in names))
    for part, value in zip(parts, shapley_product(a, b)):
        out[:, _P[part]] += value.sum(axis=1)


def _spending_parts(fa: dict, fb: dict, n_w: int) -> tuple[np.ndarray, np.ndarray]:
    """Parts [world, part] of total cost and of fund spending."""
    cost = np.zeros((n_w, len(PARTS)))
    _chain(fa, fb, ("N", "v", "s", "m", "p"),
           ("enrolment", "volume", "tier_shift", "case_mix", "unit_price"), cost)
    cost[:, _P["unit_price"]] += (fb["C_loose"] - fa["C_loose"]).sum(axis=1)
    fund = np.zeros((n_w, len(PARTS)))
    care = ("settlement", "enrolment", "volume", "tier_shift", "case_mix", "unit_price")
    _chain(fa, fb, ("chi", "N", "v", "s", "m", "p", "b"), (*care, "benefit"), fund)
    _chain(fa, fb, ("chi", "N", "v", "s", "m", "p", "g"), (*care, "payment"), fund)
    _chain(fa, fb, ("chi", "P_loose"), ("settlement", "payment"), fund)
    return cost, fund


def _budget_parts(a: Side, b: Side) -> np.ndarray:
    """Parts [world, part] of the budget B = N · (B / N): enrolment and settlement."""
    Na, Nb = a.values["enrolled"], b.values["enrolled"]
    ba, bb = a.values["budget"] / Na, b.values["budget"] / Nb
    out = np.zeros((len(Na), len(PARTS)))
    n_part, beta_part = shapley_product([Na, ba], [Nb, bb])
    out[:, _P["enrolment"]] = n_part
    out[:, _P["settlement"]] = beta_part
    return out


def _settle(rules: Any, B: np.ndarray, S: np.ndarray, q: np.ndarray, Rz: np.ndarray) -> np.ndarray:
    from simulator.settlement import settle

    return settle(rules, B, S, q, Rz).community_net


def _slope(side: Side, player: str) -> np.ndarray:
    """d community_net / d ``player`` (``fund_spending`` or ``budget``) at a side, by a central
    difference: the settlement's slope where the amount itself did not change."""
    v = dict(side.values)
    h = np.maximum(1e-7 * v["budget"], 1.0)
    base = v[player]
    low = np.maximum(base - h, 1.0 if player == "budget" else 0.0)
    ends = []
    for value in (base + h, low):
        v[player] = value
        ends.append(_settle(side.rules, v["budget"], v["fund_spending"], v["assessment_score"], v["reasonable"]))
    return (ends[0] - ends[1]) / (base + h - low)


def _spread(share: np.ndarray, parts: np.ndarray, level: np.ndarray, slope: np.ndarray) -> np.ndarray:
    """``parts`` [world, part] of an amount, as parts of ``share`` [world] (the amount's Shapley
    share of the community net): each part times the mean slope share / Σ parts, or times the
    local ``slope`` where Σ parts is 0 against ``level``; what that leaves (0, or the rounding of
    an amount that did not change) is settlement."""
    total = parts.sum(axis=1)
    flat = np.abs(total) <= 1e-9 * np.maximum(level, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_slope = np.where(flat, slope, share / np.where(flat, 1.0, total))
    out = parts * mean_slope[:, None]
    out[:, _P["settlement"]] += share - out.sum(axis=1)
    return out


def _community_parts(a: Side, b: Side, spending: np.ndarray, budget: np.ndarray) -> np.ndarray:
    """Parts [world, part] of community net = settle(rules, B, S, q, Rz) − S."""
    players = ("rules", "budget", "fund_spending", "assessment_score", "reasonable")

    def at(mask: int) -> np.ndarray:
        pick = [b if mask >> i & 1 else a for i in range(len(players))]
        return _settle(pick[0].rules, *(side.values[name] for side, name in zip(pick[1:], players[1:])))

    rules_p, budget_p, spending_p, score_p, reasonable_p = shapley(at, len(players))

    def level(name: str) -> np.ndarray:
        return np.maximum(np.abs(a.values[name]), np.abs(b.values[name]))

    out = (_spread(spending_p, spending, level("fund_spending"), _slope(a, "fund_spending"))
           + _spread(budget_p, budget, level("budget"), _slope(a, "budget")))
    out[:, _P["settlement"]] += rules_p + score_p + reasonable_p
    return out


def decompose(a: Side, b: Side) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Measure -> (change [world], parts [world, part]) from side ``a`` to side ``b``.

    The change is the stored indicators' b − a; the parts are computed from the flows and add
    up to it to rounding (the engine's indicators are sums of the same flows).
    """
    n_w = len(a.values["enrolled"])
    weighted = _admission_cells()[None, :]
    for side in (a, b):
        W = side.flows["weight"].reshape(n_w, _CELLS)
        E = side.flows["episodes"].reshape(n_w, _CELLS)
        weighted = weighted & ~((E > 0) & (W <= 0))
    fa, fb = _factors(a, weighted), _factors(b, weighted)
    cost, fund = _spending_parts(fa, fb, n_w)
    budget = _budget_parts(a, b)
    balance = budget - fund
    community = _community_parts(a, b, fund, budget)
    parts = {"fund_spending": fund, "total_cost": cost, "balance": balance, "community_net": community}
    return {m: (b.values[m] - a.values[m], parts[m]) for m in MEASURES}
