"""Risk statistics and their standard errors (simulator.risk)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulator.risk import (REMAINDER, RISK_FIGURES, agresti_coull_se, proportion_se, risk_by_year,
                            tail_risk, variance_shares, worlds_for_se)


def _mj_se(ordered, weights):
    """SD of the order statistics under the given weights (the Maritz–Jarrett sum)."""
    ordered, weights = np.asarray(ordered, float), np.asarray(weights, float)
    centre = weights @ ordered
    return math.sqrt(weights @ (ordered - centre) ** 2)


# ------------------------------------------------------------------------------------ tail_risk
def test_tail_risk_hand_worked_single_world_tail():
    loss = np.array([40.0, 0, 10, 0, 100, 0, 20, 0, 50, 0])
    out = tail_risk(loss)
    # sorted 0,0,0,0,0,10,20,40,50,100; h = 9 × 0.95 = 8.55 → 50 + 0.55 × (100 − 50)
    assert out["var"] == pytest.approx(77.5)
    # k = max(1, ⌈0.5⌉) = 1: the worst world
    assert out["cvar"] == 100.0
    # m = round(8.55) + 1 = 10: U ~ Beta(10, 1), cdf u¹⁰, W_i = (i/10)¹⁰ − ((i−1)/10)¹⁰
    weights = [(i / 10) ** 10 - ((i - 1) / 10) ** 10 for i in range(1, 11)]
    assert out["var_se"] == pytest.approx(_mj_se(np.sort(loss), weights), rel=1e-12)
    # k = 1: tail variance 0, SE² = (1 − 1/10)(100 − 77.5)²
    assert out["cvar_se"] == pytest.approx(22.5 * math.sqrt(0.9))


def test_tail_risk_hand_worked_two_world_tail():
    out = tail_risk(np.arange(40, 0, -1.0))
    # h = 39 × 0.95 = 37.05 → 38 + 0.05; k = ⌈2⌉ = 2 → mean(40, 39)
    assert out["var"] == pytest.approx(38.05)
    assert out["cvar"] == 39.5
    # SE² = [Var(39, 40) + (1 − 2/40)(39.5 − 38.05)²] / 2 = (0.5 + 0.95 × 1.45²) / 2
    assert out["cvar_se"] == pytest.approx(math.sqrt((0.5 + 0.95 * 1.45 ** 2) / 2))


def test_tail_size_matches_results_risk_at_multiples_of_twenty():
    # float (1 − 0.95) × 20 = 1.0000000000000009; Results.risk's ⌈0.05 × 20⌉ = 1 world
    assert tail_risk(np.arange(1.0, 21.0))["cvar"] == 20.0
    assert tail_risk(np.arange(1.0, 401.0))["cvar"] == pytest.approx(np.mean(np.arange(381, 401)))


def test_tail_risk_ses_match_repeated_sampling():
    """Mean reported SE vs the estimator's sd over R = 400 samples of n = 400 (lognormal σ = 0.5).

    The empirical sd has relative SE ≈ 1/√(2(R−1)) = 3.5% and the mean SE ≈ 1–2%; across seeds the
    ratio spreads by ≈ 4.5% around finite-n biases of ≈ +4% (VaR) and −4% (CVaR), so 20% leaves
    more than 3.5 spreads beyond the bias.
    """
    rng = np.random.default_rng(20240601)
    runs = [tail_risk(x) for x in rng.lognormal(0.0, 0.5, size=(400, 400))]
    for key in ("var", "cvar"):
        estimates = np.array([r[key] for r in runs])
        ses = np.array([r[f"{key}_se"] for r in runs])
        assert ses.mean() / estimates.std(ddof=1) == pytest.approx(1.0, abs=0.2), key


def test_tail_risk_degenerate():
    one = tail_risk(np.array([7.0]))
    assert (one["var"], one["cvar"]) == (7.0, 7.0)
    assert math.isnan(one["var_se"]) and math.isnan(one["cvar_se"])
    for loss in (np.zeros(2), np.zeros(1000), np.full(3, 0.1)):
        out = tail_risk(loss)
        assert out["var"] == pytest.approx(loss[0]) and out["cvar"] == pytest.approx(loss[0])
        assert (out["var_se"], out["cvar_se"]) == (0.0, 0.0)
    two = tail_risk(np.array([0.0, 1.0]))  # m = 2: U ~ Beta(2, 1), W = (1/4, 3/4)
    assert two["var_se"] == pytest.approx(math.sqrt(3) / 4)


@pytest.mark.parametrize("loss, level", [(np.array([]), 0.95), (np.array([1.0, np.nan]), 0.95),
                                         (np.ones(3), 1.0), (np.ones(3), 0.0)])
def test_tail_risk_rejects_bad_input(loss, level):
    with pytest.raises(ValueError):
        tail_risk(loss, level)


# ---------------------------------------------------------------------------------- proportions
def test_proportion_ses_hand_values():
    assert proportion_se(3, 10) == pytest.approx(math.sqrt(0.3 * 0.7 / 10))
    assert proportion_se(0, 10) == 0.0 and proportion_se(10, 10) == 0.0
    assert math.isnan(proportion_se(0, 0))
    # z² = 3.8416: p̃ = 1.9208 / 13.8416, SE = √(p̃(1 − p̃)/13.8416)
    assert agresti_coull_se(0, 10) == pytest.approx(0.0929211, rel=1e-6)
    assert agresti_coull_se(30, 100) == pytest.approx(0.0452801, rel=1e-5)
    assert agresti_coull_se(10, 10) == pytest.approx(agresti_coull_se(0, 10))
    assert agresti_coull_se(0, 100_000) > 0.0
    with pytest.raises(ValueError):
        proportion_se(11, 10)


def test_worlds_for_se():
    assert worlds_for_se(0.2, 100, 0.1) == 400          # halving the SE needs 4n
    assert worlds_for_se(0.1 * 3, 1000, 0.1) == 9000    # 3.0000000000000004² is not rounded up
    assert worlds_for_se(0.15, 100, 0.1) == 225
    assert worlds_for_se(0.05, 100, 0.1) == 100         # already met: the worlds run so far
    assert worlds_for_se(0.0, 100, 0.1) == 100
    for bad in ((math.nan, 100, 0.1), (0.1, 0, 0.1), (0.1, 100, 0.0)):
        with pytest.raises(ValueError):
            worlds_for_se(*bad)


# --------------------------------------------------------------------------------- risk_by_year
def _hand_worlds() -> pd.DataFrame:
    rows = {  # year 2025 first: the result must come sorted
        "year": [2025] * 4 + [2024] * 4,
        "budget": [110.0] * 8,
        "fund_spending": [100, 100, 100, 100, 100, 120, 90, 130],
        "fund_payout": [100, 100, 100, 100, 100, 105, 112, 125],
        "community_net": [-10, 5, 5, 5, 50, -20, 10, -40],
    }
    return pd.DataFrame(rows).astype({c: float for c in rows if c != "year"})


def test_risk_by_year_hand_frame():
    table = risk_by_year(_hand_worlds())
    assert list(table.columns) == ["year"] + [c for f in RISK_FIGURES for c in (f, f"{f}_se")]
    assert table["year"].tolist() == [2024, 2025] and table["year"].dtype.kind == "i"
    y24, y25 = (table.iloc[i] for i in (0, 1))
    # n = 4: h = 3 × 0.95 = 2.85, k = 1; m = 4: U ~ Beta(4, 1), W = (1, 15, 65, 175) / 256
    weights = np.array([1, 15, 65, 175]) / 256
    # 2024: spending > budget in worlds 2 and 4; extra outlay (0, 0, 2, 15) → 2 + 0.85 × 13
    assert (y24.prob_overspend, y24.prob_overspend_se) == (0.5, 0.25)
    assert y24.overspend_var95 == pytest.approx(13.05) and y24.overspend_cvar95 == 15.0
    assert y24.overspend_var95_se == pytest.approx(_mj_se([0, 0, 2, 15], weights))
    assert y24.overspend_cvar95_se == pytest.approx(1.95 * math.sqrt(0.75))
    # 2024: community loss (0, 20, 0, 40) → 20 + 0.85 × 20
    assert (y24.prob_community_loss, y24.prob_community_loss_se) == (0.5, 0.25)
    assert y24.community_loss_var95 == pytest.approx(37.0) and y24.community_loss_cvar95 == 40.0
    assert y24.community_loss_var95_se == pytest.approx(_mj_se([0, 0, 20, 40], weights))
    assert y24.community_loss_cvar95_se == pytest.approx(3.0 * math.sqrt(0.75))
    # 2025: no overspend at all (every SE 0); one community loss of 10 → 0.85 × 10
    assert [y25[c] for c in RISK_FIGURES[:3]] == [0.0, 0.0, 0.0]
    assert [y25[f"{c}_se"] for c in RISK_FIGURES[:3]] == [0.0, 0.0, 0.0]
    assert y25.prob_community_loss == 0.25
    assert y25.prob_community_loss_se == pytest.approx(math.sqrt(0.25 * 0.75 / 4))
    assert y25.community_loss_var95 == pytest.approx(8.5) and y25.community_loss_cvar95 == 10.0
    assert y25.community_loss_var95_se == pytest.approx(_mj_se([0, 0, 0, 10], weights))
    assert y25.community_loss_cvar95_se == pytest.approx(1.5 * math.sqrt(0.75))


def test_risk_by_year_names_missing_columns():
    with pytest.raises(ValueError, match="community_net"):
        risk_by_year(_hand_worlds().drop(columns="community_net"))


# ------------------------------------------------------------------------------ variance_shares
def test_variance_shares_linear_model():
    """Y = 2·X1 + X2 + ε, all N(0, 1): shares 4/6, 1/6, 0 (X3), remainder 1/6, each within 3 SE.

    Without the bias correction X3 would get ≈ (B − 1)/n = 44/2000 = 0.022.
    """
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2000, 3))
    y = 2.0 * x[:, 0] + x[:, 1] + rng.standard_normal(2000)
    out = variance_shares(pd.DataFrame(x, columns=["x1", "x2", "x3"]), y, seed=3)
    assert out["factor"].tolist() == ["x1", "x2", "x3", REMAINDER]
    assert out["share"].sum() == pytest.approx(1.0)
    truth = np.array([4 / 6, 1 / 6, 0.0, 1 / 6])
    assert np.all(out["se"] > 0)
    assert np.all(np.abs(out["share"] - truth) <= 3 * out["se"]), out
    again = variance_shares(pd.DataFrame(x, columns=["x1", "x2", "x3"]), y, seed=3)
    pd.testing.assert_frame_equal(out, again)


def test_variance_shares_tied_and_constant_factors():
    rng = np.random.default_rng(11)
    binary = (rng.random(2000) < 0.5).astype(float)
    y = binary + rng.standard_normal(2000)  # Var(E[Y|X]) = 0.25 of Var(Y) = 1.25
    factors = pd.DataFrame({"binary": binary, "constant": np.ones(2000)})
    out = variance_shares(factors, y).set_index("factor")
    assert abs(out.loc["binary", "share"] - 0.2) <= 3 * out.loc["binary", "se"]
    assert (out.loc["constant", "share"], out.loc["constant", "se"]) == (0.0, 0.0)


def test_variance_shares_hand_worked_correction_may_be_negative():
    # bins {1, 2}, {3, 4}: y means 2 and 4 around 3 → SSB = 4, SST = 14, MSW = 10 / 2 = 5;
    # (4 − 1 × 5) / 4 / (14 / 3) < 0, kept
    out = variance_shares(pd.DataFrame({"x": [1.0, 2, 3, 4]}), np.array([1.0, 3, 2, 6]),
                          bins=2, bootstrap=0)
    assert out["share"].tolist() == pytest.approx([-0.25 / (14 / 3), 1 + 0.25 / (14 / 3)])
    assert out["se"].isna().all()


@pytest.mark.parametrize("n, outcome", [(3, [1.0, 2.0, 3.0]), (50, [5.0] * 50)])
def test_variance_shares_degenerate_gives_nan(n, outcome):
    factors = pd.DataFrame({"a": np.arange(n, dtype=float), "b": np.ones(n)})
    out = variance_shares(factors, np.array(outcome))
    assert out["factor"].tolist() == ["a", "b", REMAINDER]
    assert out["share"].isna().all() and out["se"].isna().all()
