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


Share = Annotated[float, Field(ge=0.0, le=1.0), AfterValidator(_finite)]
"""A share or probability in [0, 1]."""
NonNegative = Annotated[float, Field(ge=0.0), AfterValidator(_finite)]
"""A finite amount >= 0 (yuan, days, rates per person-year)."""
Positive = Annotated[float, Field(gt=0.0), AfterValidator(_finite)]
"""A finite amount > 0."""
Rate = Annotated[float, Field(ge=-1.0), AfterValidator(_finite)]
"""A yearly relative change (> -1), e.g. growth -0.004."""
NonNegativeOrInf = Annotated[float, Field(ge=0.0)]
"""An amount >= 0 where ``inf`` means no limit (annual caps)."""


def _per_tier(kind: str):
    def check(values: list[Any]) -> list[Any]:
        if len(values) != N_TIERS:
            raise ValueError(f"expected {N_TIERS} {kind}, one per tier [{', '.join(TIER_NAMES)}], "
                             f"got {len(values)}")
        return values
    return AfterValidator(check)


PerTierFloat = Annotated[list[Annotated[float, AfterValidator(_finite)]], _per_tier("numbers")]
PerTierShare = Annotated[list[Share], _per_tier("shares in [0, 1]")]
PerTierNonNegative = Annotated[list[NonNegative], _per_tier("numbers >= 0")]
PerTierBool = Annotated[list[bool], _per_tier("true/false values")]
PerTierInt = Annotated[list[Annotated[int, Field(ge=0)]], _per_tier("integers >= 0")]
