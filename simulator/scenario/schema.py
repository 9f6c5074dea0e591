"""The scenario schema: one model per TOML table of ``spec/reference_scenario.toml``.

Units: money in yuan; rates per person per year; shares in [0, 1]; per-tier vectors follow the
tier order [village, township, subcenter, county, outside_agreement, outside_other]; per-age
vectors follow ``population.age_bands``. Cross-table rules live in :mod:`simulator.scenario.checks`.
"""

from __future__ import annotations

from typing import Any, Iterable, Literal, Mapping

from pydantic import Field, ValidationInfo, create_model, field_validator, model_validator

from simulator.constants import SERVICE_NAMES, TIER_NAMES
from simulator.payment.registry import REGISTRY
from simulator.uncertainty.table import UncertaintyTable
from simulator.scenario.shares import HINT as SHARES_HINT
from simulator.scenario.fields import (
    CV, BedDays, Coefficient, Dispersion, Km, Money, Multiplier, NonNegative, NonNegativeOrInf,
    PerCapitaMoney, PersonRate, Persons, PerTierBeds, PerTierBool, PerTierCoefficient, PerTierInt,
    PerTierMoney, PerTierMultiplier, PerTierShare, Places, PositiveKm, PositiveMoney, Rate,
    Replications, SeedInt, Share, StrictTable,
)


class ScenarioTable(StrictTable):
    """``[scenario]``: identity and run size."""

    name: str = Field(min_length=1, description="Short name; results go to results/<name>/.")
    description: str = ""
    start_year: int = Field(ge=1900, le=2200, description="First simulated (reported) year.")
    years: int = Field(ge=1, le=100, description="Reported years; a base year is simulated first.")
    replications: Replications = Field(description="Simulated worlds (Monte Carlo replications).")
    seed: SeedInt | None = Field(default=None, description="Master seed; None draws one and records it.")

    @field_validator("name")
    @classmethod
    def _usable_as_folder(cls, name: str) -> str:
        # results go to results/<name>/: the name must stay one folder name
        if any(ch in name for ch in "/\\") or name.strip(". ") == "" or name != name.strip():
            raise ValueError("must be usable as a folder name: no '/' or '\\', no leading or trailing "
                             "spaces, not only dots")
        return name


class SchemeValues(StrictTable):
    """A value per insurance scheme: 城乡居民 (resident) and 职工 (employee)."""

    resident: NonNegative
    employee: NonNegative


class SchemeFinancing(SchemeValues):
    """Per-capita financing by scheme, yuan per insured person-year."""

    resident: PerCapitaMoney
    employee: PerCapitaMoney


class SchemeShares(StrictTable):
    """Shares of the insured by scheme; must sum to 1."""

    resident: Share
    employee: Share

    @model_validator(mode="after")
    def _sum_to_one(self) -> "SchemeShares":
        if abs(self.resident + self.employee - 1.0) > 1e-6:
            raise ValueError(f"scheme shares must sum to 1, got {self.resident + self.employee:g} "
                             f"({SHARES_HINT})")
        return self


class Distance(StrictTable):
    """Travel distance distribution (gamma): mean in km and coefficient of variation."""

    mean: PositiveKm
    cv: CV


class OutsideDistance(StrictTable):
    """Distance in km from the county to out-of-county hospitals."""

    agreement: Km = Field(description="To the 5-10 partner tertiary hospitals (县外协议医院).")
    other: Km = Field(description="To other out-of-county hospitals.")


class PopulationTable(StrictTable):
    """``[population]``: the insured population (synthetic from a seed, or a file)."""

    source: Literal["synthetic", "file"] = "synthetic"
    file: str | None = Field(default=None, description="Parquet/CSV, one row per insured person.")
    size: Persons = Field(description="Insured persons in the base year.")
    growth_rate: Rate = Field(description="Yearly relative change in insured headcount.")
    age_bands: list[str] = Field(min_length=1)
    age_shares: list[Share]
    ageing_shift: Share = Field(description="Yearly share of people moved one band up beyond natural flow.")
    scheme_shares: SchemeShares
    hypertension_prevalence: list[Share] = Field(description="Prevalence by age band.")
    diabetes_prevalence: list[Share] = Field(description="Prevalence by age band.")
    chronic_trend: Rate = Field(description="Yearly relative growth of both prevalences.")
    signing_rate: Share = Field(description="家庭医生签约 rate of people without a chronic flag.")
    signing_rate_chronic: Share = Field(description="家庭医生签约 rate of people with a chronic flag.")
    villages: Places
    townships: Places
    distance_township_km: Distance
    distance_county_km: Distance
    distance_outside_km: OutsideDistance
    seed: SeedInt | None = Field(default=None, description=(
        "Seed of the synthetic county and its projection; default: a hash of this table's other "
        "contents (the run's --seed changes the worlds, not the county)."))
    uncertainty: Literal["fixed", "per_world"] = Field(default="fixed", description=(
        "per_world: each world draws its own synthetic county (prevalences, signing, villages)."))

    @model_validator(mode="before")
    @classmethod
    def _file_means_file_source(cls, data: Any) -> Any:
        # ``file = "people.parquet"`` alone is enough: the source follows (reference comment)
        if isinstance(data, dict) and data.get("file") is not None and data.get("source", "synthetic") == "synthetic":
            data = {**data, "source": "file"}
        return data

    @field_validator("file")
    @classmethod
    def _file_when_source_is_file(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("source") == "file":
            raise ValueError("source = 'file' needs the population file, e.g. file = 'people.parquet' "
                             "(relative to the scenario file)")
        return value


class CasemixTable(StrictTable):
    """``[casemix]``: inpatient case groups (builtin:reference or a CSV/parquet file)."""

    source: str = "builtin:reference"
    file: str | None = None


class TiersTable(StrictTable):
    """``[tiers]``: the six levels of care and their capability, capacity, cost and quality."""

    names: list[str] = Field(default=list(TIER_NAMES))
    enabled: PerTierBool
    capability: PerTierInt = Field(description="Max inpatient severity treated (0 = none).")
    beds: PerTierBeds = Field(description="Beds; 0 at outside tiers = unconstrained.")
    quality: PerTierShare = Field(description="Quality score in [0, 1] (enters the choice model).")
    cost_multiplier_outpatient: PerTierMultiplier = Field(description="× county-hospital visit cost.")
    cost_multiplier_inpatient: PerTierMultiplier = Field(description="× county-hospital admission cost.")
    los_multiplier: PerTierMultiplier = Field(description="× county-hospital length of stay.")
    cost_cv: CV = Field(description="Coefficient of variation of episode cost (lognormal).")
    los_dispersion: Dispersion = Field(
        default=0.25, description="Negative-binomial dispersion of length of stay beyond day 1 (0 = Poisson).")
    bed_days_per_bed: BedDays = Field(
        default=365.0, description="Bed-days one bed supplies per year (365 = full occupancy).")

    @field_validator("names")
    @classmethod
    def _fixed_names(cls, names: list[str]) -> list[str]:
        if list(names) != list(TIER_NAMES):
            raise ValueError(f"tier names are fixed: {list(TIER_NAMES)}")
        return names

    @field_validator("capability")
    @classmethod
    def _severity_range(cls, values: list[int]) -> list[int]:
        if any(v > 4 for v in values):
            raise ValueError("capability is a severity level 0-4")
        return values


class OutpatientDemand(StrictTable):
    """``[demand.outpatient]``: visits per person-year besides chronic-care visits."""

    # no upper bound yet: uncertainty/checks.py probes unbounded draws (lognormal) at 1e12
    base_cost: PositiveMoney = Field(description="Mean county-hospital cost per visit, yuan.")
    rate_by_age: list[PersonRate] = Field(description="Visits per person-year by age band.")
    employee_multiplier: Multiplier
    chronic_multiplier: Multiplier
    dispersion: Dispersion = Field(description="Negative-binomial dispersion; 0 = Poisson.")


class InpatientDemand(StrictTable):
    """``[demand.inpatient]``: admissions per person-year."""

    rate_by_age: list[PersonRate]
    employee_multiplier: Multiplier
    chronic_multiplier: Multiplier
    dispersion: Dispersion


class ChronicDemand(StrictTable):
    """``[demand.chronic]``: 两病 (hypertension/diabetes) management visits."""

    visits_per_patient: PersonRate = Field(description="Visits per chronic patient-year.")
    # no upper bound yet: uncertainty/checks.py probes unbounded draws (lognormal) at 1e12
    base_cost: PositiveMoney = Field(description="Mean county-hospital cost per visit, yuan.")


class DemandTable(StrictTable):
    outpatient: OutpatientDemand
    inpatient: InpatientDemand
    chronic: ChronicDemand


class ChoiceParams(StrictTable):
    """Multinomial-logit first-contact choice: U_t = asc_t + b_oop·E[OOP_t]/1000 + ..."""

    asc: PerTierCoefficient = Field(description="Alternative-specific constants.")
    b_oop_per_1000: Coefficient = Field(description="Utility per 1,000 yuan expected out-of-pocket.")
    b_distance_per_10km: Coefficient
    b_quality: Coefficient
    b_signed_primary: Coefficient = Field(description="Bonus at primary tiers for signed persons.")
    b_capable: Coefficient = Field(
        default=0.0, description="Admissions only: bonus of tiers able to treat the case's severity "
                                 "(patients who know they are seriously ill go where they can be treated; "
                                 "0 = first contact ignores severity).")


class ChoiceTable(StrictTable):
    outpatient: ChoiceParams
    inpatient: ChoiceParams


class ReferralTable(StrictTable):
    """``[referral]``: upward, outward and downward referral (双向转诊)."""

    upward_in_county: bool = Field(description="Refer to the county hospital first when capable.")
    agreement_share: Share = Field(description="Share of out-of-county referrals to agreement hospitals.")
    reserved_share: Share = Field(description="Upper-tier capacity reserved for family-doctor referrals.")
    down_referral_share: Share = Field(description="Post-acute cases sent down for recovery.")
    deductible_continuation: bool = Field(description="连续计算起付线 for referred inpatients.")
    referring_cost_share: Share = Field(
        default=0.15, description="Share of the case's cost at the referring tier spent there before an "
                                  "upward transfer (the referring admission).")
    recovery_los_share: Share = Field(
        default=0.4, description="Share of a post-acute stay moved to the township on down-referral.")


class InpatientBenefits(StrictTable):
    in_scope_share: PerTierShare = Field(description="政策范围内费用占比 by tier.")
    deductible: PerTierMoney = Field(description="起付线 per admission, yuan.")
    fund_share: PerTierShare = Field(description="报销比例 of in-scope cost above the deductible.")
    annual_cap: NonNegativeOrInf = Field(description="封顶线: fund payment per person-year, yuan.")


class OutpatientBenefits(StrictTable):
    in_scope_share: PerTierShare
    deductible: Money = Field(description="Outpatient deductible per person-year, yuan.")
    fund_share: PerTierShare
    annual_limit: NonNegativeOrInf = Field(description="Fund payment limit per person-year, yuan.")


class ChronicBenefits(StrictTable):
    in_scope_share: PerTierShare = Field(default=[1.0] * 6)
    fund_share: PerTierShare
    annual_limit: NonNegativeOrInf


class SchemeBenefits(StrictTable):
    inpatient: InpatientBenefits
    outpatient: OutpatientBenefits
    chronic: ChronicBenefits


class BenefitsTable(StrictTable):
    resident: SchemeBenefits
    employee: SchemeBenefits


def _payment_table(registry: Any) -> type[StrictTable]:
    """``[payment]`` from the payment-method registry: how the fund pays each tier for each service.

    One list of six method codes per service (:data:`~simulator.constants.SERVICE_NAMES`), any
    code of the registry (which method may pay which service is a cross-table rule), then the
    ``[payment.<code>]`` table of each method that has parameters, in alphabetical order.
    """
    codes = Literal[registry.codes]  # type: ignore[valid-type]
    fields: dict[str, Any] = {service: (list[codes], ...) for service in SERVICE_NAMES}
    for method in sorted(registry.methods, key=lambda m: m.code):
        if method.params is not None:
            fields[method.code] = (method.params, ...) if method.params_required \
                else (method.params | None, None)

    def six(cls, values: list[str]) -> list[str]:
        if len(values) != len(TIER_NAMES):
            raise ValueError(f"expected {len(TIER_NAMES)} payment methods, one per tier, got {len(values)}")
        return values

    validators = {"_six": field_validator(*SERVICE_NAMES)(classmethod(six))}
    return create_model("PaymentTable", __base__=StrictTable, __validators__=validators,
                        __doc__="``[payment]``: how the fund pays each tier for each service.", **fields)


PaymentTable = _payment_table(REGISTRY)


class BudgetTable(StrictTable):
    """``[budget]``: the global budget (总额预算)."""

    method: Literal["income", "history"]
    per_capita_financing: SchemeFinancing = Field(description="Financing per insured person-year, yuan.")
    financing_growth: Rate = Field(
        default=0.0, description="Income method: yearly growth of per-capita financing after the first "
                                 "simulated year (e.g. 0.05 for the usual yearly rise in contributions).")
    risk_reserve: Share = Field(description="风险调剂金 share kept by the fund.")
    serious_illness_share: SchemeValues = Field(description="大病保险 carve-out share by scheme.")
    community_share: Share = Field(description="Share of the pooled fund allotted to the community.")
    outside_charged: bool = Field(description="Out-of-county spending counts against the budget (打包).")
    growth: Rate = Field(description="History method: yearly growth.")
    ratchet: bool = Field(description="History method: base next year on actual spending.")
    tcm_tilt: Multiplier = Field(description="Extra budget share for a TCM-led community.")
    pooling: Literal["pooled", "separate"] = Field(default="pooled", description=(
        "pooled: resident and employee funds budgeted and settled together (二连浩特); separate: each "
        "scheme its own budget, balance and settlement (the community's figures are their sums)."))
    monthly_profile: list[Share] | None = Field(default=None, description=(
        "Share of each month's spending, January first (12 shares summing to 1; default flat, an "
        "assumption): the community's monthly cash against its 1/12 prepayments."))

    @field_validator("monthly_profile")
    @classmethod
    def _twelve(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and len(value) != 12:
            raise ValueError(f"needs 12 monthly shares summing to 1 (got {len(value)})")
        if value is not None and abs(sum(value) - 1.0) > 1e-9:
            raise ValueError(f"monthly shares must sum to 1 (got {sum(value):.6g})")
        return value


class SettlementTable(StrictTable):
    """``[settlement]``: rules (preset or file) with inline parts replacing the same parts."""

    rules: str = "county-tiered"
    carry_over: bool = True
    reasonable: Literal["all", "exogenous"] = "all"
    withhold_rate: float | None = None
    surplus: dict[str, Any] | None = None
    overspend: dict[str, Any] | None = None
    assessment: dict[str, Any] | None = None


class Epidemic(StrictTable):
    probability: Share = Field(default=0.0, description="Yearly chance of a demand shock.")
    uplift: Multiplier = Field(default=0.0, description="Relative demand increase in a shock year.")


class DynamicsTable(StrictTable):
    """``[dynamics]``: year-to-year behaviour; every default is off or neutral."""

    cost_inflation: Rate = 0.0
    utilisation_trend: Rate = 0.0
    casemix_drift: Rate = Field(default=0.0, description=(
        "Yearly relative growth of the cost per admission from a heavier case mix (CMI drift): "
        "inpatient unit costs × (1 + drift)^y."))
    epidemic: Epidemic = Epidemic()
    investment_share: Share = 0.0
    quality_per_million: Multiplier = 0.0
    cost_control_elasticity: Multiplier = 0.0
    out_referral_elasticity: Multiplier = 0.0


class CommunityDistribution(StrictTable):
    """``[community.distribution]``: how the community splits its net settlement among its members
    (医共体内部分配; 二连浩特 (八): 医保结余资金根据医共体理事会制定的分配办法进行核算和分配)."""

    method: Literal["fixed", "payments", "workload", "points"] = Field(default="payments", description=(
        "fixed: the shares below; payments / workload / points: in proportion to each member type's fund "
        "payments, episodes or points-method points of the year."))
    shares: list[Share] = Field(default=[0.6, 0.3, 0.1], description=(
        "fixed: shares of the county hospital, the township centres (sub-centre included) and the "
        "village clinics, summing to 1."))
    village_floor: Share = Field(default=0.0, description="Least share of the net that goes to the village clinics.")

    @field_validator("shares")
    @classmethod
    def _three(cls, value: list[float]) -> list[float]:
        if len(value) != 3 or abs(sum(value) - 1.0) > 1e-9:
            raise ValueError(f"needs 3 shares (county hospital, townships, villages) summing to 1, got {value}")
        return value


class PublicHealth(StrictTable):
    """``[community.public_health]``: basic public-health funds bundled into the community's
    envelope (基本公共卫生服务资金与医保基金打捆; 二连浩特 (八), 贵州 2023), with their spending."""

    per_capita: NonNegative = Field(default=0.0, description=(
        "Funding added to the budget, yuan per insured person-year (0: not bundled)."))
    completion: Share = Field(default=1.0, description=(
        "Share of the funded service package delivered: its spending is completion × funding (the "
        "indicator public_health_completion, which an assessment may score)."))


class CommunityTable(StrictTable):
    """``[community]``: the money inside the community (member types, bundled public-health funds)."""

    distribution: CommunityDistribution = CommunityDistribution()
    public_health: PublicHealth = PublicHealth()


class OutputTable(StrictTable):
    microdata_fraction: Share = 0.0
    figures: bool = True
    report: bool = True
    lang: Literal["zh", "en"] = "zh"


class Scenario(StrictTable):
    """A whole scenario. Load with :func:`simulator.scenario.load_scenario`."""

    scenario: ScenarioTable
    population: PopulationTable
    casemix: CasemixTable = CasemixTable()
    tiers: TiersTable
    demand: DemandTable
    choice: ChoiceTable
    referral: ReferralTable
    benefits: BenefitsTable
    payment: PaymentTable
    budget: BudgetTable
    settlement: SettlementTable = SettlementTable()
    dynamics: DynamicsTable = DynamicsTable()
    community: CommunityTable = CommunityTable()
    output: OutputTable = OutputTable()
    uncertainty: UncertaintyTable = UncertaintyTable()

    @property
    def name(self) -> str:
        return self.scenario.name

    def with_updates(self, updates: Mapping[str, Any] | Iterable[str]) -> "Scenario":
        """A new, validated scenario with ``updates`` applied; this one is left as it is.

        ``updates`` maps dotted key paths to values (``{"budget.risk_reserve": 0.07,
        "tiers.enabled[2]": False}``), or is a list of ``"KEY=VALUE"`` strings: the same paths,
        rules and messages as ``mcsim run --set``. Every key is checked again with the rest of
        the scenario (cross-table rules, settlement rules, referenced files).

        Raises
        ------
        InputError
            every problem of the updated scenario, each naming its key path.
        """
        from simulator.scenario.load import load_scenario

        return load_scenario(self, updates)


def refresh_payment_table() -> None:
    """Rebuild ``[payment]`` and the scenario model after the payment registry changed."""
    global PaymentTable
    PaymentTable = _payment_table(REGISTRY)
    Scenario.model_fields["payment"].annotation = PaymentTable
    Scenario.model_rebuild(force=True)
