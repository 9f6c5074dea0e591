"""Global budget (总额预算) of a county medical community and its monthly prepayment.

Policy text (docs/data-sources.md, "Policy text the product implements" and "Settlement designs seen"):

- 以收定支、收支平衡、略有结余 — the budget follows the fund's income (二连浩特 2021; 西藏 2024 (十);
  贵州 2023 (二); Jilin 2025 区域点数法总额预算 "以收定支");
- 风险调剂金 — a risk reserve of 3–10% (often 5%) is kept back before the budget is allotted
  (common county templates, R);
- 大病保险 — the serious-illness insurance premium is carved out of the resident fund before the
  community's budget;
- TCM-led communities get a budget tilt (贵州 (二));
- budgets from past use (贵州 (二): prepayment based on past use; Jilin: community total from past
  fund spending plus needs), with the ratchet risk of basing next year on actual spending;
- 质量保证金 — monthly prepayment of 1/12 of the budget with 5–10% withheld as a quality deposit,
  released at year end by the assessment score (考核; common county templates, R). The release and
  结余留用 / 合理超支分担 are in :mod:`simulator.settlement.core`.

All money is in yuan per community-year; financing is yuan per insured person per year.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from simulator.errors import InputError, Problem


def income_budget(enrolled: Mapping[str, Any], per_capita_financing: Mapping[str, float],
                  risk_reserve: float, serious_illness_share: Mapping[str, float],
                  community_share: float, tcm_tilt: float = 0.0) -> np.ndarray:
    """Budget by the income method (以收定支).

    B = Σ_scheme enrolled × financing × (1 − risk_reserve − serious_illness_share[scheme])
    × community_share × (1 + tcm_tilt).

    Parameters
    ----------
    enrolled : scheme (``resident`` 城乡居民, ``employee`` 职工) → insured persons, array-like
        (e.g. one value per world); arrays broadcast together.
    per_capita_financing : scheme → fund income per insured person per year, yuan.
    risk_reserve : share of income kept as 风险调剂金, in [0, 1].
    serious_illness_share : scheme → share of income carved out for 大病保险, in [0, 1]; a scheme
        not listed has no carve-out.
    community_share : share of the pooled fund allotted to the community, in [0, 1].
    tcm_tilt : extra share for a TCM-hospital-led community (≥ 0).

    Returns
    -------
    ndarray, the budget B in yuan per year.

    Raises
    ------
    InputError
        A scheme without financing, a negative headcount or a share out of range.
    """
    problems = []
    for scheme in enrolled:
        if scheme not in per_capita_financing:
            problems.append(Problem(f"per_capita_financing.{scheme}",
                                    "no financing given for an enrolled scheme"))
        elif not per_capita_financing[scheme] >= 0:
            problems.append(Problem(f"per_capita_financing.{scheme}", "must be >= 0"))
        carve = serious_illness_share.get(scheme, 0.0)
        if not 0.0 <= risk_reserve + carve <= 1.0 or not carve >= 0:
            problems.append(Problem(f"serious_illness_share.{scheme}",
                                    f"risk_reserve + serious_illness_share must be in [0, 1] "
                                    f"(got {risk_reserve:g} + {carve:g})"))
        if np.any(~(np.asarray(enrolled[scheme], dtype=float) >= 0)):
            problems.append(Problem(f"enrolled.{scheme}", "must be >= 0"))
    problems += _share_problems(risk_reserve=risk_reserve, community_share=community_share)
    if not tcm_tilt >= 0:
        problems.append(Problem("tcm_tilt", f"must be >= 0 (got {tcm_tilt:g})"))
    if problems:
        raise InputError(problems, title="invalid budget input")
    total = sum(np.asarray(count, dtype=float) * per_capita_financing[scheme]
                * (1.0 - risk_reserve - serious_illness_share.get(scheme, 0.0))
                for scheme, count in enrolled.items())
    return np.asarray(total, dtype=float) * community_share * (1.0 + tcm_tilt)


def history_budget(previous_budget: Any, previous_spending: Any, growth: float,
                   ratchet: bool) -> np.ndarray:
    """Budget by the history method: last year's base × (1 + growth).

    Parameters
    ----------
    previous_budget : array-like, last year's budget, yuan.
    previous_spending : array-like, last year's actual fund spending, yuan.
    growth : yearly growth rate of the budget (> −1).
    ratchet : base the budget on actual spending instead of the budget (the ratchet: savings
        lower next year's budget).

    Returns
    -------
    ndarray, the budget B in yuan per year.
    """
    if not growth > -1.0:
        raise InputError(Problem("growth", f"must be > -1 (got {growth:g})"), title="invalid budget input")
    base = previous_spending if ratchet else previous_budget
    return np.asarray(base, dtype=float) * (1.0 + growth)


def year_budget(table: Any, enrolled: Mapping[str, Any], spending: np.ndarray, last_budget: np.ndarray,
                last_spending: np.ndarray, outside_share: np.ndarray, year: int) -> np.ndarray:
    """The community's budget in ``year`` (0: the base year) per world, yuan, by the scenario's method.

    * ``income`` (以收定支): :func:`income_budget` on the year's enrolment, per-capita financing
      grown by ``financing_growth`` a year after the first simulated year;
    * ``history``: the base year's fund spending ``spending`` starts it; then
      :func:`history_budget` on last year's budget (or spending, with ``ratchet``).

    When out-of-county spending is not charged to the community (``outside_charged = false``),
    an income budget covers in-county care only: it is scaled by 1 − the base year's
    out-of-county share of fund spending (``outside_share``, per world).

    Parameters
    ----------
    table : the scenario's ``[budget]`` table.
    enrolled : scheme → insured persons of the year.
    spending : this year's fund spending charged to the community, yuan per world.
    last_budget, last_spending : last year's, yuan per world.
    outside_share : base-year share of fund spending paid out of county, per world.
    year : index from the base year.
    """
    n_worlds = spending.shape[0]
    if table.method == "income":
        rise = (1.0 + table.financing_growth) ** max(year - 1, 0)
        financing = {k: v * rise for k, v in table.per_capita_financing.model_dump().items()}
        budget = income_budget(enrolled, financing, table.risk_reserve,
                               table.serious_illness_share.model_dump(), table.community_share, table.tcm_tilt)
        budget = np.full(n_worlds, float(budget))
        if not table.outside_charged:
            budget = budget * (1.0 - outside_share)  # the budget covers in-county care only
        return budget
    if year == 0:
        return spending.copy()
    return history_budget(last_budget, last_spending, table.growth, table.ratchet)


class Prepayment(NamedTuple):
    """Monthly prepayment of a budget (按月预付) and the quality withhold (质量保证金)."""

    #: prepayment per month, yuan, shape ``budget.shape + (months,)``
    monthly: np.ndarray
    #: withheld total W = withhold_rate × B for the year, yuan, shape of ``budget``
    withheld: np.ndarray


def prepayment_schedule(budget: Any, withhold_rate: float, months: int = 12) -> Prepayment:
    """Monthly prepayments B / months × (1 − withhold_rate) and the year's withheld total.

    Parameters
    ----------
    budget : array-like, the budget B, yuan per year.
    withhold_rate : share of B withheld as 质量保证金, in [0, 1].
    months : number of prepayments in the year (12: monthly).

    Returns
    -------
    Prepayment
        ``monthly`` (shape ``[..., months]``) sums with ``withheld`` to B.
    """
    problems = _share_problems(withhold_rate=withhold_rate)
    if not (isinstance(months, int) and months >= 1):
        problems.append(Problem("months", f"must be a whole number >= 1 (got {months!r})"))
    if problems:
        raise InputError(problems, title="invalid prepayment input")
    B = np.asarray(budget, dtype=float)
    monthly = np.repeat((B / months * (1.0 - withhold_rate))[..., None], months, axis=-1)
    return Prepayment(monthly=monthly, withheld=B * withhold_rate)


def _share_problems(**shares: float) -> list[Problem]:
    return [Problem(name, f"must be in [0, 1] (got {value!r})")
            for name, value in shares.items() if not 0.0 <= value <= 1.0]
