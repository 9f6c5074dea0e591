"""Provider payment from the kernels' flows, vectorised over worlds (numpy).

How fund money reaches providers (DESIGN 2, "Provider payment"; 按病种分值/DRG点数法, 按床日,
按人头, 按项目):

* fee-for-service, per-diem and capitation payments are final in the kernel (``direct``);
* DRG: outlier cases (cost above ``high_ratio`` or below ``low_ratio`` × the group mean) are
  paid at the fund share of their cost; other cases get ``points × point_value − OOP``
  (DRG支付标准 − 个人自付). With ``mode = "fixed"`` the point value is the scenario's.
  With ``mode = "floating"`` (点数法) outliers are paid first out of the year's DRG pool and

      point_value = (pool − outlier payments + OOP of the other DRG cases) / their points,

  so the fund's DRG payments add up to the pool exactly; the pool grows by ``pool_growth`` a
  year from the base year's DRG payments at the scenario's point value.

Provider margin by tier = fund payment + patient OOP − cost (yuan).
"""

from __future__ import annotations

import numpy as np

from simulator.constants import Q_COST, Q_DIRECT, Q_DRG_OOP, Q_DRG_OUTLIER, Q_OOP, Q_POINTS
from simulator.sums import cell_sum


def drg_totals(flows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-world Σ outlier payments, Σ points and Σ OOP of non-outlier DRG cases.

    ``flows``: float64[world, tier, service, scheme, quantity].
    """
    outlier = cell_sum(flows[..., Q_DRG_OUTLIER])
    points = cell_sum(flows[..., Q_POINTS])
    oop = cell_sum(flows[..., Q_DRG_OOP])
    return outlier, points, oop


def drg_payments_at(flows: np.ndarray, point_value: np.ndarray) -> np.ndarray:
    """Per-world total DRG fund payment (yuan) at the given point value per world."""
    outlier, points, oop = drg_totals(flows)
    return outlier + points * point_value - oop


def floating_point_value(flows: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Point value (yuan/point) that spends exactly ``pool`` per world (点数法).

    Worlds with no non-outlier DRG points get NaN: there is nothing to price.
    """
    outlier, points, oop = drg_totals(flows)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(points > 0, (pool - outlier + oop) / points, np.nan)


def payments(flows: np.ndarray, point_value: np.ndarray) -> np.ndarray:
    """Fund payment per [world, tier, service, scheme], yuan.

    ``point_value``: float64[world] (NaN where a world has no DRG points; those cells pay only
    outliers).
    """
    pv = np.nan_to_num(point_value, nan=0.0)[:, None, None, None]
    return (flows[..., Q_DIRECT] + flows[..., Q_DRG_OUTLIER]
            + flows[..., Q_POINTS] * pv - flows[..., Q_DRG_OOP])


def provider_margin(flows: np.ndarray, paid: np.ndarray) -> np.ndarray:
    """Provider margin per [world, tier], yuan: fund payment + OOP − cost."""
    return cell_sum(paid + flows[..., Q_OOP] - flows[..., Q_COST], keep=2)
