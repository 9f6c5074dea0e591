"""Column layout of the packed tables the per-person kernels read.

Why packed: numba reference-counts every array it takes out of a tuple, so a per-person function
receiving :class:`~simulator.compile.ModelArrays` spent ~400 ns a call in NRT incref/decref
(measured in its assembly). The hot functions therefore take a few plain arrays: one row per
case group, one row per tier, one vector of scalars — indexed by the constants below.
"""

from __future__ import annotations

# group table: float64[n_groups, G_COLUMNS]
G_COST, G_LOS, G_WEIGHT, G_SEVERITY, G_POST_ACUTE, G_LONG_STAY, G_BASE = range(7)
G_COLUMNS = 7

# tier table: float64[6, T_COLUMNS]
T_CAPABILITY, T_BED_DAYS, T_COST_IN, T_LOS, T_DRG_COEF, T_PER_DIEM = range(6)
T_COLUMNS = 6

# scalar parameters: float64[P_COLUMNS]
(P_COST_CV, P_LOS_DISPERSION, P_UPWARD_IN_COUNTY, P_AGREEMENT_SHARE, P_RESERVED_SHARE,
 P_DOWN_SHARE, P_CONTINUATION, P_REFERRING_SHARE, P_RECOVERY_SHARE, P_DRG_HIGH, P_DRG_LOW,
 P_BASE_UNIFORM, P_TAPER_AFTER, P_TAPER_FACTOR, P_CAPITATION) = range(15)
P_COLUMNS = 15

# booking rules of the kernels' method table int64[service, tier]: how a case's fund payment is
# booked (simulator.payment.registry maps every payment method to one)
BOOK_FUND_SHARE, BOOK_POINTS, BOOK_PER_DIEM, BOOK_CAPITATION, BOOK_AFTER_YEAR = range(5)

# microdata record: float64[capacity, M_COLUMNS] per world (one settled visit group or stay)
(M_PERSON, M_TIER, M_SERVICE, M_GROUP, M_VISITS, M_DAYS, M_COST, M_IN_SCOPE, M_FUND,
 M_DAY_OF_YEAR) = range(10)
M_COLUMNS = 10
