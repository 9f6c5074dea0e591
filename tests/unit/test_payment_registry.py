"""The payment-method registry: one entry makes a method usable, labelled and valued (issue 13).

A toy method — a flat fee per admission (按次定额), valued after the year from the flows — is
registered in one place and then runs from a scenario, appears in the report's waterfall with
its label, and its payments are the fund spending the settlement uses. Nothing else is edited.
"""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import Field

import simulator
from simulator.constants import INPATIENT, Q_EPISODES, Q_OOP, SERVICE_NAMES
from simulator.errors import InputError
from simulator.kernels.layout import BOOK_AFTER_YEAR
from simulator.payment.registry import REGISTRY, Method
from simulator.scenario.fields import NonNegative, StrictTable
from tests.conftest import write_scenario

FEE = 4_000.0  # yuan per admission


class FlatFeeParams(StrictTable):
    fee: NonNegative = Field(description="yuan per admission")


def flat_fee_value(flows: np.ndarray, cells: np.ndarray, params: FlatFeeParams) -> np.ndarray:
    """The fee per admission less the patient's OOP, in the method's cells (yuan)."""
    due = flows[..., Q_EPISODES] * params.fee - flows[..., Q_OOP]
    return np.where(cells[None, :, :, None], due, 0.0)


FLAT_FEE = Method("flat_fee", "按次定额", "Flat fee per admission", ("inpatient",), BOOK_AFTER_YEAR,
                  "after_year", "fee × admissions − patient OOP", params=FlatFeeParams,
                  value=flat_fee_value)


@pytest.fixture
def flat_fee():
    with REGISTRY.registered(FLAT_FEE) as method:
        yield method


def _scenario(tmp_path):
    return write_scenario(tmp_path, replace=(
        ('inpatient = ["drg", "drg", "drg", "drg", "drg", "drg"]',
         'inpatient = ["ffs", "flat_fee", "flat_fee", "flat_fee", "drg", "drg"]'),),
        append=f"\n[payment.flat_fee]\nfee = {FEE}\n")


def test_registered_method_runs_is_labelled_and_valued(flat_fee, tmp_path) -> None:
    # every tier treats every severity: no upward referral, so no fee-for-service referring stay
    # is booked in the method's cells beside its fee
    s = simulator.load_scenario(_scenario(tmp_path), ["population.size=4000", "scenario.years=1",
                                                      "tiers.capability=[0, 4, 4, 4, 4, 4]"])
    r = simulator.run(s, replications=2, seed=3)
    flows = r.flows[(r.flows.service == "inpatient") & r.flows.tier.isin(["township", "subcenter", "county"])]
    assert (flows.episodes > 0).any()
    np.testing.assert_allclose(flows.payment, flows.episodes * FEE - flows.oop, rtol=1e-12, atol=1e-6)
    # the settlement sees it: fund spending is the sum of every cell's payment
    per_world = r.flows.groupby("world").payment.sum().to_numpy()
    np.testing.assert_allclose(r.worlds.sort_values("world").fund_spending, per_world, rtol=1e-12)
    # labelled in the report: the waterfall's claims by tier group and method
    from simulator.report.labels import Labels
    from simulator.report.money import claims_by_group

    assert Labels("zh").method("flat_fee") == "按次定额"
    assert Labels("en").method("flat_fee") == "Flat fee per admission"
    methods = {m for _, m, _ in claims_by_group(r, int(r.worlds.year.min()))}
    assert "flat_fee" in methods
    from simulator.report.figures import all_figures

    fig = all_figures()["fund_waterfall"](r, "en")
    ticks = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels()]
    assert any("Flat fee per admission" in t for t in ticks), ticks


def test_registered_method_checks_its_table_and_service(flat_fee, tmp_path) -> None:
    path = write_scenario(tmp_path, replace=(
        ('inpatient = ["drg", "drg", "drg", "drg", "drg", "drg"]',
         'inpatient = ["ffs", "flat_fee", "flat_fee", "flat_fee", "drg", "drg"]'),))
    with pytest.raises(InputError) as missing:
        simulator.load_scenario(path)
    assert any(p.path == "payment.flat_fee" for p in missing.value.problems)
    path = write_scenario(tmp_path, replace=(
        ('outpatient = ["ffs", "ffs", "ffs", "ffs", "ffs", "ffs"]',
         'outpatient = ["flat_fee", "ffs", "ffs", "ffs", "ffs", "ffs"]'),),
        append=f"\n[payment.flat_fee]\nfee = {FEE}\n", name="other.toml")
    with pytest.raises(InputError) as wrong_service:
        simulator.load_scenario(path)
    assert any(p.path == "payment.outpatient[0]" for p in wrong_service.value.problems)


def test_unregistered_method_is_unknown_again(tmp_path) -> None:
    with REGISTRY.registered(FLAT_FEE):
        pass
    assert "flat_fee" not in REGISTRY.codes
    with pytest.raises(InputError):
        simulator.load_scenario(_scenario(tmp_path))


def test_registry_is_the_one_list_of_methods() -> None:
    from simulator.scenario.schema import PaymentTable

    assert REGISTRY.codes == ("ffs", "drg", "dip", "per_diem", "capitation")
    for service in SERVICE_NAMES:
        assert REGISTRY.allowed(service)
    assert REGISTRY.allowed("outpatient") == ("ffs",)
    assert set(REGISTRY.allowed("inpatient")) == {"ffs", "drg", "dip", "per_diem"}
    assert {m.code for m in REGISTRY.of_valuation("points")} == {"drg", "dip"}
    assert REGISTRY.get("drg").accumulates == ("points", "points_oop", "points_outlier", "points_all", "points_cost")
    assert {"capitation", "drg", "per_diem"} <= set(PaymentTable.model_fields)
    assert INPATIENT == SERVICE_NAMES.index("inpatient")
