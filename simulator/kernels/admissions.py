"""One admission episode: first contact, referral, the stays and their payment (jit-compiled).

Functions draw from the caller's stream ``st`` and add into one world's ``flows[tier, service,
scheme, quantity]``; they take the packed tables of :mod:`simulator.kernels.layout` (``grp``
per case group, ``tiers`` per tier, ``par`` scalars) and the benefit tables, never the model
tuple. Formulas (docs/model.md):

* Case group from the age band's case mix; first contact by logit over tiers with inpatient
  capability. A tier whose capability is below the case severity admits the patient for
  stabilisation (``referring_cost_share`` of the case cost and stay, paid fee-for-service) and
  refers them up — to the county hospital first with ``upward_in_county`` when it is capable,
  else to the next capable tier; out of county to an agreement hospital with probability
  ``agreement_share``. A full tier (bed-days used up; self-referred patients may not use the
  reserved share, 预留床位 for family-doctor referrals, which is released in step with the
  year) diverts the patient to the next capable tier. The referring stay takes beds even when
  its tier is full.
* Deductible continuation (连续计算起付线) charges a referred patient only the difference of
  deductibles. The inpatient fund payment is capped per person-year (封顶线).
* Post-acute cases treated at the county hospital or outside are sent down to the township with
  probability ``down_referral_share`` for the ``recovery_los_share`` part of the stay (a new
  admission, service ``long_stay``, priced at township per-day cost; the acute stay's cost
  shrinks by the share of days moved), paid per diem where the township's long-stay method is
  per diem and fee-for-service otherwise (a points method does not price a recovery stay).
  Long-stay groups cost per day of stay.
* Payment per admission, by the booking rule of the tier's method: fund share (FFS); points
  (DRG: ``100 × weight × tier coefficient``, coefficient 1 for 基础病组 at in-county tiers when
  ``base_groups_uniform``, valued after the year at the point value, minus the patient's OOP —
  or, for outliers with cost above ``high_ratio`` / below ``low_ratio`` × group mean, the fund
  share of cost); per diem ``rate × days`` (``taper_factor × rate`` after ``taper_after`` days)
  minus OOP, at least 0; after-year methods book nothing here.
"""

from __future__ import annotations

import math

from simulator.constants import (
    COUNTY, INPATIENT, LONG_STAY, N_SERVICES, N_TIERS, OUTSIDE_AGREEMENT, OUTSIDE_OTHER, Q_COST, Q_DAYS, Q_DIRECT,
    Q_EPISODES, Q_FUND, Q_OOP, Q_POINTS, Q_POINTS_ALL, Q_POINTS_COST, Q_POINTS_OOP, Q_POINTS_OUTLIER,
    Q_WEIGHT, TOWNSHIP,
)
from simulator.kernels import rng
from simulator.kernels.jit import jit
from simulator.kernels.layout import (
    BOOK_AFTER_YEAR, BOOK_PER_DIEM, BOOK_POINTS, G_BASE, G_COST, G_LONG_STAY, G_LOS, G_POINTS,
    G_POST_ACUTE, G_SEVERITY, G_WEIGHT, P_AGREEMENT_SHARE, P_CONTINUATION, P_COST_CV, P_DOWN_SHARE,
    P_LOS_DISPERSION, P_RECOVERY_SHARE, P_REFERRING_SHARE, P_RESERVED_SHARE, P_RULES, P_TAPER_AFTER,
    P_TAPER_FACTOR, P_UPWARD_IN_COUNTY, R_BASE_UNIFORM, R_COLUMNS, R_SCALE, T_BED_DAYS, T_CAPABILITY, T_COEF,
    T_COST_IN, T_LOS, T_PER_DIEM, V_COST, V_FUND, V_METHOD, V_OOP, V_POINTS, V_SCHEME, V_SERVICE,
    V_TIER, V_YUAN,
)
from simulator.payment.cases import REVIEW, book_case
from simulator.kernels.visits import record_micro

@jit
def next_capable(st, tiers, par, tier, severity):
    """Referral target above ``tier`` for a case of ``severity`` (county first when configured)."""
    upward = par[P_UPWARD_IN_COUNTY] > 0.0
    if tier < COUNTY and upward and tiers[COUNTY, T_CAPABILITY] >= severity:
        return COUNTY
    if not upward:
        for t in range(tier + 1, OUTSIDE_AGREEMENT):  # the next capable in-county tier
            if tiers[t, T_CAPABILITY] >= severity:
                return t
    ok_agree = tiers[OUTSIDE_AGREEMENT, T_CAPABILITY] >= severity
    ok_other = tiers[OUTSIDE_OTHER, T_CAPABILITY] >= severity
    in_county = tier < OUTSIDE_AGREEMENT
    if in_county and ok_agree and ok_other:
        return OUTSIDE_AGREEMENT if rng.uniform(st) < par[P_AGREEMENT_SHARE] else OUTSIDE_OTHER
    if in_county and ok_agree:
        return OUTSIDE_AGREEMENT
    if tier < OUTSIDE_OTHER and ok_other:
        return OUTSIDE_OTHER
    return tier  # nowhere better: treated where it is (validation prevents this for severities)


@jit
def _stay_days(st, grp, tiers, par, group, tier):
    mean = grp[group, G_LOS] * tiers[tier, T_LOS]
    return 1.0 + rng.negative_binomial(st, max(mean - 1.0, 0.0), par[P_LOS_DISPERSION])


@jit
def _has_room(tiers, par, used, tier, days, full_access, elapsed):
    """Whether ``tier`` has ``days`` bed-days left for this patient.

    Family-doctor referrals (``full_access``) may use every bed-day; other patients may not use
    the reserved share (预留床位), which is released in step with the year: after a share
    ``elapsed`` of the year's patients, ``reserved × (1 − elapsed)`` is still held back.
    """
    cap = tiers[tier, T_BED_DAYS]
    if cap <= 0.0:
        return True
    share = 1.0 if full_access else 1.0 - par[P_RESERVED_SHARE] * (1.0 - elapsed)
    return used[tier] + days <= share * cap


@jit
def _record(flows, tier, service, scheme, cost, fund, days):
    flows[tier, service, scheme, Q_EPISODES] += 1.0
    flows[tier, service, scheme, Q_COST] += cost
    flows[tier, service, scheme, Q_FUND] += fund
    flows[tier, service, scheme, Q_OOP] += cost - fund
    flows[tier, service, scheme, Q_DAYS] += days


@jit
def _pay(grp, tiers, par, method, flows, tier, service, scheme, group, cost, fund, days, cost_factor, drg_case,
         budget_pv, review, review_n):
    """Book one admission's fund payment under the booking rule of the tier's method for ``service``.

    ``drg_case``: whether a points method may price the stay (a recovery stay it may not). A
    points case is booked by :func:`simulator.payment.cases.book_case` at the world's budget
    point value ``budget_pv[m]``; a special-review candidate is also written to ``review``
    (``review_n`` counts them, past the capacity too).
    """
    how = method[service, tier]
    oop = cost - fund
    if how == BOOK_AFTER_YEAR:
        return  # valued from the year's flows by the method itself (simulator.payment.registry)
    if how == BOOK_POINTS and drg_case:
        m = method[N_SERVICES + service, tier]
        at = P_RULES + m * R_COLUMNS
        coef = tiers[tier, T_COEF + m]
        if par[at + R_BASE_UNIFORM] > 0.0 and grp[group, G_BASE] > 0.0 and tier <= COUNTY:
            coef = 1.0  # 基础病组: one payment standard at every in-county level
        mean = grp[group, G_COST] * tiers[tier, T_COST_IN] * cost_factor[tier]
        points, points_oop, yuan, klass = book_case(par, at, grp[group, G_POINTS + m], coef, cost, fund,
                                                    mean, budget_pv[m])
        flows[tier, service, scheme, Q_POINTS_ALL] += grp[group, G_POINTS + m] * coef * par[at + R_SCALE]
        flows[tier, service, scheme, Q_POINTS_COST] += cost
        flows[tier, service, scheme, Q_POINTS] += points
        flows[tier, service, scheme, Q_POINTS_OOP] += points_oop
        flows[tier, service, scheme, Q_POINTS_OUTLIER] += yuan
        if klass == REVIEW:
            _candidate(review, review_n, cost, points, points_oop, yuan, fund, tier, service, scheme, m)
    elif how == BOOK_PER_DIEM:
        full = min(days, par[P_TAPER_AFTER])
        gross = tiers[tier, T_PER_DIEM] * (full + par[P_TAPER_FACTOR] * (days - full))
        flows[tier, service, scheme, Q_DIRECT] += max(0.0, gross - oop)
    else:
        flows[tier, service, scheme, Q_DIRECT] += fund


@jit
def _candidate(review, review_n, cost, points, points_oop, yuan, fund, tier, service, scheme, m):
    """Write one special-review candidate's booking (layout.V_*) if the buffer has room."""
    k = review_n[0]
    if k < review.shape[0]:
        row = review[k]
        row[V_COST], row[V_POINTS], row[V_OOP], row[V_YUAN], row[V_FUND] = cost, points, points_oop, yuan, fund
        row[V_TIER], row[V_SERVICE], row[V_SCHEME], row[V_METHOD] = tier, service, scheme, m
    review_n[0] = k + 1


@jit
def _fund(in_scope, fund_share, scheme, tier, cost, deductible, cap_left):
    """Inpatient fund share of one stay: fund_share × (in-scope cost − deductible), within the cap."""
    return min(fund_share[scheme, 1, tier] * max(0.0, in_scope[scheme, 1, tier] * cost - deductible), cap_left)


@jit
def admission(st, grp, tiers, par, group_cdf, in_scope, fund_share, in_deductible, method,
              in_cdf, row, scheme, age, signed, cost_factor, used, cap_left, flows, referrals,
              person, micro, counter, elapsed, budget_pv, review, review_n):
    """Simulate one admission episode (first contact by ``in_cdf[row + severity - 1]``); return the fund cap
    left for the person-year (yuan). ``person`` >= 0 records its stays in ``micro``; ``elapsed``
    is the share of the world-year's persons already simulated (for the bed reserve);
    ``budget_pv``, ``review``, ``review_n``: the world's budget point values and special-review
    buffer (:func:`_pay`).

    The episode in order of its draws: case group and first contact, the admitting tier (a
    referral up, a diversion for lack of beds), the referring stay of a referral, the choice of
    a recovery stay at the township, the acute stay, the recovery stay.
    """
    group = rng.categorical(st, group_cdf, age, group_cdf.shape[1])
    severity = grp[group, G_SEVERITY]
    first = rng.categorical(st, in_cdf, row + int(severity) - 1, N_TIERS)  # rows by severity 1-4
    tier, days, referred = admitting_tier(st, grp, tiers, par, used, group, severity, first, signed, elapsed)
    ded_paid_first = 0.0
    if referred:
        r_fund, ded_paid_first = referring_stay(st, grp, tiers, par, in_scope, fund_share, in_deductible,
                                                scheme, group, first, tier, cost_factor, used, cap_left,
                                                flows, referrals, person, micro, counter)
        cap_left -= r_fund
    recovery = recovery_days(st, grp, tiers, par, used, group, tier, days, elapsed)
    ded = in_deductible[scheme, tier]
    if referred and par[P_CONTINUATION] > 0.0:
        ded = max(0.0, ded - ded_paid_first)
    cap_left = acute_stay(st, grp, tiers, par, in_scope, fund_share, method, scheme, group, tier, days,
                          recovery, ded, cost_factor, used, cap_left, flows, person, micro, counter,
                          budget_pv, review, review_n)
    if recovery > 0.0:
        cap_left = recovery_stay(st, grp, tiers, par, in_scope, fund_share, in_deductible, method, scheme,
                                 group, tier, recovery, cost_factor, used, cap_left, flows, referrals,
                                 person, micro, counter, budget_pv, review, review_n)
    return cap_left


@jit
def admitting_tier(st, grp, tiers, par, used, group, severity, first, signed, elapsed):
    """The tier that admits a case of ``severity`` first seen at ``first``, its stay (days), and
    whether the case was referred up from ``first`` (which a referring stay follows).

    A tier whose capability is below the severity refers the patient up (:func:`next_capable`);
    a full tier diverts them to the next capable one, where they are admitted instead.
    Family-doctor referrals (a signed patient referred up) may use the reserved beds.
    """
    tier = first
    referred = False
    if tiers[first, T_CAPABILITY] < severity:
        tier = next_capable(st, tiers, par, first, severity)
        referred = tier != first
    days = _stay_days(st, grp, tiers, par, group, tier)
    full_access = referred and signed == 1
    while not _has_room(tiers, par, used, tier, days, full_access, elapsed):
        target = next_capable(st, tiers, par, tier, max(severity, tiers[tier, T_CAPABILITY] + 1.0))
        if target == tier:
            break
        tier = target  # diverted for lack of beds: never admitted at the full tier
        days = _stay_days(st, grp, tiers, par, group, tier)
    return tier, days, referred


@jit
def referring_stay(st, grp, tiers, par, in_scope, fund_share, in_deductible, scheme, group, first, tier,
                   cost_factor, used, cap_left, flows, referrals, person, micro, counter):
    """The referring stay of an upward referral from ``first`` to ``tier``: stabilisation, then
    transfer, paid fee-for-service (``referring_cost_share`` of the case's cost and stay).

    Returns the stay's fund payment and the deductible the patient paid there (yuan).
    """
    share = par[P_REFERRING_SHARE]
    r_cost = rng.lognormal_mean_cv(st, share * grp[group, G_COST] * tiers[first, T_COST_IN]
                                   * cost_factor[first], par[P_COST_CV])
    r_days = max(1.0, math.floor(share * grp[group, G_LOS] * tiers[first, T_LOS] + 0.5))
    ded = in_deductible[scheme, first]
    r_fund = _fund(in_scope, fund_share, scheme, first, r_cost, ded, cap_left)
    ded_paid = min(ded, in_scope[scheme, 1, first] * r_cost)
    _record(flows, first, INPATIENT, scheme, r_cost, r_fund, r_days)
    flows[first, INPATIENT, scheme, Q_DIRECT] += r_fund
    if person >= 0:
        record_micro(micro, counter, person, first, INPATIENT, group, 1.0, r_days, r_cost,
                     in_scope[scheme, 1, first] * r_cost, r_fund, -1.0)
    used[first] += r_days
    referrals[first, tier] += 1.0
    return r_fund, ded_paid


@jit
def recovery_days(st, grp, tiers, par, used, group, tier, days, elapsed):
    """Days of a post-acute case's stay moved down to the township for recovery (下转康复), or 0.

    Cases treated at the county hospital or outside are sent down with probability
    ``down_referral_share`` for the ``recovery_los_share`` part of the stay, when both parts
    last a day or more and the township has the beds.
    """
    if not (grp[group, G_POST_ACUTE] > 0.0 and tier >= COUNTY and tiers[TOWNSHIP, T_CAPABILITY] >= 1.0
            and rng.uniform(st) < par[P_DOWN_SHARE]):
        return 0.0
    recovery = math.floor(days * par[P_RECOVERY_SHARE] + 0.5)
    if (recovery < 1.0 or days - recovery < 1.0
            or not _has_room(tiers, par, used, TOWNSHIP, recovery, True, elapsed)):
        return 0.0
    return recovery


@jit
def acute_stay(st, grp, tiers, par, in_scope, fund_share, method, scheme, group, tier, days, recovery,
               ded, cost_factor, used, cap_left, flows, person, micro, counter, budget_pv, review, review_n):
    """The stay at the admitting tier (``days`` less the ``recovery`` days moved down); returns
    the fund cap left (yuan). ``ded``: the deductible the patient still owes for it.

    A long-stay group's cost follows its days; days moved down for recovery are no longer spent,
    or costed, at the acute tier.
    """
    stay = days
    days -= recovery
    long_stay = grp[group, G_LONG_STAY] > 0.0
    service = LONG_STAY if long_stay else INPATIENT
    mean_cost = grp[group, G_COST] * tiers[tier, T_COST_IN] * cost_factor[tier]
    if long_stay:
        cost = rng.lognormal_mean_cv(st, mean_cost / (grp[group, G_LOS] * tiers[tier, T_LOS]) * days,
                                     par[P_COST_CV])
    else:
        cost = rng.lognormal_mean_cv(st, mean_cost * (days / stay), par[P_COST_CV])
    fund = _fund(in_scope, fund_share, scheme, tier, cost, ded, cap_left)
    cap_left -= fund
    _record(flows, tier, service, scheme, cost, fund, days)
    flows[tier, service, scheme, Q_WEIGHT] += grp[group, G_WEIGHT]
    _pay(grp, tiers, par, method, flows, tier, service, scheme, group, cost, fund, days, cost_factor, True,
         budget_pv, review, review_n)
    used[tier] += days
    if person >= 0:
        record_micro(micro, counter, person, tier, service, group, 1.0, days, cost,
                     in_scope[scheme, 1, tier] * cost, fund, -1.0)
    return cap_left


@jit
def recovery_stay(st, grp, tiers, par, in_scope, fund_share, in_deductible, method, scheme, group, tier,
                  recovery, cost_factor, used, cap_left, flows, referrals, person, micro, counter,
                  budget_pv, review, review_n):
    """The recovery stay at the township after an acute stay at ``tier`` (a new admission, service
    ``long_stay``, at township per-day cost); returns the fund cap left (yuan).

    Paid per diem where the township's long-stay method is per diem and fee-for-service
    otherwise (a points method does not price a recovery stay).
    """
    per_day = (grp[group, G_COST] * tiers[TOWNSHIP, T_COST_IN] * cost_factor[TOWNSHIP]
               / (grp[group, G_LOS] * tiers[TOWNSHIP, T_LOS]))
    r_cost = rng.lognormal_mean_cv(st, per_day * recovery, par[P_COST_CV])
    ded = in_deductible[scheme, TOWNSHIP]
    if par[P_CONTINUATION] > 0.0:
        ded = max(0.0, ded - in_deductible[scheme, tier])
    r_fund = _fund(in_scope, fund_share, scheme, TOWNSHIP, r_cost, ded, cap_left)
    cap_left -= r_fund
    _record(flows, TOWNSHIP, LONG_STAY, scheme, r_cost, r_fund, recovery)
    _pay(grp, tiers, par, method, flows, TOWNSHIP, LONG_STAY, scheme, group, r_cost, r_fund, recovery,
         cost_factor, False, budget_pv, review, review_n)
    used[TOWNSHIP] += recovery
    referrals[tier, TOWNSHIP] += 1.0
    if person >= 0:
        record_micro(micro, counter, person, TOWNSHIP, LONG_STAY, group, 1.0, recovery, r_cost,
                     in_scope[scheme, 1, TOWNSHIP] * r_cost, r_fund, -1.0)
    return cap_left
