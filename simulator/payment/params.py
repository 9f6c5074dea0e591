"""Parameter tables of the built-in payment methods: ``[payment.<method>]`` of a scenario.

Units: yuan, yuan per point, yuan per bed-day, yuan per signed chronic patient-year. Policy
texts: 按病种分值/DRG点数法 and 基础病组 (梧州 2022 (四)(十一); 贵州 2023 (二)), 按床日 for long stays,
按人头 combined with chronic-disease management (docs/data-sources.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from simulator.errors import Problem
from simulator.scenario.fields import NonNegative, PerTierNonNegative, Positive, Rate, Share, StrictTable


class CapitationParams(StrictTable):
    per_signed_chronic_patient: NonNegative = Field(description="按人头: yuan per signed chronic patient-year.")


class DrgParams(StrictTable):
    mode: Literal["fixed", "floating"]
    point_value: Positive = Field(description="Yuan per point (fixed; year-1 start when floating).")
    pool_growth: Rate = Field(description="Floating: yearly growth of the DRG fund pool.")
    tier_coefficient: PerTierNonNegative
    base_groups_uniform: bool = Field(description="基础病组: coefficient 1 at every in-county tier.")
    high_ratio: Positive = Field(description="Cost above high_ratio × group mean is a high outlier.")
    low_ratio: NonNegative = Field(description="Cost below low_ratio × group mean is a low outlier.")


class PerDiemParams(StrictTable):
    rate: PerTierNonNegative = Field(description="按床日 rate, yuan per bed-day.")
    taper_after: int = Field(ge=0, description="Days after which taper_factor × rate is paid.")
    taper_factor: Share


def outlier_problems(params: DrgParams, prefix: str) -> list[Problem]:
    """The outlier thresholds of a points method must leave a band of normal cases."""
    if params.low_ratio >= params.high_ratio:
        return [Problem(f"{prefix}.low_ratio", f"must be below high_ratio ({params.high_ratio})")]
    return []
