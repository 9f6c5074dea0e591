"""The points rules (DRG, DIP) on hand-worked cases: booking, special review, point values.

Every expected number below was worked out by hand from the rules of
``simulator/payment/cases.py`` (module docstring) and ``docs/payments.md``; the arithmetic is in
the comment next to it. Nothing here calls the function under test to get an expectation.
Money in yuan, points without unit, point values in yuan per point.

Notation (docs/payments.md): b base points, c tier coefficient, x cost, f fund share, o = x − f
patient share, V budget point value, s = b·c·V the standard, r the reference cost, h / l / R the
high / low / review ratios; a booking is (points p, booked patient share o', outright yuan y,
class) and the case's fund payment at a point value v is y + p·v − o'.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from simulator.constants import (
    INPATIENT, N_QUANTITIES, N_SCHEMES, N_SERVICES, N_TIERS, Q_EPISODES, Q_POINTS,
    Q_POINTS_OOP, Q_POINTS_OUTLIER, RESIDENT,
)
from simulator.kernels.layout import (
    V_COLUMNS, V_COST, V_FUND, V_METHOD, V_OOP, V_POINTS, V_SCHEME, V_SERVICE, V_TIER, V_YUAN,
)
from simulator.payment.cases import (
    CLASS_NAMES, HIGH, LOW, NORMAL, REVIEW, ZERO, book_case, high_ratio, review_corrections,
    rule_row,
)
from simulator.payment.params import DipParams, DrgParams, HighBand
from simulator.payment.points import (
    PointsHistory, budget_point_value, method_payment, points_year, settlement_point_value,
)

REPO = Path(__file__).resolve().parents[2]
INF = float("inf")

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------

DRG_BASE = dict(mode="fixed", point_value=60.0, tier_coefficient=[1.0] * 6, base_groups_uniform=False,
                high_ratio=3.0, low_ratio=0.4)
TIERED = [HighBand(upto=100.0, ratio=3.0), HighBand(upto=200.0, ratio=2.0), HighBand(upto=INF, ratio=1.5)]


def drg(**changes) -> DrgParams:
    """A validated [payment.drg] table: V = 60, h = 3, l = 0.4, group-mean basis, cost_share for
    both outliers (the DRG defaults), unless changed."""
    return DrgParams(**{**DRG_BASE, **changes})


def book(params, b, c, x, f, mean, v_budget, scale=1.0):
    """(p, o', y, class) of one case under ``params``."""
    p, o, y, k = book_case(rule_row(params, scale), 0, b, c, x, f, mean, v_budget)
    return float(p), float(o), float(y), int(k)


def paid(booking, v):
    """The case's fund payment y + p·v − o' at point value v."""
    p, o, y, _ = booking
    return y + p * v - o


def assert_booking(got, points, oop, yuan, klass, what):
    p, o, y, k = got
    assert k == klass, f"{what}: class {CLASS_NAMES[k]}, expected {CLASS_NAMES[klass]} (booking {got})"
    assert p == pytest.approx(points, rel=1e-12, abs=1e-9), f"{what}: points {p}, expected {points}"
    assert o == pytest.approx(oop, rel=1e-12, abs=1e-9), f"{what}: booked patient share {o}, expected {oop}"
    assert y == pytest.approx(yuan, rel=1e-12, abs=1e-9), f"{what}: outright payment {y}, expected {yuan}"


# ---------------------------------------------------------------------------------------------
# DRG, V = 60 yuan/point. The group: weight 1.2 → b = 120, county tier c = 1, group mean m = 7,000,
# so s = 120 × 60 = 7,200; with h = 3, l = 0.4 the thresholds are 3 × 7,000 = 21,000 and
# 0.4 × 7,000 = 2,800 (outlier_basis = group_mean).
# ---------------------------------------------------------------------------------------------

B, C, M, V = 120.0, 1.0, 7000.0, 60.0


def test_drg_normal_case_is_booked_at_its_points():
    # x = 6,500 lies in [2,800, 21,000]: normal. p = b·c = 120, o' = o = 6,500 − 4,550 = 1,950, y = 0.
    got = book(drg(), B, C, 6500.0, 4550.0, M, V)
    assert_booking(got, 120.0, 1950.0, 0.0, NORMAL, "normal")
    # fund pays 120 × 60 − 1,950 = 5,250 at v = 60; 120 × 57.5 − 1,950 = 6,900 − 1,950 = 4,950 at v = 57.5
    assert paid(got, 60.0) == pytest.approx(5250.0)
    assert paid(got, 57.5) == pytest.approx(4950.0)


# the high outlier of docs example 2: x = 30,000 > 21,000, f = 24,000, o = 6,000
HIGH_X, HIGH_F, HIGH_O = 30000.0, 24000.0, 6000.0


def test_drg_high_outlier_cost_share():
    # cost_share: y = f = 24,000, nothing in points; paid 24,000 whatever v
    got = book(drg(high_outlier_pay="cost_share"), B, C, HIGH_X, HIGH_F, M, V)
    assert_booking(got, 0.0, 0.0, 24000.0, HIGH, "high, cost_share")
    assert paid(got, 50.0) == pytest.approx(24000.0)


def test_drg_high_outlier_standard():
    # standard: y = max(0, s − o) = max(0, 7,200 − 6,000) = 1,200
    got = book(drg(high_outlier_pay="standard"), B, C, HIGH_X, HIGH_F, M, V)
    assert_booking(got, 0.0, 0.0, 1200.0, HIGH, "high, standard")


def test_drg_high_outlier_standard_plus_excess():
    # e = 0.7: y = s + e (x − h·r) − o = 7,200 + 0.7 × (30,000 − 21,000) − 6,000
    #            = 7,200 + 6,300 − 6,000 = 7,500   (the excess is measured above h·r = 21,000, not r)
    got = book(drg(high_outlier_pay="standard_plus_excess", excess_share=0.7), B, C, HIGH_X, HIGH_F, M, V)
    assert_booking(got, 0.0, 0.0, 7500.0, HIGH, "high, standard_plus_excess")


def test_drg_high_outlier_adjusted_points():
    # p = b·c·((x / r − h) + 1) = 120 × ((30,000 / 7,000 − 3) + 1) = 120 × (30/7 − 2) = 120 × 16/7
    #   = 1,920 / 7 = 274.2857…; o' = o = 6,000; y = 0
    got = book(drg(high_outlier_pay="adjusted_points"), B, C, HIGH_X, HIGH_F, M, V)
    assert_booking(got, 1920.0 / 7.0, 6000.0, 0.0, HIGH, "high, adjusted_points")
    # at v = 60: 1,920 / 7 × 60 − 6,000 = 115,200 / 7 − 6,000 = 10,457.142857…
    assert paid(got, 60.0) == pytest.approx(115200.0 / 7.0 - 6000.0)
    assert paid(got, 60.0) == pytest.approx(10457.142857142857)


def test_drg_low_outlier_cost_share():
    # x = 2,000 < 2,800: low. cost_share: y = f = 1,400 (o = 600)
    got = book(drg(low_outlier_pay="cost_share"), B, C, 2000.0, 1400.0, M, V)
    assert_booking(got, 0.0, 0.0, 1400.0, LOW, "low, cost_share")


def test_drg_low_outlier_scaled_points():
    # scaled_points: p = b·c·x / r = 120 × 2,000 / 7,000 = 240 / 7 = 34.2857…; o' = o = 600
    got = book(drg(low_outlier_pay="scaled_points"), B, C, 2000.0, 1400.0, M, V)
    assert_booking(got, 240.0 / 7.0, 600.0, 0.0, LOW, "low, scaled_points")
    # at v = 60: 240/7 × 60 − 600 = 14,400/7 − 600 = 1,457.142857…
    assert paid(got, 60.0) == pytest.approx(14400.0 / 7.0 - 600.0)


def test_drg_outlier_basis_group_mean_vs_standard_high():
    # x = 21,300, f = 17,040 (80%), o = 4,260.
    # group_mean: r = 7,000, 21,300 > 3 × 7,000 = 21,000 → high, cost_share y = 17,040.
    # standard:   r = s = 7,200, 21,300 < 3 × 7,200 = 21,600 and > 0.4 × 7,200 = 2,880 → normal,
    #             p = 120, o' = 4,260.
    x, f = 21300.0, 17040.0
    assert_booking(book(drg(outlier_basis="group_mean"), B, C, x, f, M, V), 0.0, 0.0, 17040.0, HIGH,
                   "x = 21,300 against the group mean 7,000")
    assert_booking(book(drg(outlier_basis="standard"), B, C, x, f, M, V), 120.0, 4260.0, 0.0, NORMAL,
                   "x = 21,300 against the standard 7,200")


def test_drg_outlier_basis_group_mean_vs_standard_low():
    # x = 2,850, f = 2,280, o = 570.
    # group_mean: 2,850 ≥ 0.4 × 7,000 = 2,800 → normal, p = 120, o' = 570.
    # standard:   2,850 < 0.4 × 7,200 = 2,880 → low, cost_share y = 2,280.
    x, f = 2850.0, 2280.0
    assert_booking(book(drg(outlier_basis="group_mean"), B, C, x, f, M, V), 120.0, 570.0, 0.0, NORMAL,
                   "x = 2,850 against the group mean")
    assert_booking(book(drg(outlier_basis="standard"), B, C, x, f, M, V), 0.0, 0.0, 2280.0, LOW,
                   "x = 2,850 against the standard")


def test_drg_outlier_thresholds_are_strict():
    # x = 21,000 = 3 × 7,000 exactly is not above the threshold: normal (p = 120, o' = 21,000 − 16,800)
    assert_booking(book(drg(), B, C, 21000.0, 16800.0, M, V), 120.0, 4200.0, 0.0, NORMAL, "x = h·r")
    # x = 2,800 = 0.4 × 7,000 exactly is not below: normal (o' = 2,800 − 2,240 = 560)
    assert_booking(book(drg(), B, C, 2800.0, 2240.0, M, V), 120.0, 560.0, 0.0, NORMAL, "x = l·r")


def test_tiered_high_ratio_picks_the_first_band_that_covers_the_base_points():
    row = rule_row(drg(high_ratio_by_points=TIERED))
    # upto is inclusive: 80 → 3.0, 100 → 3.0, 100.5 → 2.0, 150 → 2.0, 200 → 2.0, 250 → 1.5, 1e9 → 1.5
    for b, h in ((80.0, 3.0), (100.0, 3.0), (100.5, 2.0), (150.0, 2.0), (200.0, 2.0), (250.0, 1.5), (1e9, 1.5)):
        assert high_ratio(row, 0, b) == h, f"b = {b}: expected h = {h}"
    # no bands: the flat high_ratio (3.0) for any b
    assert high_ratio(rule_row(drg()), 0, 250.0) == 3.0


def test_tiered_thresholds_the_same_cost_is_high_for_one_group_and_normal_for_another():
    # bands [≤100: 3, ≤200: 2, ∞: 1.5]; the same reference m = 7,000 for every group so only h differs.
    # x = 12,000 (f = 9,600, o = 2,400):
    #   b =  80: h = 3,   threshold 21,000 → normal, p = 80,  o' = 2,400
    #   b = 150: h = 2,   threshold 14,000 → normal, p = 150, o' = 2,400
    #   b = 250: h = 1.5, threshold 10,500 → high,   cost_share y = 9,600
    # x = 16,000 (f = 12,800, o = 3,200):
    #   b =  80: 16,000 < 21,000 → normal, p = 80, o' = 3,200 (paid 80 × 60 − 3,200 = 1,600)
    #   b = 150: 16,000 > 14,000 → high, y = 12,800
    #   b = 250: 16,000 > 10,500 → high, y = 12,800
    p = drg(high_ratio_by_points=TIERED)
    assert_booking(book(p, 80.0, C, 12000.0, 9600.0, M, V), 80.0, 2400.0, 0.0, NORMAL, "b 80, x 12,000")
    assert_booking(book(p, 150.0, C, 12000.0, 9600.0, M, V), 150.0, 2400.0, 0.0, NORMAL, "b 150, x 12,000")
    assert_booking(book(p, 250.0, C, 12000.0, 9600.0, M, V), 0.0, 0.0, 9600.0, HIGH, "b 250, x 12,000")
    normal80 = book(p, 80.0, C, 16000.0, 12800.0, M, V)
    assert_booking(normal80, 80.0, 3200.0, 0.0, NORMAL, "b 80, x 16,000")
    assert paid(normal80, 60.0) == pytest.approx(1600.0)
    assert_booking(book(p, 150.0, C, 16000.0, 12800.0, M, V), 0.0, 0.0, 12800.0, HIGH, "b 150, x 16,000")
    assert_booking(book(p, 250.0, C, 16000.0, 12800.0, M, V), 0.0, 0.0, 12800.0, HIGH, "b 250, x 16,000")


def test_docs_example_2_tiered_threshold():
    # b = 120 is in the 100–200 band: h = 2, threshold 2 × 7,000 = 14,000 < 16,000 → high, y = 12,800.
    # With the flat h = 3 (threshold 21,000) it is normal: paid 7,200 − 3,200 = 4,000.
    assert_booking(book(drg(high_ratio_by_points=TIERED), B, C, 16000.0, 12800.0, M, V), 0.0, 0.0, 12800.0, HIGH,
                   "b 120 tiered")
    flat = book(drg(), B, C, 16000.0, 12800.0, M, V)
    assert_booking(flat, 120.0, 3200.0, 0.0, NORMAL, "b 120 flat")
    assert paid(flat, 60.0) == pytest.approx(4000.0)


def test_drg_base_points_from_weight_with_rule_row_scale():
    # The kernels pass the DRG weight with scale 100: weight 1.2, township c = 0.65 → p = 1.2 × 0.65 × 100
    # = 78 points; s = 78 × 60 = 4,680. Reference: the group mean at the tier, 7,000 × 0.65 = 4,550,
    # thresholds 3 × 4,550 = 13,650 and 0.4 × 4,550 = 1,820.
    # x = 4,000 (f = 3,000, o = 1,000): normal, p = 78, o' = 1,000; paid 78 × 60 − 1,000 = 3,680.
    got = book(drg(), 1.2, 0.65, 4000.0, 3000.0, 4550.0, V, scale=100.0)
    assert_booking(got, 78.0, 1000.0, 0.0, NORMAL, "weight 1.2 × 0.65 × 100")
    assert paid(got, 60.0) == pytest.approx(3680.0)


def test_tiered_bands_compare_the_scaled_base_points_before_the_tier_coefficient():
    # weight 1.2 × scale 100 = b = 120 → band ≤200: h = 2 (b·c = 78 would have been band ≤100, h = 3).
    # x = 10,000 (f = 8,000) against r = 4,550: 10,000 > 2 × 4,550 = 9,100 → high, cost_share y = 8,000
    # (at h = 3 the threshold would be 13,650 and the case normal).
    got = book(drg(high_ratio_by_points=TIERED), 1.2, 0.65, 10000.0, 8000.0, 4550.0, V, scale=100.0)
    assert_booking(got, 0.0, 0.0, 8000.0, HIGH, "bands on b = 120, not b·c = 78")


def test_drg_patient_share_above_the_standard_is_class_zero_and_paid_nothing():
    # x = 8,000 is normal (2,800 ≤ 8,000 ≤ 21,000) but f = 500, so o = 7,500 > s = 7,200: class zero,
    # booked (0, 0, 0): the fund pays 0 at any v (not 7,200 − 7,500 = −300).
    got = book(drg(), B, C, 8000.0, 500.0, M, V)
    assert_booking(got, 0.0, 0.0, 0.0, ZERO, "o > s")
    assert paid(got, 60.0) == 0.0 and paid(got, 80.0) == 0.0
    # o = s exactly (x = 8,000, f = 800, o = 7,200) is still normal: paid 7,200 − 7,200 = 0 at V
    assert_booking(book(drg(), B, C, 8000.0, 800.0, M, V), 120.0, 7200.0, 0.0, NORMAL, "o = s")


def test_drg_standard_plus_excess_and_standard_are_floored_at_zero():
    # x = 22,000 > 21,000, f = 14,000, o = 8,000:
    #   standard_plus_excess: 7,200 + 0.7 × (22,000 − 21,000) − 8,000 = 7,200 + 700 − 8,000 = −100 → y = 0
    #   standard:             7,200 − 8,000 = −800 → y = 0
    x, f = 22000.0, 14000.0
    assert_booking(book(drg(high_outlier_pay="standard_plus_excess", excess_share=0.7), B, C, x, f, M, V),
                   0.0, 0.0, 0.0, HIGH, "standard_plus_excess below 0")
    assert_booking(book(drg(high_outlier_pay="standard"), B, C, x, f, M, V), 0.0, 0.0, 0.0, HIGH,
                   "standard below 0")
    # with o = 7,000 (f = 15,000) the same case is paid 7,200 + 700 − 7,000 = 900
    assert_booking(book(drg(high_outlier_pay="standard_plus_excess", excess_share=0.7), B, C, x, 15000.0, M, V),
                   0.0, 0.0, 900.0, HIGH, "standard_plus_excess above 0")


def test_drg_review_candidate_when_review_ratio_is_set():
    # review_ratio R = 5: x = 36,000 > 5 × 7,000 = 35,000 → review candidate, booked as a high outlier
    # (cost_share: y = f = 28,800); x = 34,000 < 35,000 is a plain high outlier (y = 27,200).
    p = drg(review_ratio=5.0, special_review={"quota": 0.05})
    assert_booking(book(p, B, C, 36000.0, 28800.0, M, V), 0.0, 0.0, 28800.0, REVIEW, "x > R·r")
    assert_booking(book(p, B, C, 34000.0, 27200.0, M, V), 0.0, 0.0, 27200.0, HIGH, "h·r < x < R·r")
    # without review_ratio no case is a candidate, however costly
    assert_booking(book(drg(), B, C, 1e6, 8e5, M, V), 0.0, 0.0, 8e5, HIGH, "no review_ratio")


# ---------------------------------------------------------------------------------------------
# DIP with DipParams defaults: h = 2, l = 0.5, r = s (standard basis), adjusted_points,
# scaled_points, R = 5. Docs example 3: M = 6,000, the group's mean cost 3,000 → score
# b = 3,000 / 6,000 × 1,000 = 500; c = 1, V = 6 → s = 3,000; low below 1,500, high above 6,000,
# review above 15,000. f = 70% of x. The group_mean argument is ignored under the standard basis:
# it is given as an absurd 99,999 to show it.
# ---------------------------------------------------------------------------------------------

DIP = DipParams()
SCORE, DIP_V, IGNORED = 500.0, 6.0, 99999.0


def dip(x, f, c=1.0, params=DIP):
    return book(params, SCORE, c, x, f, IGNORED, DIP_V)


def test_dip_defaults_are_the_documented_ones():
    assert (DIP.high_ratio, DIP.low_ratio, DIP.outlier_basis, DIP.high_outlier_pay, DIP.low_outlier_pay,
            DIP.review_ratio, DIP.review_quota, DIP.budget_weights, DIP.budget_basis, DIP.point_value, DIP.mode) == \
        (2.0, 0.5, "standard", "adjusted_points", "scaled_points", 5.0, 0.005, [1.0, 2.0, 7.0], "costs", 6.0,
         "floating")
    drg = DrgParams(mode="floating", point_value=60.0, tier_coefficient=[1.0] * 6, base_groups_uniform=False,
                    high_ratio=3.0, low_ratio=0.4, review_ratio=5.0, special_review={})
    assert (drg.review_quota, drg.budget_basis) == (0.05, "settled")  # DRG's quota default: 5% of cases


def test_dip_budget_point_value_is_the_weighted_cost_per_point():
    """医保办发〔2020〕50号: 1:2:7 of the last three years' costs over their standard points."""
    from simulator.payment.points import PointsHistory, budget_point_value

    h = PointsHistory.start(DIP, 1)
    h.values.append(np.array([6.0]))                                 # the base year at point_value
    h.costs, h.points = [np.array([6_000_000.0])], [np.array([1_000_000.0])]
    assert budget_point_value(DIP, h, 1)[0] == pytest.approx(6.0)   # one year: 6e6 / 1e6
    h.costs.append(np.array([7_000_000.0]))
    h.points.append(np.array([1_000_000.0]))
    # two years: weights 2 and 7 (the oldest, 1, has no year): (2 × 6e6 + 7 × 7e6) / (9 × 1e6)
    assert budget_point_value(DIP, h, 1)[0] == pytest.approx((2 * 6e6 + 7 * 7e6) / 9e6)
    h.costs.append(np.array([8_000_000.0]))
    h.points.append(np.array([1_100_000.0]))
    expected = (1 * 6e6 + 2 * 7e6 + 7 * 8e6) / (1 * 1e6 + 2 * 1e6 + 7 * 1.1e6)
    assert budget_point_value(DIP, h, 1)[0] == pytest.approx(expected)


def test_dip_low_case_scaled_points_pays_the_fund_share_at_v_equal_V():
    # x = 1,200 < 1,500: low. p = 500 × 1,200 / 3,000 = 200, o' = 360
    got = dip(1200.0, 840.0)
    assert_booking(got, 200.0, 360.0, 0.0, LOW, "DIP low")
    # at v = 6: 200 × 6 − 360 = 840 = f exactly; at v = 5.7: 1,140 − 360 = 780
    assert paid(got, 6.0) == pytest.approx(840.0)
    assert paid(got, 5.7) == pytest.approx(780.0)


def test_dip_normal_case():
    # x = 2,800: normal, p = 500, o' = 840; paid 3,000 − 840 = 2,160 at v = 6, 2,850 − 840 = 2,010 at 5.7
    got = dip(2800.0, 1960.0)
    assert_booking(got, 500.0, 840.0, 0.0, NORMAL, "DIP normal")
    assert paid(got, 6.0) == pytest.approx(2160.0)
    assert paid(got, 5.7) == pytest.approx(2010.0)


def test_dip_high_case_adjusted_points():
    # x = 9,000 > 6,000: high. p = 500 × ((9,000 / 3,000 − 2) + 1) = 500 × 2 = 1,000, o' = 2,700
    got = dip(9000.0, 6300.0)
    assert_booking(got, 1000.0, 2700.0, 0.0, HIGH, "DIP high")
    # paid 6,000 − 2,700 = 3,300 at v = 6; 5,700 − 2,700 = 3,000 at 5.7
    assert paid(got, 6.0) == pytest.approx(3300.0)
    assert paid(got, 5.7) == pytest.approx(3000.0)


def test_dip_review_candidate():
    # x = 18,000 > 15,000: review candidate. p = 500 × (18,000 / 3,000 − 2 + 1) = 500 × 5 = 2,500, o' = 5,400
    got = dip(18000.0, 12600.0)
    assert_booking(got, 2500.0, 5400.0, 0.0, REVIEW, "DIP review")
    # paid 15,000 − 5,400 = 9,600 at v = 6; 14,250 − 5,400 = 8,850 at 5.7
    assert paid(got, 6.0) == pytest.approx(9600.0)
    assert paid(got, 5.7) == pytest.approx(8850.0)


def test_dip_boundaries_are_strict():
    # x = 6,000 = 2 s: not high → normal (p 500, o' 1,800); x = 1,500 = 0.5 s: not low → normal (o' 450);
    # x = 15,000 = 5 s: high, not review → p = 500 × (5 − 2 + 1) = 2,000, o' = 4,500
    assert_booking(dip(6000.0, 4200.0), 500.0, 1800.0, 0.0, NORMAL, "x = 2 s")
    assert_booking(dip(1500.0, 1050.0), 500.0, 450.0, 0.0, NORMAL, "x = 0.5 s")
    assert_booking(dip(15000.0, 10500.0), 2000.0, 4500.0, 0.0, HIGH, "x = 5 s")


def test_dip_tier_coefficient_other_than_one():
    # c = 1.2: p = 600, s = 600 × 6 = 3,600; low below 1,800, high above 7,200, review above 18,000.
    # x = 7,000 (f 4,900, o 2,100): normal, p = 600, o' = 2,100 (with c = 1 it would be high: 7,000 > 6,000)
    assert_booking(dip(7000.0, 4900.0, c=1.2), 600.0, 2100.0, 0.0, NORMAL, "c 1.2, x 7,000")
    assert dip(7000.0, 4900.0)[3] == HIGH
    # x = 9,000 (o 2,700): high, p = 600 × ((9,000 / 3,600 − 2) + 1) = 600 × 1.5 = 900
    assert_booking(dip(9000.0, 6300.0, c=1.2), 900.0, 2700.0, 0.0, HIGH, "c 1.2, x 9,000")
    # x = 1,200 (o 360): low, p = 600 × 1,200 / 3,600 = 200 (= x / V whatever c, with r = s)
    assert_booking(dip(1200.0, 840.0, c=1.2), 200.0, 360.0, 0.0, LOW, "c 1.2, x 1,200")
    # x = 20,000 > 18,000 (o 6,000): review, p = 600 × (20,000 / 3,600 − 1) = 600 × 41/9 = 24,600 / 9
    assert_booking(dip(20000.0, 14000.0, c=1.2), 24600.0 / 9.0, 6000.0, 0.0, REVIEW, "c 1.2, x 20,000")


def test_dip_50hao_high_score_formula_at_h_2():
    # 医保办发〔2020〕50号: high score = [(x / mean − 2) + 1] × score, with mean = r = s = 3,000.
    # x = 12,000: [(4 − 2) + 1] × 500 = 1,500 = (4 − 1) × 500 (the same number at h = 2)
    got = dip(12000.0, 8400.0)
    assert_booking(got, 1500.0, 3600.0, 0.0, HIGH, "50号 x 12,000")
    # at v = V the hospital receives p·V = 1,500 × 6 = 9,000 = x − (h − 1)·s = 12,000 − 3,000
    assert got[0] * DIP_V == pytest.approx(12000.0 - 3000.0)
    # x = 7,500: [(2.5 − 2) + 1] × 500 = 750
    assert_booking(dip(7500.0, 5250.0), 750.0, 2250.0, 0.0, HIGH, "50号 x 7,500")


def test_dip_patient_share_above_the_standard_is_zero():
    # x = 3,100 is normal (1,500 ≤ 3,100 ≤ 6,000) but f = 0: o = 3,100 > s = 3,000 → zero, paid 0
    assert_booking(dip(3100.0, 0.0), 0.0, 0.0, 0.0, ZERO, "DIP o > s")


def test_dip_the_group_mean_is_used_only_under_the_group_mean_basis():
    # outlier_basis = group_mean with the group's mean 4,000: x = 9,000 > 2 × 4,000 = 8,000 → high,
    # p = 500 × ((9,000 / 4,000 − 2) + 1) = 500 × 1.25 = 625, o' = 2,700
    p = DipParams(outlier_basis="group_mean")
    got = book(p, SCORE, 1.0, 9000.0, 6300.0, 4000.0, DIP_V)
    assert_booking(got, 625.0, 2700.0, 0.0, HIGH, "DIP group_mean basis")


# ---------------------------------------------------------------------------------------------
# A case list through book_cases (the array form, mcsim points), and the same in plain Python
# ---------------------------------------------------------------------------------------------

# the DIP cases above: (x, f, c) → (p, o', y, class), worked above
CASE_LIST = [
    (1200.0, 840.0, 1.0, 200.0, 360.0, 0.0, LOW),
    (2800.0, 1960.0, 1.0, 500.0, 840.0, 0.0, NORMAL),
    (9000.0, 6300.0, 1.0, 1000.0, 2700.0, 0.0, HIGH),
    (18000.0, 12600.0, 1.0, 2500.0, 5400.0, 0.0, REVIEW),
    (3100.0, 0.0, 1.0, 0.0, 0.0, 0.0, ZERO),
    (9000.0, 6300.0, 1.2, 900.0, 2700.0, 0.0, HIGH),
    (20000.0, 14000.0, 1.2, 24600.0 / 9.0, 6000.0, 0.0, REVIEW),
]

# run both compiled (here) and with NUMBA_DISABLE_JIT=1 (a subprocess): DIP defaults at V = 6, plus
# the DRG high outlier of example 2 under standard_plus_excess (y = 7,500) and the zero case
BOOK_SCRIPT = r"""
import numpy as np
from simulator.payment.cases import book_case, book_cases, rule_row
from simulator.payment.params import DipParams, DrgParams

def run(cases):
    n = len(cases)
    x = np.array([c[0] for c in cases]); f = np.array([c[1] for c in cases]); c = np.array([c[2] for c in cases])
    out = [np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int64)]
    book_cases(rule_row(DipParams()), np.full(n, 500.0), c, x, f, np.full(n, 99999.0), 6.0, *out)
    drg = DrgParams(mode="fixed", point_value=60.0, tier_coefficient=[1.0] * 6, base_groups_uniform=False,
                    high_ratio=3.0, low_ratio=0.4, high_outlier_pay="standard_plus_excess")
    extra = [book_case(rule_row(drg, 100.0), 0, 1.2, 1.0, x_, f_, 7000.0, 60.0)
             for x_, f_ in ((30000.0, 24000.0), (8000.0, 500.0), (6500.0, 4550.0))]
    table = np.column_stack(out[:3] + [out[3].astype(float)])
    return np.vstack([table, np.array(extra, dtype=float)])
"""
#: hand results of the three DRG cases (weight 1.2 × 100 = 120 points, V = 60, m = 7,000):
#: example 2's high outlier, y = 7,500; o = 7,500 > s = 7,200: zero; the normal case: (120, 1,950)
DRG_EXTRA = [(0.0, 0.0, 7500.0, HIGH), (0.0, 0.0, 0.0, ZERO), (120.0, 1950.0, 0.0, NORMAL)]


def _hand_table() -> np.ndarray:
    rows = [case[3:] for case in CASE_LIST] + DRG_EXTRA
    return np.array(rows, dtype=float)


def _compiled_table() -> np.ndarray:
    namespace: dict = {}
    exec(BOOK_SCRIPT, namespace)
    return namespace["run"]([case[:3] for case in CASE_LIST])


def test_book_cases_over_a_case_list_gives_the_hand_bookings():
    got = _compiled_table()
    np.testing.assert_allclose(got, _hand_table(), rtol=1e-12, atol=1e-9,
                               err_msg="columns: points, booked patient share, outright yuan, class")


def test_plain_python_gives_the_compiled_bookings(tmp_path):
    # one subprocess under NUMBA_DISABLE_JIT=1 (numba reads it at import); it also checks that the
    # function really ran as plain Python (no .py_func: not a numba dispatcher)
    script = BOOK_SCRIPT + r"""
import sys
import simulator.payment.cases as cases
assert not hasattr(cases.book_case, "py_func"), "NUMBA_DISABLE_JIT was not honoured"
np.save(sys.argv[1], run(CASES))
"""
    cases_src = "CASES = " + repr([case[:3] for case in CASE_LIST])
    out = tmp_path / "python.npy"
    env = dict(os.environ, NUMBA_DISABLE_JIT="1")
    subprocess.run([sys.executable, "-c", cases_src + "\n" + script, str(out)], cwd=REPO, env=env, check=True,
                   timeout=300)
    python = np.load(out)
    np.testing.assert_allclose(python, _compiled_table(), rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(python, _hand_table(), rtol=1e-12, atol=1e-9)


# ---------------------------------------------------------------------------------------------
# Special review (特例单议): docs example 4's group (s = 3,000, V = 6, candidates above 15,000,
# f = 70% of x). Booked p = 500 × (x / 3,000 − 1), booked payment p·6 − 0.3 x.
# ---------------------------------------------------------------------------------------------

# candidate costs in the order the year met them (not sorted)
CAND_X = np.array([16000.0, 45000.0, 18500.0, 31000.0, 16500.0, 27000.0, 22000.0])
CAND_F = 0.7 * CAND_X
CAND_P = 500.0 * (CAND_X / 3000.0 - 1.0)
CAND_O = 0.3 * CAND_X
CAND_Y = np.zeros(7)


def _choose(n_cases, quota=0.005):
    return review_corrections(CAND_X, CAND_F, CAND_P, CAND_O, CAND_Y, n_cases, quota)


def test_review_candidates_are_booked_as_in_docs_example_4():
    # 45,000: p = 500 × 14 = 7,000, o' = 13,500, booked 42,000 − 13,500 = 28,500
    # 16,000: p = 500 × (16/3 − 1) = 2,166.67, booked 13,000 − 4,800 = 8,200
    for x, p_hand, paid_hand in ((45000.0, 7000.0, 28500.0), (16000.0, 6500.0 / 3.0, 8200.0)):
        got = dip(x, 0.7 * x)
        assert_booking(got, p_hand, 0.3 * x, 0.0, REVIEW, f"candidate {x}")
        assert paid(got, 6.0) == pytest.approx(paid_hand)


@pytest.mark.parametrize("n_cases, quota, chosen", [
    (199, 0.005, []),                 # k = ⌊0.995⌋ = 0
    (200, 0.005, [1]),                # k = ⌊1.0⌋ = 1: 45,000 (index 1)
    (600, 0.005, [1, 3, 5]),          # k = 3: 45,000, 31,000, 27,000
    (10000, 0.0003, [1, 3, 5]),       # 0.0003 × 10,000 = 2.9999999999999996 in floats: still k = 3
    (1000, 0.005, [1, 3, 5, 6, 2]),   # k = 5: docs example 4 (+ 22,000, 18,500)
    (999, 0.005, [1, 3, 5, 6]),       # k = ⌊4.995⌋ = 4
    (5000, 0.005, [0, 1, 2, 3, 4, 5, 6]),  # k = 25 > 7 candidates: all
])
def test_review_chooses_the_costliest_up_to_the_quota(n_cases, quota, chosen):
    got = _choose(n_cases, quota)
    expected = np.zeros(7, dtype=bool)
    expected[chosen] = True
    assert got.dtype == bool and got.shape == (7,)
    assert np.array_equal(got, expected), \
        f"N = {n_cases}, quota {quota}: chose {np.flatnonzero(got)}, expected {chosen}"


def test_review_ties_are_broken_by_order():
    # costs 20,000 (0), 30,000 (1), 20,000 (2), 20,000 (3); k = ⌊0.01 × 200⌋ = 2: 30,000, then the first
    # 20,000 met (index 0); k = 3 adds index 2, not 3
    x = np.array([20000.0, 30000.0, 20000.0, 20000.0])
    zeros = np.zeros(4)
    assert np.flatnonzero(review_corrections(x, zeros, zeros, zeros, zeros, 200, 0.01)).tolist() == [0, 1]
    assert np.flatnonzero(review_corrections(x, zeros, zeros, zeros, zeros, 300, 0.01)).tolist() == [0, 1, 2]


def test_review_pays_the_fund_share_instead_of_the_booking():
    # k = 3 at N = 600: 45,000, 31,000, 27,000 are paid f = 31,500 + 21,700 + 18,900 = 72,100 instead of
    # their bookings 28,500 + 18,700 + 15,900 = 63,100 (at v = 6): each gains s = 3,000 (f − (x − s − o)),
    # 9,000 in all. Δp = −p, Δo' = −o', Δy = f − y.
    chosen = _choose(600)
    points, oop, yuan = CAND_P.copy(), CAND_O.copy(), CAND_Y.copy()
    before = float(np.sum(yuan + points * 6.0 - oop))
    yuan[chosen] += CAND_F[chosen] - yuan[chosen]
    points[chosen] -= CAND_P[chosen]
    oop[chosen] -= CAND_O[chosen]
    after = float(np.sum(yuan + points * 6.0 - oop))
    assert np.allclose(points[chosen], 0.0) and np.allclose(oop[chosen], 0.0)
    assert yuan[chosen].tolist() == pytest.approx([31500.0, 21700.0, 18900.0])
    # all seven booked: 28,500 + 18,700 + 15,900 + 12,400 + 9,950 + 8,550 + 8,200 = 102,200
    assert before == pytest.approx(102200.0)
    assert after - before == pytest.approx(9000.0)


def _review_model():
    """A prepared-model stand-in for SpecialReview: DIP (method 1) pays inpatient care at every tier."""
    cells = np.zeros((N_TIERS, N_SERVICES), dtype=bool)
    cells[:, INPATIENT] = True
    drg_params = drg()
    payment = SimpleNamespace(drg=drg_params, dip=DipParams())
    return SimpleNamespace(scenario=SimpleNamespace(payment=payment), cells={"dip": cells})


def test_year_end_review_takes_back_the_booking_and_pays_the_fund_share():
    from simulator.payment.review import SpecialReview

    review = SpecialReview(_review_model())
    # one world; 600 DIP admissions at the county (tier 3), resident scheme: k = ⌊0.005 × 600⌋ = 3
    flows = np.zeros((1, N_TIERS, N_SERVICES, N_SCHEMES, N_QUANTITIES))
    county = (0, 3, INPATIENT, RESIDENT)
    flows[county + (Q_EPISODES,)] = 600.0
    flows[county + (Q_POINTS,)] = 1e6
    flows[county + (Q_POINTS_OOP,)] = 5e5
    buffer = np.zeros((1, 16, V_COLUMNS))
    for i in range(7):
        buffer[0, i, [V_COST, V_POINTS, V_OOP, V_YUAN, V_FUND]] = CAND_X[i], CAND_P[i], CAND_O[i], 0.0, CAND_F[i]
        buffer[0, i, [V_TIER, V_SERVICE, V_SCHEME, V_METHOD]] = 3, INPATIENT, RESIDENT, 1
    review.apply(flows, buffer, np.array([[7]]))
    # chosen: 45,000, 31,000, 27,000 (p 7,000 + 4,666.67 + 4,000 = 15,666.67; o' 13,500 + 9,300 + 8,100
    # = 30,900; f 31,500 + 21,700 + 18,900 = 72,100)
    assert flows[county + (Q_POINTS,)] == pytest.approx(1e6 - 47000.0 / 3.0)
    assert flows[county + (Q_POINTS_OOP,)] == pytest.approx(5e5 - 30900.0)
    assert flows[county + (Q_POINTS_OUTLIER,)] == pytest.approx(72100.0)


# ---------------------------------------------------------------------------------------------
# Settlement point value (docs example 6): V = 60, Y = 1,500,000 outliers, Π = 200,000 points,
# O = 3,000,000 booked patient shares.
# ---------------------------------------------------------------------------------------------

Y_OUT, PI, O_OOP = 1.5e6, 2e5, 3e6


def spv(pool, band=None, floor=0.0, yuan=Y_OUT, points=PI, oop=O_OOP, budget=60.0):
    v, pay, deficit = settlement_point_value(points, oop, yuan, pool, budget, band, floor)
    return float(v), float(pay), float(deficit)


def test_pure_floating_spends_the_pool_to_the_yuan():
    # v* = (10,000,000 − 1,500,000 + 3,000,000) / 200,000 = 11,500,000 / 200,000 = 57.5;
    # payment 1,500,000 + 200,000 × 57.5 − 3,000,000 = 10,000,000 = P; deficit 0
    v, pay, deficit = spv(1e7)
    assert v == pytest.approx(57.5)
    assert abs(pay - 1e7) < 1.0 and deficit == 0.0
    # P = 9,000,000: v* = 10,500,000 / 200,000 = 52.5; P = 12,000,000: 13,500,000 / 200,000 = 67.5
    assert spv(9e6)[:2] == pytest.approx((52.5, 9e6))
    assert spv(1.2e7)[:2] == pytest.approx((67.5, 1.2e7))
    # an awkward pool is spent to the yuan too: P = 9,876,543.21 → v* = (9,876,543.21 − 1,500,000
    # + 3,000,000) / 200,000 = 11,376,543.21 / 200,000 = 56.88271605
    v, pay, deficit = spv(9876543.21)
    assert v == pytest.approx(56.88271605) and abs(pay - 9876543.21) < 1.0 and deficit < 1.0


def test_band_below_its_floor_the_fund_pays_a_deficit():
    # band [0.9, 1.1] × 60 = [54, 66]; P = 9,000,000: v* = 52.5 < 54 → v = 54;
    # payment 1,500,000 + 200,000 × 54 − 3,000,000 = 1,500,000 + 10,800,000 − 3,000,000 = 9,300,000;
    # deficit 9,300,000 − 9,000,000 = 300,000 (v rises above v*: S rises)
    v, pay, deficit = spv(9e6, band=[0.9, 1.1])
    assert (v, pay, deficit) == pytest.approx((54.0, 9.3e6, 3e5))


def test_band_above_its_ceiling_the_pool_is_not_all_spent():
    # P = 12,000,000: v* = 67.5 > 66 → v = 66; payment 1,500,000 + 13,200,000 − 3,000,000 = 11,700,000
    # < P (300,000 stay with the fund); deficit 0
    v, pay, deficit = spv(1.2e7, band=[0.9, 1.1])
    assert (v, pay, deficit) == pytest.approx((66.0, 1.17e7, 0.0))


def test_band_inside_changes_nothing():
    # P = 10,000,000: v* = 57.5 inside [54, 66]
    assert spv(1e7, band=[0.9, 1.1]) == pytest.approx((57.5, 1e7, 0.0))


def test_floor_holds_a_would_be_negative_value_and_records_the_deficit():
    # outliers Y = 13,000,000 exceed P = 9,000,000: v* = (9,000,000 − 13,000,000 + 3,000,000) / 200,000 = −5
    # floor 10: v = 10, payment 13,000,000 + 2,000,000 − 3,000,000 = 12,000,000, deficit 3,000,000
    assert spv(9e6, floor=10.0, yuan=1.3e7) == pytest.approx((10.0, 1.2e7, 3e6))
    # the default floor 0: v = 0 (never negative), payment 13,000,000 − 3,000,000 = 10,000,000,
    # deficit 1,000,000
    assert spv(9e6, yuan=1.3e7) == pytest.approx((0.0, 1e7, 1e6))
    # docs example 6: floor 55 with P = 9,000,000: v* = 52.5 → 55, pays 1.5e6 + 11e6 − 3e6 = 9,500,000
    assert spv(9e6, floor=55.0) == pytest.approx((55.0, 9.5e6, 5e5))


def test_the_floor_beats_the_bands_ceiling():
    # band [0.9, 1.1] × 60 = [54, 66], floor 70: v = 70; pays 1.5e6 + 14e6 − 3e6 = 12,500,000 vs P 12e6
    assert spv(1.2e7, band=[0.9, 1.1], floor=70.0) == pytest.approx((70.0, 1.25e7, 5e5))


def test_no_points_gives_the_budget_point_value():
    # Π = 0: v = V = 60 (nothing to price, no division by zero); payment = Y − O = 500,000 − 0
    assert spv(1e6, points=0.0, oop=0.0, yuan=5e5) == pytest.approx((60.0, 5e5, 0.0))
    assert spv(1e6, band=[0.9, 1.1], points=0.0, oop=0.0, yuan=5e5)[0] == pytest.approx(60.0)


def test_settlement_point_value_per_world():
    # three worlds: P 10e6, 9e6, 12e6 with the band [0.9, 1.1] → 57.5, 54, 66 (above)
    v, pay, deficit = settlement_point_value(np.full(3, PI), np.full(3, O_OOP), np.full(3, Y_OUT),
                                             np.array([1e7, 9e6, 1.2e7]), np.full(3, 60.0), [0.9, 1.1], 0.0)
    np.testing.assert_allclose(v, [57.5, 54.0, 66.0])
    np.testing.assert_allclose(pay, [1e7, 9.3e6, 1.17e7])
    np.testing.assert_allclose(deficit, [0.0, 3e5, 0.0], atol=1e-6)


# ---------------------------------------------------------------------------------------------
# The cell guard (method_payment, points_year): one world, two inpatient cells.
# ---------------------------------------------------------------------------------------------

TOWNSHIP, COUNTY = 1, 3


def two_cells(township=(20000.0, 1.25e6, 0.0), county=(180000.0, 1.75e6, 1.5e6)):
    """flows[1, tier, service, scheme, quantity] with (points, booked patient share, outliers) in
    the township and county inpatient cells (resident scheme), and the cells mask."""
    flows = np.zeros((1, N_TIERS, N_SERVICES, N_SCHEMES, N_QUANTITIES))
    for tier, (p, o, y) in ((TOWNSHIP, township), (COUNTY, county)):
        flows[0, tier, INPATIENT, RESIDENT, [Q_POINTS, Q_POINTS_OOP, Q_POINTS_OUTLIER]] = p, o, y
    cells = np.zeros((N_TIERS, N_SERVICES), dtype=bool)
    cells[[TOWNSHIP, COUNTY], INPATIENT] = True
    return flows, cells


def test_method_payment_a_cell_below_zero_is_paid_its_outliers_only():
    # township: 20,000 points, 1,250,000 patient share, 200,000 outliers; county: 180,000 points,
    # 1,750,000, 1,300,000 (totals Y 1.5e6, Π 2e5, O 3e6 as above).
    # at v = 57.5: township points worth 1,150,000 < 1,250,000 → points part 0, paid its 200,000 only;
    # county 10,350,000 − 1,750,000 + 1,300,000 = 9,900,000. Total 10,100,000 (aggregate formula gives
    # 10,000,000; the guard adds 1,250,000 − 1,150,000 = 100,000)
    from simulator.payment.valuation import cell_payments

    flows, cells = two_cells(township=(20000.0, 1.25e6, 2e5), county=(180000.0, 1.75e6, 1.3e6))
    assert method_payment(flows, cells, np.array([57.5]))[0] == pytest.approx(1.01e7)
    value = np.zeros((1, N_TIERS, N_SERVICES))
    value[0, [TOWNSHIP, COUNTY], INPATIENT] = 57.5
    per_cell = cell_payments(flows, value)
    assert per_cell[0, TOWNSHIP, INPATIENT, RESIDENT] == pytest.approx(2e5), "township: its outliers only"
    assert per_cell[0, COUNTY, INPATIENT, RESIDENT] == pytest.approx(9.9e6)
    # at v = 62.5 both cells are positive (township 1,250,000 − 1,250,000 = 0): no guard;
    # 1,500,000 + 200,000 × 62.5 − 3,000,000 = 11,000,000
    assert method_payment(flows, cells, np.array([62.5]))[0] == pytest.approx(1.1e7)


def test_method_payment_ignores_cells_of_other_methods():
    # a stray booking in a cell the method does not pay (county outpatient) is not its payment
    flows, cells = two_cells()
    flows[0, COUNTY, 0, RESIDENT, [Q_POINTS, Q_POINTS_OOP, Q_POINTS_OUTLIER]] = 1e6, 0.0, 1e6
    # township guard: 0 (points part); county 180,000 × 57.5 − 1,750,000 + 1,500,000 = 10,100,000
    assert method_payment(flows, cells, np.array([57.5]))[0] == pytest.approx(1.01e7)


def _history(values, pool=0.0, share=0.0):
    return PointsHistory(values=[np.array([v]) for v in values], pool=np.array([pool]), share=np.array([share]))


def test_points_year_budget_pool_with_the_guard_deficit():
    # docs example 6, the cell guard: B = 40,000,000 × pool_share 0.25 = P 10,000,000; V = 60 (last
    # settlement values 60, 60, 60); v* = 57.5; the township cell is guarded: the fund pays 10,100,000,
    # a deficit of 100,000 with no band at all
    flows, cells = two_cells()
    params = drg(mode="floating", pool_share=0.25)
    year = points_year(params, flows, cells, _history([60.0, 60.0, 60.0]), 1, np.array([4e7]))
    assert float(year.pool[0]) == pytest.approx(1e7)
    assert float(year.budget_value[0]) == pytest.approx(60.0)
    assert float(year.point_value[0]) == pytest.approx(57.5)
    assert float(year.fund_payment[0]) == pytest.approx(1.01e7)
    assert float(year.deficit[0]) == pytest.approx(1e5)
    # B = 36,000,000 → P = 9,000,000 with the band [0.95, 1.05] × 60 = [57, 63]: v* = 52.5 → 57;
    # county 180,000 × 57 − 1,750,000 + 1,500,000 = 10,010,000, township 0: deficit 1,010,000
    banded = drg(mode="floating", pool_share=0.25, point_value_band=[0.95, 1.05])
    year = points_year(banded, flows, cells, _history([60.0, 60.0, 60.0]), 1, np.array([3.6e7]))
    assert (float(year.point_value[0]), float(year.fund_payment[0]), float(year.deficit[0])) == \
        pytest.approx((57.0, 1.001e7, 1.01e6))


def test_points_year_history_pool_and_fixed_mode():
    # history: P = 10,000,000 × 1.05 = 10,500,000; v* = (10,500,000 − 1,500,000 + 3,000,000) / 200,000 = 60.
    # township 20,000 × 60 = 1,200,000 < 1,250,000: points part 0 (guard 50,000); county
    # 180,000 × 60 − 1,750,000 + 1,500,000 = 10,550,000: paid 10,550,000, deficit 50,000
    flows, cells = two_cells()
    params = drg(mode="floating", pool_basis="history", pool_growth=0.05)
    year = points_year(params, flows, cells, _history([60.0, 60.0, 60.0], pool=1e7), 1, np.array([4e7]))
    assert float(year.pool[0]) == pytest.approx(1.05e7)
    assert float(year.point_value[0]) == pytest.approx(60.0)
    assert float(year.fund_payment[0]) == pytest.approx(1.055e7)
    assert float(year.deficit[0]) == pytest.approx(5e4)
    # fixed: v = point_value = 60 whatever the pool; reported pool = the payments, deficit 0
    fixed = points_year(drg(), flows, cells, _history([50.0, 55.0, 58.0], pool=1e7), 1, np.array([4e7]))
    assert (float(fixed.point_value[0]), float(fixed.pool[0]), float(fixed.deficit[0])) == \
        pytest.approx((60.0, 1.055e7, 0.0))


# ---------------------------------------------------------------------------------------------
# Budget point value (预算点值), docs example 5: point_value 6, v1 = 5.6, v2 = 5.8; the base year
# and the two years before count at 6.
# ---------------------------------------------------------------------------------------------

def test_budget_point_value_with_weights_1_2_7():
    p = DipParams()  # [1, 2, 7]
    # year 1: (6 + 2 × 6 + 7 × 6) / 10 = 6.00
    assert budget_point_value(p, _history([6.0, 6.0, 6.0]), 1)[0] == pytest.approx(6.0)
    # year 2: (6 + 2 × 6 + 7 × 5.6) / 10 = (6 + 12 + 39.2) / 10 = 5.72
    assert budget_point_value(p, _history([6.0, 6.0, 6.0, 5.6]), 1)[0] == pytest.approx(5.72)
    # year 3: (6 + 2 × 5.6 + 7 × 5.8) / 10 = (6 + 11.2 + 40.6) / 10 = 5.78 (only the last three count)
    assert budget_point_value(p, _history([6.0, 6.0, 6.0, 5.6, 5.8]), 1)[0] == pytest.approx(5.78)
    # per world: (1 × 7 + 2 × 6 + 7 × 5) / 10 = 5.4 and (1 × 5 + 2 × 5 + 7 × 8) / 10 = 7.1
    hist = PointsHistory(values=[np.array([7.0, 5.0]), np.array([6.0, 5.0]), np.array([5.0, 8.0])],
                         pool=np.zeros(2), share=np.zeros(2))
    np.testing.assert_allclose(budget_point_value(p, hist, 2), [5.4, 7.1])


def test_budget_point_value_drg_style_fixed_and_the_first_years():
    # [0, 0, 1]: last settlement value, 5.8
    drg_style = DipParams(budget_weights=[0.0, 0.0, 1.0])
    assert budget_point_value(drg_style, _history([6.0, 5.6, 5.8]), 1)[0] == pytest.approx(5.8)
    # fixed mode: point_value (6) whatever the history
    fixed = DipParams(mode="fixed")
    assert budget_point_value(fixed, _history([6.0, 5.6, 5.8]), 1)[0] == 6.0
    # no history (the base year) or fewer than three values: point_value
    assert budget_point_value(DipParams(), None, 3).tolist() == [6.0, 6.0, 6.0]
    assert budget_point_value(DipParams(), PointsHistory.start(DipParams(), 1), 1)[0] == 6.0
    # unnormalised weights: [2, 4, 14] is the same mean as [1, 2, 7]: 5.78
    assert budget_point_value(DipParams(budget_weights=[2.0, 4.0, 14.0]), _history([6.0, 5.6, 5.8]), 1)[0] == \
        pytest.approx(5.78)
