"""Field types shared by the scenario tables: shares, money, per-tier vectors.

Messages are written for a bureau analyst: they say what was expected in the scenario's terms
("6 values, one per tier [village, ...]"), not in Python's.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from simulator.constants import N_TIERS, TIER_NAMES


class StrictTable(BaseModel):
    """Base of every scenario table: unknown keys are errors, values are immutable.

    Strict types: a TOML string is never read as a number or a boolean (``years = "5"`` is an
    error, not 5); integers are accepted where numbers are expected.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True,
                              validate_default=True, ser_json_inf_nan="strings")


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {value}")
    return value


def _shown(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.0f}" if value.is_integer() and abs(value) < 1e16 else f"{value:g}"


def at_most(limit: float, why: str, *, magnitude: bool = False, bound: str | None = None) -> AfterValidator:
    """A validator refusing values above ``limit`` (``magnitude``: |value| above it).

    The message reads ``must be at most <limit><why> (got <value>)``: ``why`` starts with the unit
    or a colon and says why the limit is there.
    """
    if bound is None:
        bound = f"between -{_shown(limit)} and {_shown(limit)}" if magnitude else f"at most {_shown(limit)}"

    def check(value: float) -> float:
        if (abs(value) if magnitude else value) > limit:
            raise ValueError(f"must be {bound}{why} (got {_shown(value)})")
        return value
    return AfterValidator(check)


# Upper bounds follow from what the machine and the model can do; each message says why.
MAX_PERSONS = 50_000_000
"""Most insured persons of one county (population.size)."""
MAX_PLACES = 100_000
"""Most villages or townships of one county."""
MAX_REPLICATIONS = 1_000_000
"""Most simulated worlds of one run (scenario.replications, ``--replications``, sweep replications)."""
MAX_SEED = 2**63 - 1
"""Largest seed: seeds are stored as signed 64-bit integers (numba, parquet, JSON readers)."""
MAX_MONEY = 1e7
"""Largest unit price in yuan (cost per visit or admission, deductible, point value)."""
MAX_PER_CAPITA = 1e6
"""Largest per-capita financing, yuan per insured person-year."""
MAX_MULTIPLIER = 1e3
"""Largest relative factor (cost, LOS, employee or chronic multiplier; elasticities)."""
MAX_PERSON_RATE = 1e3
"""Most visits, admissions or bed-days per person-year."""
MAX_DISPERSION = 1e3
"""Largest negative-binomial dispersion."""
MAX_CV = 10.0
"""Largest coefficient of variation of a cost or distance."""
MAX_COEFFICIENT = 1e3
"""Largest |utility coefficient| of the choice model."""
MAX_RATE = 10.0
"""Largest yearly relative change (+1,000% a year)."""
MAX_BEDS = 1e7
"""Most beds of one tier."""
MAX_KM = 20_000.0
"""Longest distance in km (half the Earth's circumference)."""

Persons = Annotated[int, Field(ge=1), at_most(
    MAX_PERSONS, " insured persons: memory and run time grow with each person (the largest "
                 "Chinese county insures about 2-3 million)")]
"""Insured persons of a county, 1 to 5e7."""
Places = Annotated[int, Field(ge=1), at_most(
    MAX_PLACES, ": a county has a few hundred villages and a few dozen townships; per-place "
                "tables grow with the count")]
"""Villages or townships of a county, 1 to 1e5."""
Replications = Annotated[int, Field(ge=1), at_most(
    MAX_REPLICATIONS, " worlds: per-world results are held in memory, and 1,000,000 worlds "
                      "already give standard errors 1/1000 of the spread")]
"""Simulated worlds, 1 to 1e6."""
SeedInt = Annotated[int, Field(ge=0), at_most(
    MAX_SEED, ": seeds are kept as signed 64-bit integers", bound="below 2**63")]
"""A seed in [0, 2**63)."""
Share = Annotated[float, Field(ge=0.0, le=1.0), AfterValidator(_finite)]
"""A share or probability in [0, 1]."""
NonNegative = Annotated[float, Field(ge=0.0), AfterValidator(_finite)]
"""A finite amount >= 0 (yuan, days, rates per person-year)."""
Positive = Annotated[float, Field(gt=0.0), AfterValidator(_finite)]
"""A finite amount > 0."""
def _above_minus_one(value: float) -> float:
    if not value > -1.0:
        raise ValueError(f"must be above -1 (-100% a year): at -1 the quantity falls to 0 and the next "
                         f"year's relative changes divide by zero (got {_shown(value)})")
    return value


Rate = Annotated[float, AfterValidator(_finite), AfterValidator(_above_minus_one), at_most(
    MAX_RATE, " (+1,000% a year): larger yearly changes overflow (1 + rate)**years "
               "over 100 years")]
"""A yearly relative change in (-1, 10], e.g. growth -0.004 (-1 would zero the quantity and
give NaN ratios in later years)."""
NonNegativeOrInf = Annotated[float, Field(ge=0.0)]
"""An amount >= 0 where ``inf`` means no limit (annual caps)."""

_WHY_MONEY = (" yuan: a larger unit price is surely a unit mistake (fen for yuan?) and "
              "pushes the fund's yearly sums beyond float64's exact range")
Money = Annotated[NonNegative, at_most(MAX_MONEY, _WHY_MONEY)]
"""A unit price in yuan in [0, 1e7] (deductible, rate per day)."""
PositiveMoney = Annotated[Positive, at_most(MAX_MONEY, _WHY_MONEY)]
"""A unit price in yuan in (0, 1e7] (base cost per visit or admission, point value)."""
PerCapitaMoney = Annotated[NonNegative, at_most(
    MAX_PER_CAPITA, " yuan per insured person-year: far above any scheme's financing, so surely a "
                   "unit mistake")]
"""Per-capita financing in yuan, in [0, 1e6]."""
Multiplier = Annotated[NonNegative, at_most(
    MAX_MULTIPLIER, ": a larger relative factor is surely a mistake, and it overflows costs and counts")]
"""A relative factor in [0, 1000]."""
PersonRate = Annotated[NonNegative, at_most(
    MAX_PERSON_RATE, " per person-year: about three a day, beyond any care pattern; larger "
                     "means slow the count draws and overflow the counts")]
"""Visits or admissions per person-year in [0, 1000]."""
Dispersion = Annotated[NonNegative, at_most(
    MAX_DISPERSION, ": beyond it the negative binomial's gamma shape 1/dispersion is too small "
                    "to draw from accurately")]
"""Negative-binomial dispersion in [0, 1000] (0 = Poisson)."""
CV = Annotated[NonNegative, at_most(MAX_CV, ": a larger coefficient of variation has no plausible "
                                            "meaning for a cost or a distance")]
"""A coefficient of variation in [0, 10]."""
Coefficient = Annotated[float, AfterValidator(_finite), at_most(
    MAX_COEFFICIENT, ": larger utility terms overflow the logit's exponentials", magnitude=True)]
"""A choice-model utility coefficient in [-1000, 1000]."""
Km = Annotated[NonNegative, at_most(MAX_KM, " km: no two places on Earth are farther apart")]
"""A distance in km in [0, 20000]."""
PositiveKm = Annotated[Positive, at_most(MAX_KM, " km: no two places on Earth are farther apart")]
"""A distance in km in (0, 20000]."""
Beds = Annotated[NonNegative, at_most(MAX_BEDS, " beds: more than any country has, so surely a mistake")]
"""Beds of one tier in [0, 1e7]."""
BedDays = Annotated[Positive, at_most(
    3660.0, " bed-days per bed-year: ten patients in every bed every day is no ward")]
"""Bed-days one bed supplies per year, in (0, 3660]."""


def _per_tier(kind: str):
    def check(values: list[Any]) -> list[Any]:
        if len(values) != N_TIERS:
            raise ValueError(f"expected {N_TIERS} {kind}, one per tier [{', '.join(TIER_NAMES)}], "
                             f"got {len(values)}")
        return values
    return AfterValidator(check)


PerTierFloat = Annotated[list[Annotated[float, AfterValidator(_finite)]], _per_tier("numbers")]
PerTierCoefficient = Annotated[list[Coefficient], _per_tier("numbers between -1,000 and 1,000")]
PerTierShare = Annotated[list[Share], _per_tier("shares in [0, 1]")]
PerTierNonNegative = Annotated[list[NonNegative], _per_tier("numbers >= 0")]
PerTierMoney = Annotated[list[Money], _per_tier("amounts in yuan in [0, 10,000,000]")]
PerTierMultiplier = Annotated[list[Multiplier], _per_tier("factors in [0, 1,000]")]
PerTierBeds = Annotated[list[Beds], _per_tier("bed counts in [0, 10,000,000]")]
PerTierBool = Annotated[list[bool], _per_tier("true/false values")]
PerTierInt = Annotated[list[Annotated[int, Field(ge=0)]], _per_tier("integers >= 0")]
