"""Parameter tables of the built-in payment methods: ``[payment.<method>]`` of a scenario.

Units: yuan, yuan per point, yuan per bed-day, yuan per signed chronic patient-year. Policy
texts: 按病种分值/DRG点数法 and 基础病组 (梧州 2022 (四)(十一); 贵州 2023 (二)), 按床日 for long stays,
按人头 combined with chronic-disease management (docs/data-sources.md).
"""

from __future__ import annotations

import math
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from simulator.errors import Problem
from simulator.kernels.layout import MAX_BANDS
from simulator.scenario.fields import NonNegative, PerTierNonNegative, Positive, Rate, Share, StrictTable


class CapitationParams(StrictTable):
    per_signed_chronic_patient: NonNegative = Field(description="按人头: yuan per signed chronic patient-year.")


class HighBand(StrictTable):
    """One band of ``high_ratio_by_points``: groups of at most ``upto`` base points use ``ratio``."""

    upto: float = Field(gt=0.0, description="Base points (before the tier coefficient), inclusive; inf for the last.")
    ratio: Positive


class SpecialReview(StrictTable):
    """特例单议: the costliest candidates (cost > review_ratio × reference), up to ``quota`` of the
    method's cases, are paid their fund share of cost instead of by the high-outlier rule."""

    quota: Share | None = Field(default=None, description="Largest share of the method's cases reviewed "
                                                          "(default: DRG 0.05, DIP 0.005).")
    pay: Literal["cost_share"] = "cost_share"


class PointsParams(StrictTable):
    """The keys both points methods share (``[payment.drg]``, ``[payment.dip]``): the point value,
    the pool, outliers and special review (docs/payments.md)."""

    mode: Literal["fixed", "floating"]
    point_value: Positive = Field(description="Yuan per point (fixed; the budget point value of the first years when floating).")
    pool_growth: Rate = Field(default=0.0, description="pool_basis = history: yearly growth of the pool.")
    tier_coefficient: PerTierNonNegative
    pool_basis: Literal["budget", "history"] = Field(
        default="budget", description="budget: the pool is the method's part of the year's budget (以收定支); "
                                      "history: the base year's payments grown by pool_growth.")
    pool_share: Share | None = Field(
        default=None, description="pool_basis = budget: the pool's share of the budget (default: the base "
                                  "year's share of this method in fund spending).")
    point_value_band: list[float] | None = Field(
        default=None, description="[low, high] × the budget point value bounding the settlement point value "
                                  "(absent: pure floating).")
    point_value_floor: NonNegative = Field(default=0.0, description="Least settlement point value, yuan per point.")
    budget_weights: list[NonNegative] = Field(
        default=[0.0, 0.0, 1.0], description="Weights, oldest to newest, of the last three years in the budget "
                                             "point value (预算点值).")
    budget_basis: Literal["settled", "costs"] = Field(
        default="settled", description="Budget point value from the last three years' settlement point values, "
                                       "or from their costs per standard point (医保办发〔2020〕50号: 1:2:7 of "
                                       "住院总费用 over Σ scores).")
    high_ratio: Positive = Field(description="Cost above high_ratio × the reference is a high outlier.")
    low_ratio: NonNegative = Field(description="Cost below low_ratio × the reference is a low outlier.")
    high_ratio_by_points: list[HighBand] | None = Field(
        default=None, description="High ratio tiered by the group's base points (the first band that covers it).")
    outlier_basis: Literal["group_mean", "standard"] = Field(
        default="group_mean", description="Reference cost of the outlier rules: the group's expected cost at the "
                                          "tier, or the payment standard at the budget point value.")
    high_outlier_pay: Literal["cost_share", "standard", "standard_plus_excess", "adjusted_points"] = "cost_share"
    excess_share: Share = Field(default=0.7, description="standard_plus_excess: share of the excess cost paid.")
    low_outlier_pay: Literal["cost_share", "scaled_points"] = "cost_share"
    review_ratio: Positive | None = Field(default=None, description="Special-review candidates: cost above "
                                                                    "review_ratio × the reference.")
    special_review: SpecialReview | None = None

    #: special-review quota when ``special_review`` leaves it out
    DEFAULT_QUOTA: ClassVar[float] = 0.05

    @property
    def review_quota(self) -> float | None:
        """The special-review quota in force (None: no special review)."""
        if self.special_review is None or self.review_ratio is None:
            return None
        quota = self.special_review.quota
        return self.DEFAULT_QUOTA if quota is None else quota

    @field_validator("point_value_band")
    @classmethod
    def _band(cls, value: list[float] | None) -> list[float] | None:
        if value is not None and (len(value) != 2 or not 0.0 <= value[0] <= value[1]
                                  or not math.isfinite(value[0]) or (math.isfinite(value[1]) and value[1] > 100.0)):
            raise ValueError("point_value_band is [low, high] with 0 <= low <= high <= 100 (shares of the budget "
                             "point value; high = inf for no ceiling)")
        return value

    @field_validator("budget_weights")
    @classmethod
    def _weights(cls, value: list[float]) -> list[float]:
        if len(value) != 3 or sum(value) <= 0:
            raise ValueError("budget_weights are three weights (oldest to newest) with a positive sum")
        return value


class DrgParams(PointsParams):
    """``[payment.drg]``: CHS-DRG points = 100 × relative weight × tier coefficient."""

    base_groups_uniform: bool = Field(description="基础病组: coefficient 1 at every in-county tier.")


class DipParams(PointsParams):
    """``[payment.dip]``: 按病种分值付费 (医保办发〔2020〕50号); its own defaults for the shared keys."""

    mode: Literal["fixed", "floating"] = "floating"
    point_value: Positive = Field(default=6.0, description="Yuan per score point (budget point value of the first years).")
    tier_coefficient: PerTierNonNegative = Field(default=[1.0] * 6, description="等级系数 by tier.")
    score_scale: Positive = Field(default=1000.0, description="Score of a group whose mean cost is the mean of all cases.")
    budget_weights: list[NonNegative] = Field(default=[1.0, 2.0, 7.0])
    budget_basis: Literal["settled", "costs"] = "costs"
    high_ratio: Positive = 2.0
    low_ratio: NonNegative = 0.5
    outlier_basis: Literal["group_mean", "standard"] = "standard"
    high_outlier_pay: Literal["cost_share", "standard", "standard_plus_excess", "adjusted_points"] = "adjusted_points"
    low_outlier_pay: Literal["cost_share", "scaled_points"] = "scaled_points"
    review_ratio: Positive | None = 5.0
    special_review: SpecialReview | None = SpecialReview()

    DEFAULT_QUOTA: ClassVar[float] = 0.005


class PerDiemParams(StrictTable):
    rate: PerTierNonNegative = Field(description="按床日 rate, yuan per bed-day.")
    taper_after: int = Field(ge=0, description="Days after which taper_factor × rate is paid.")
    taper_factor: Share


def outlier_problems(params: PointsParams, prefix: str) -> list[Problem]:
    """The outlier rules of a points method must leave a band of normal cases: low below high
    (and below every tiered high ratio), bands in increasing order, review above high."""
    out = []
    if params.low_ratio >= params.high_ratio:
        out.append(Problem(f"{prefix}.low_ratio", f"must be below high_ratio ({params.high_ratio:g})"))
    bands = params.high_ratio_by_points or []
    if len(bands) > MAX_BANDS:
        out.append(Problem(f"{prefix}.high_ratio_by_points", f"at most {MAX_BANDS} bands, got {len(bands)}"))
    for k, band in enumerate(bands):
        if k and band.upto <= bands[k - 1].upto:
            out.append(Problem(f"{prefix}.high_ratio_by_points[{k}].upto",
                               f"bands must be in increasing order of upto: {band.upto:g} after {bands[k - 1].upto:g}"))
        if band.ratio <= params.low_ratio:
            out.append(Problem(f"{prefix}.high_ratio_by_points[{k}].ratio",
                               f"must be above low_ratio ({params.low_ratio:g}), got {band.ratio:g}"))
    if params.review_ratio is not None and params.review_ratio <= params.high_ratio:
        out.append(Problem(f"{prefix}.review_ratio", f"must be above high_ratio ({params.high_ratio:g}): "
                           "special review takes the most extreme high outliers"))
    if params.special_review is not None and params.review_ratio is None:
        out.append(Problem(f"{prefix}.special_review", "needs review_ratio: which cases are candidates",
                           hint="e.g. review_ratio = 5.0"))
    return out
