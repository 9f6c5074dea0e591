"""The money inside the community: member types, the schemes' own accounts, monthly cash.

Vectorised over worlds; money in yuan per community-year (docs/settlement.md, "Inside the
community").

* **Internal distribution** (医共体内部分配; 二连浩特 (八): 医保结余资金根据医共体理事会制定的分配
  办法进行核算和分配): the community's net settlement N = R − L − U (``community_net``) is split
  among the county hospital, the township centres (sub-centre included) and the village clinics
  by fixed shares, or in proportion to each member type's fund payments, episodes (workload) or
  points-method points of the year; the villages get at least ``village_floor`` × N (the other
  two scaled down pro rata). The parts sum to N (to rounding).
* **Fund accounts** (``budget.pooling``): the budget of each scheme is its part of the income
  (以收定支 per scheme) or, for a history budget, the base year's spending share; its spending
  is the fund's payment for that scheme's insured. ``separate`` settles each scheme on its own
  (the community's figures are the sums); ``pooled`` settles them together and reports each
  scheme's balance with the net split by budget share.
* **Monthly cash** (月度预付): the community receives ``prepayment_schedule`` (B/12 less the
  withhold) each month and pays its month's spending: non-admission spending follows the
  seasonal ``monthly_profile`` (flat by default, an assumption), admissions are placed in months
  by a multinomial draw of the year's admissions over the profile (each admission's month drawn
  independently; their spending at the year's mean per admission). The low point is the least
  cumulative cash position over the months before year-end settlement.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulator.constants import Q_EPISODES, Q_POINTS_ALL
from simulator.sums import cell_sum

#: tiers of each member type: county hospital, township centres (with the sub-centre), villages
MEMBER_TIERS: tuple[tuple[int, ...], ...] = ((3,), (1, 2), (0,))
#: keyed stream block of the admissions' month draws
MONTH_BLOCK = 0x4D4F4E


def member_weights(flows: np.ndarray, paid: np.ndarray, method: str) -> np.ndarray:
    """float64[world, 3]: each member type's fund payments, episodes or standard points of the year."""
    if method == "payments":
        per_tier = cell_sum(paid, keep=2)
    elif method == "workload":
        per_tier = cell_sum(flows[..., Q_EPISODES], keep=2)
    elif method == "points":
        per_tier = cell_sum(flows[..., Q_POINTS_ALL], keep=2)
    else:
        raise ValueError(f"no weights for method {method!r}")
    return np.stack([per_tier[:, list(t)].sum(axis=1) for t in MEMBER_TIERS], axis=1)


def split_net(net: np.ndarray, weights: np.ndarray | None, shares: Any, village_floor: float = 0.0) -> np.ndarray:
    """float64[world, 3]: the net settlement split by ``weights`` (None: the fixed ``shares``;
    a world whose weights are all 0 takes the fixed shares), the villages' share at least
    ``village_floor``. Rows sum to ``net`` (the county hospital's part is the remainder)."""
    net = np.asarray(net, dtype=float)
    fixed = np.broadcast_to(np.asarray(shares, dtype=float), (len(net), 3))
    if weights is None:
        w = fixed.copy()
    else:
        total = weights.sum(axis=1, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            w = np.where(total > 0, weights / np.where(total > 0, total, 1.0), fixed)
    village = np.maximum(w[:, 2], village_floor)
    rest = w[:, 0] + w[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(rest > 0, (1.0 - village) / np.where(rest > 0, rest, 1.0), 0.0)
    parts = np.empty((len(net), 3))
    parts[:, 1] = net * w[:, 1] * scale
    parts[:, 2] = net * village
    parts[:, 0] = net - parts[:, 1] - parts[:, 2]
    return parts


def scheme_budget_shares(table: Any, enrolled: dict[str, float], base_shares: np.ndarray | None,
                         n_worlds: int) -> np.ndarray:
    """float64[world, 2]: each scheme's share of the budget (resident, employee): its part of the
    income (以收定支), or for a history budget the base year's spending shares ``base_shares``."""
    if table.method == "history":
        return base_shares
    from simulator.settlement.budget import income_budget

    parts = []
    for scheme in ("resident", "employee"):
        parts.append(float(income_budget({scheme: enrolled[scheme]}, table.per_capita_financing.model_dump(),
                                         table.risk_reserve, table.serious_illness_share.model_dump(),
                                         table.community_share, table.tcm_tilt)))
    total = sum(parts)
    shares = np.array(parts) / total if total > 0 else np.array([1.0, 0.0])
    return np.tile(shares, (n_worlds, 1))


def settle_accounts(rules: Any, budget: np.ndarray, spending: np.ndarray, score: np.ndarray,
                    reasonable: np.ndarray | None, budget_shares: np.ndarray, spending_shares: np.ndarray):
    """Each scheme's account settled on its own: (outcome dict summed over the schemes, per-scheme
    balance [world, 2], per-scheme community net [world, 2])."""
    from simulator.settlement.core import settle

    total: dict[str, np.ndarray] = {}
    balances, nets = np.zeros((len(budget), 2)), np.zeros((len(budget), 2))
    for k in range(2):
        b = budget * budget_shares[:, k]
        s = spending * spending_shares[:, k]
        r = None if reasonable is None else reasonable * spending_shares[:, k]
        live = b > 0
        out = settle(rules, np.where(live, b, 1.0), np.where(live, s, 0.0), score, r).to_dict()
        for key, value in out.items():
            if key == "score_factor":
                total[key] = value
                continue
            value = np.where(live, value, 0.0)
            if key == "fund_payout":
                value = np.where(live, value, s)  # no account: the fund pays the claims as they come
            total[key] = total.get(key, 0.0) + value
        balances[:, k] = b - s
        nets[:, k] = np.where(live, out["community_net"], 0.0)
    return total, balances, nets


def monthly_cash(budget: np.ndarray, withhold_rate: float, spending: np.ndarray, admission_spending: np.ndarray,
                 admissions: np.ndarray, profile: Any, seed: int, worlds: range, year: int) -> tuple[np.ndarray, np.ndarray]:
    """Per world: the least cumulative cash position of the year's months (yuan; negative: short of
    cash before year-end settlement) and the number of months ending short."""
    from simulator.settlement.budget import prepayment_schedule

    profile = np.full(12, 1.0 / 12.0) if profile is None else np.asarray(profile, dtype=float)
    prepaid = prepayment_schedule(budget, withhold_rate).monthly              # [world, 12]
    counts = np.empty((len(budget), 12))
    for i, w in enumerate(worlds):
        rng = np.random.default_rng([int(seed) % 2**63, int(w), int(year), MONTH_BLOCK])
        counts[i] = rng.multinomial(int(round(admissions[i])), profile)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_admission = np.where(admissions > 0, admission_spending / np.where(admissions > 0, admissions, 1.0), 0.0)
    spent = (spending - admission_spending)[:, None] * profile[None, :] + counts * per_admission[:, None]
    cash = np.cumsum(prepaid - spent, axis=1)  # along each world's own row: the same order for any world count
    return cash.min(axis=1), (cash < 0).sum(axis=1).astype(float)
