"""Indicator values of one year from the flows, vectorised over worlds (DESIGN 4.3 definitions).

``flows``: float64[world, tier, service, scheme, quantity] from the kernels; ``paid``: fund
payment per [world, tier, service, scheme] from :mod:`simulator.payment`. The formulas are the
ones written in :mod:`simulator.indicators`.
"""

from __future__ import annotations

import numpy as np

from simulator.constants import (
    CHRONIC, INPATIENT, LONG_STAY, OUTPATIENT, Q_COST, Q_EPISODES, Q_FUND, Q_OOP, Q_WEIGHT,
)

IN_COUNTY = slice(0, 4)
PRIMARY = slice(0, 3)
VISITS = [OUTPATIENT, CHRONIC]
ADMISSIONS = [INPATIENT, LONG_STAY]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def care_indicators(flows: np.ndarray, paid: np.ndarray) -> dict[str, np.ndarray]:
    """Indicators that depend on care only (before budget and settlement), one value per world.

    Returns visits, admissions, costs, fund shares and retention ratios; ``fund_all`` is the
    fund's payment at every tier (yuan), ``fund_outside`` the part paid out of county.
    """
    episodes = flows[..., Q_EPISODES].sum(axis=3)          # [world, tier, service]
    visits_t = episodes[:, :, VISITS].sum(axis=2)           # [world, tier]
    admits_t = episodes[:, :, ADMISSIONS].sum(axis=2)
    paid_t = paid.sum(axis=(2, 3))                           # [world, tier]
    visits = visits_t.sum(axis=1)
    admissions = admits_t.sum(axis=1)
    fund_all = paid_t.sum(axis=1)
    fund_county = paid_t[:, IN_COUNTY].sum(axis=1)
    total_cost = flows[..., Q_COST].sum(axis=(1, 2, 3))
    admissions_paid = paid[:, :, ADMISSIONS, :].sum(axis=(1, 2, 3))
    return {
        "episodes_outpatient": visits,
        "episodes_inpatient": admissions,
        "total_cost": total_cost,
        "oop_spending": flows[..., Q_OOP].sum(axis=(1, 2, 3)),
        "fund_all": fund_all,
        "fund_outside": fund_all - fund_county,
        "county_visit_share": _ratio(visits_t[:, IN_COUNTY].sum(axis=1) + admits_t[:, IN_COUNTY].sum(axis=1),
                                     visits + admissions),
        "county_inpatient_share": _ratio(admits_t[:, IN_COUNTY].sum(axis=1), admissions),
        "primary_visit_share": _ratio(visits_t[:, PRIMARY].sum(axis=1), visits),
        "county_fund_share": _ratio(fund_county, fund_all),
        "primary_fund_share": _ratio(paid_t[:, PRIMARY].sum(axis=1), fund_county),
        "effective_reimbursement_rate": _ratio(flows[..., Q_FUND].sum(axis=(1, 2, 3)), total_cost),
        "cost_per_weighted_case": _ratio(admissions_paid, flows[..., Q_WEIGHT].sum(axis=(1, 2, 3))),
    }


def marginal_retention(rules, budget: np.ndarray, spending: np.ndarray, score: np.ndarray,
                       reasonable: np.ndarray | None) -> np.ndarray:
    """Share of one more yuan saved that the community keeps (Δ community_net / Δ saving).

    Measured by settling again with spending lower by 0.1% of the budget, so it holds for any
    rule file (bands, minimum rates, caps, score factor).
    """
    from simulator.settlement import settle

    step = 1e-3 * budget
    base = settle(rules, budget, spending, score, reasonable).community_net
    lower = settle(rules, budget, np.maximum(spending - step, 0.0), score, reasonable).community_net
    return np.clip((lower - base) / step, 0.0, 1.0)
