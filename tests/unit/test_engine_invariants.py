"""Invariants of a simulated run: money conserved, settlement consistent, DRG pool exact, seeds.

Runs the shipped reference scenario at a small size (the invariants hold for any size).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import simulator
from simulator.constants import TIER_NAMES
from simulator.scenario import load_scenario
from simulator.settlement.resolve import resolve_settlement
from simulator.settlement import settle

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"
SMALL = ["population.size=6000", "scenario.years=3", "dynamics.epidemic={probability=0.3, uplift=0.08}"]


@pytest.fixture(scope="module")
def reference_run():
    return simulator.run(REFERENCE, overrides=SMALL, replications=6, seed=123)


def test_money_is_conserved_per_tier_and_service(reference_run) -> None:
    f = reference_run.flows
    np.testing.assert_allclose(f["cost"], f["fund"] + f["oop"], rtol=1e-12, atol=1e-6)
    assert (f["fund"] >= -1e-9).all() and (f["oop"] >= -1e-9).all()


def test_settlement_identities_and_settle_agree(reference_run) -> None:
    w = reference_run.worlds
    np.testing.assert_allclose(w["fund_payout"] - w["fund_spending"], w["community_net"], atol=1e-6)
    np.testing.assert_allclose(w["balance"], w["budget"] - w["fund_spending"], rtol=1e-12)
    rules, _ = resolve_settlement(reference_run.scenario)
    again = settle(rules, w["budget"].to_numpy(), w["fund_spending"].to_numpy(), w["assessment_score"].to_numpy())
    for key, value in again.to_dict().items():
        np.testing.assert_allclose(w[key].to_numpy(), value, rtol=1e-12, atol=1e-6, err_msg=key)


def test_the_drg_pool_is_the_drg_part_of_the_budget_within_the_band(reference_run) -> None:
    w = reference_run.worlds
    drg = reference_run.scenario.payment.drg
    assert drg.mode == "floating" and drg.pool_basis == "budget" and drg.point_value_band == [0.9, 1.1]
    for _, world in w.groupby("world"):  # one share of the budget, the base year's, in every year
        share = (world["drg_pool"] / world["budget"]).to_numpy()
        np.testing.assert_allclose(share, share[0], rtol=1e-12)
    ratio = w["drg_point_value"] / w["drg_budget_point_value"]
    assert ratio.between(0.9 - 1e-12, 1.1 + 1e-12).all()
    np.testing.assert_allclose(w["drg_pool_deficit"], np.maximum(w["drg_fund_payment"] - w["drg_pool"], 0.0),
                               atol=1e-6)
    inside = ratio.between(0.9 + 1e-9, 1.1 - 1e-9)  # the point value floated freely: the pool is spent
    assert np.all(np.abs(w.loc[inside, "drg_fund_payment"] - w.loc[inside, "drg_pool"]) < 1.0)


def test_a_pure_floating_point_value_spends_the_pool_exactly() -> None:
    r = simulator.run(REFERENCE, overrides=SMALL + ["payment.drg.point_value_band=[0.0, inf]"],
                      replications=3, seed=5)
    w = r.worlds
    assert np.all(np.abs(w["drg_fund_payment"] - w["drg_pool"]) < 1.0)  # to the yuan
    assert (w["drg_pool_deficit"] < 1.0).all()


def test_the_history_pool_grows_by_pool_growth() -> None:
    r = simulator.run(REFERENCE, overrides=SMALL + ["payment.drg.pool_basis=history", "payment.drg.pool_growth=0.05",
                                                   "payment.drg.point_value_band=[0.0, inf]"],
                      replications=3, seed=5)
    for _, world in r.worlds.sort_values("year").groupby("world"):
        np.testing.assert_allclose(world["drg_pool"].to_numpy()[1:], world["drg_pool"].to_numpy()[:-1] * 1.05)


def test_fixed_point_value_is_constant():
    r = simulator.run(REFERENCE, overrides=SMALL + ["payment.drg.mode=fixed"], replications=3, seed=5)
    assert np.all(r.worlds["drg_point_value"] == 62.0)


def test_shares_are_shares(reference_run) -> None:
    w = reference_run.worlds
    for key in ("county_visit_share", "county_inpatient_share", "primary_visit_share", "county_fund_share",
                "primary_fund_share", "effective_reimbursement_rate"):
        assert w[key].between(0, 1).all(), key


def test_same_seed_same_bytes_any_thread_count_and_split() -> None:
    import numba

    base = simulator.run(REFERENCE, overrides=SMALL, replications=4, seed=77, threads=1)
    if numba.config.NUMBA_NUM_THREADS >= 2:
        two = simulator.run(REFERENCE, overrides=SMALL, replications=4, seed=77, threads=2)
        assert base.worlds.equals(two.worlds) and base.flows.equals(two.flows)
    again = simulator.run(REFERENCE, overrides=SMALL, replications=4, seed=77, threads=1)
    assert base.worlds.equals(again.worlds)
    tail = simulator.run(REFERENCE, overrides=SMALL, seed=77, threads=1, worlds=range(2, 4))
    part = base.worlds[base.worlds.world >= 2].reset_index(drop=True)
    assert part.equals(tail.worlds.reset_index(drop=True))
    other = simulator.run(REFERENCE, overrides=SMALL, replications=4, seed=78, threads=1)
    assert not base.worlds["fund_spending"].equals(other.worlds["fund_spending"])


def test_a_world_gives_the_same_bits_in_any_group_of_worlds() -> None:
    """Per-world sums must not depend on the run's world count (numpy picks a multi-axis
    reduction's order from the whole shape): a batch resumed with other bundles gives the same
    bytes. This configuration differed in its last bit before sums.cell_sum."""
    from simulator.engine import run_worlds
    from simulator.results import world_columns

    s = load_scenario(REFERENCE, {"population.size": 800, "scenario.years": 2, "budget.method": "income",
                                  "settlement.rules": "county-tiered", "budget.risk_reserve": 0.03})
    whole = world_columns(run_worlds(s, worlds=range(0, 5), seed=11, threads=1))
    for part in (range(4, 5), range(2, 5), range(1, 3)):
        cols = world_columns(run_worlds(s, worlds=part, seed=11, threads=1))
        rows = np.isin(whole["world"], np.arange(part.start, part.stop))
        for key, value in cols.items():
            assert np.array_equal(whole[key][rows], value, equal_nan=True), (part, key)


def test_a_single_thread_run_leaves_the_thread_count_alone() -> None:
    """numba's thread count is per thread: run(threads=1) must not make later runs serial."""
    import numba

    before = numba.get_num_threads()
    simulator.run(REFERENCE, overrides=["population.size=500", "scenario.years=1"], replications=1,
                  seed=1, threads=1)
    assert numba.get_num_threads() == before


def test_given_populations_give_the_same_worlds() -> None:
    from simulator.engine import run_worlds
    from simulator.prepare import prepare

    def population_years(s, seed):
        return list(prepare(s).population_years())

    s = load_scenario(REFERENCE, SMALL)
    plain = run_worlds(s, worlds=range(1, 4), seed=5, threads=1)
    given = run_worlds(s, worlds=range(1, 4), seed=5, threads=1, populations=population_years(s, 5))
    for key, value in plain.indicators.items():
        np.testing.assert_array_equal(value, given.indicators[key], err_msg=key)
    np.testing.assert_array_equal(plain.flows, given.flows)
    with pytest.raises(ValueError, match="populations has 2 years"):
        run_worlds(s, worlds=range(1), seed=5, threads=1, populations=population_years(s, 5)[:2])


def test_microdata_sampling_does_not_change_results(reference_run) -> None:
    sampled = simulator.run(REFERENCE, overrides=SMALL + ["output.microdata_fraction=0.05"], replications=6, seed=123)
    assert sampled.worlds.equals(reference_run.worlds)
    md = sampled.microdata
    assert len(md) > 0 and set(md["level"]) <= set(TIER_NAMES)
    np.testing.assert_allclose(md["total_cost"], md["fund_paid"] + md["self_paid"], rtol=1e-12)
    assert (md["in_scope_cost"] <= md["total_cost"] + 1e-9).all()
    # a 5% sample of person-years carries about 5% of the cost
    share = md["total_cost"].sum() / sampled.flows["cost"].sum()
    assert 0.03 < share < 0.07


def test_results_round_trip_through_files(reference_run, tmp_path) -> None:
    out = reference_run.write(tmp_path / "run", figures=False, report=False)
    back = simulator.Results.load(out)
    assert back.worlds.equals(reference_run.worlds)
    assert back.seed == reference_run.seed and back.scenario == reference_run.scenario
    summary = back.summary_dict()
    assert summary["scenario"]["seed"] == 123 and len(summary["risk"]["prob_overspend"]) == 3


def test_spec_reference_scenario_runs_unchanged(spec_reference_path) -> None:
    s = load_scenario(spec_reference_path, ["population.size=3000", "scenario.years=1"])
    r = simulator.run(s, replications=2, seed=1)
    assert len(r.worlds) == 2


def test_cvar_is_the_mean_of_the_worst_five_percent() -> None:
    import pandas as pd

    n = 200
    extra = np.zeros(n)
    extra[:5] = 1e6  # 2.5% of worlds pay a million beyond the budget
    worlds = pd.DataFrame({"world": np.arange(n), "year": 2026, "budget": 1e8,
                           "fund_payout": 1e8 + extra, "fund_spending": 1e8 + extra,
                           "community_net": -extra})
    risk = simulator.Results(scenario=None, scenario_hash="", seed=0, worlds=worlds,
                             flows=pd.DataFrame(), referrals=pd.DataFrame()).risk()
    assert risk["overspend_var95"].iloc[0] == 0.0
    assert risk["overspend_cvar95"].iloc[0] == pytest.approx(5e5)  # worst 10 worlds: 5 x 1e6 / 10
    assert risk["prob_overspend"].iloc[0] == pytest.approx(0.025)


def test_capitation_covers_signed_patients_only() -> None:
    """按人头 pays per signed chronic patient; unsigned patients' visits there are paid per visit."""
    from simulator.prepare import prepare
    from simulator.population import project_step

    cap_tiers = ["village", "township", "subcenter"]

    def run_with(rate):
        r = simulator.run(REFERENCE, overrides=SMALL + [f"population.signing_rate={rate}",
                                                       f"population.signing_rate_chronic={rate}"],
                          replications=2, seed=8)
        f = r.flows[(r.flows.service == "chronic") & r.flows.tier.isin(cap_tiers)]
        return r, f.groupby("year")[["fund", "payment"]].sum() / 2  # per world

    _, unsigned = run_with(0.0)
    assert (unsigned["fund"] > 0).all()
    np.testing.assert_allclose(unsigned["payment"], unsigned["fund"], rtol=1e-12)  # fee-for-service

    r, signed = run_with(1.0)
    s = r.scenario
    model = prepare(s)
    pop = model.base_population()
    expected = []
    for y in range(1, s.scenario.years + 1):
        pop = project_step(pop, s.population, y, s.population.size, model.population_seed)
        expected.append(s.payment.capitation.per_signed_chronic_patient * float((pop.chronic & pop.signed).sum()))
    np.testing.assert_allclose(signed["payment"].to_numpy(), expected, rtol=1e-9)
