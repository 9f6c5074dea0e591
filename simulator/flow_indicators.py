"""Indicator values of one year from the flows, vectorised over worlds (docs/outputs.md definitions).

``flows``: float64[world, tier, service, scheme, quantity] from the kernels; ``paid``: fund
payment per [world, tier, service, scheme] from :mod:`simulator.payment.valuation`. The formulas are the
ones written in :mod:`simulator.indicators`.
"""

from __future__ import annotations

import numpy as np

from simulator.constants import (
    CHRONIC, INPATIENT, LONG_STAY, OUTPATIENT, Q_COST, Q_EPISODES, Q_FUND, Q_OOP, Q_WEIGHT,
)
from simulator.sums import cell_sum

IN_COUNTY = slice(0, 4)
PRIMARY = slice(0, 3)
VISITS = [OUTPATIENT, CHRONIC]
ADMISSIONS = [INPATIENT, LONG_STAY]


def ratio(num: np.ndarray, den: np.ndarray, fill: float = np.nan) -> np.ndarray:
    """``num / den`` where ``den > 0``, else ``fill`` (per world)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), fill)


def care_indicators(flows: np.ndarray, paid: np.ndarray) -> dict[str, np.ndarray]:
    """Indicators that depend on care only (before budget and settlement), one value per world.

    Returns visits, admissions, costs, fund shares and retention ratios; ``fund_all`` is the
    fund's payment at every tier (yuan), ``fund_outside`` the part paid out of county.
    """
    episodes = cell_sum(flows[..., Q_EPISODES], keep=3)     # [world, tier, service]
    visits_t = cell_sum(episodes[:, :, VISITS], keep=2)      # [world, tier]
    admits_t = cell_sum(episodes[:, :, ADMISSIONS], keep=2)
    paid_t = cell_sum(paid, keep=2)                          # [world, tier]
    visits = cell_sum(visits_t)
    admissions = cell_sum(admits_t)
    fund_all = cell_sum(paid_t)
    fund_county = cell_sum(paid_t[:, IN_COUNTY])
    total_cost = cell_sum(flows[..., Q_COST])
    admissions_paid = cell_sum(paid[:, :, ADMISSIONS, :])
    return {
        "episodes_outpatient": visits,
        "episodes_inpatient": admissions,
        "total_cost": total_cost,
        "oop_spending": cell_sum(flows[..., Q_OOP]),
        "fund_all": fund_all,
        "fund_outside": fund_all - fund_county,
        "county_visit_share": ratio(cell_sum(visits_t[:, IN_COUNTY]) + cell_sum(admits_t[:, IN_COUNTY]),
                                     visits + admissions),
        "county_inpatient_share": ratio(cell_sum(admits_t[:, IN_COUNTY]), admissions),
        "primary_visit_share": ratio(cell_sum(visits_t[:, PRIMARY]), visits),
        "county_fund_share": ratio(fund_county, fund_all),
        "primary_fund_share": ratio(cell_sum(paid_t[:, PRIMARY]), fund_county),
        "effective_reimbursement_rate": ratio(cell_sum(flows[..., Q_FUND]), total_cost),
        "cost_per_weighted_case": ratio(admissions_paid, cell_sum(flows[..., Q_WEIGHT])),
    }
