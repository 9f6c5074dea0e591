"""Column layout of the packed tables the per-person kernels read.

Why packed: numba reference-counts every array it takes out of a tuple, so a per-person function
receiving :class:`~simulator.compile.ModelArrays` spent ~400 ns a call in NRT incref/decref
(measured in its assembly). The hot functions therefore take a few plain arrays: one row per
case group, one row per tier, one vector of scalars — indexed by the constants below.
"""

from __future__ import annotations

# rule row of one points method: float64[R_COLUMNS] (simulator.payment.cases.rule_row)
(R_HIGH, R_LOW, R_REVIEW, R_HIGH_PAY, R_EXCESS_SHARE, R_LOW_PAY, R_BASIS, R_N_BANDS,
 R_BASE_UNIFORM, R_SCALE) = range(10)  # R_BASE_UNIFORM: 基础病组 at coefficient 1 (the kernels read it);
#                                     R_SCALE: base points = the group table's value × R_SCALE
R_BANDS = 10           # then (upto, ratio) pairs of high_ratio_by_points
MAX_BANDS = 6
R_COLUMNS = R_BANDS + 2 * MAX_BANDS

#: most points methods (DRG, DIP, ...) the tables hold; method m of the registry's points methods
#: (in registry order) has its base points in group column G_POINTS + m, its tier coefficients in
#: tier column T_COEF + m and its rule row (simulator.payment.cases) at params[P_RULES + m × R_COLUMNS]
MAX_POINTS_METHODS = 4

# group table: float64[n_groups, G_COLUMNS]
G_COST, G_LOS, G_WEIGHT, G_SEVERITY, G_POST_ACUTE, G_LONG_STAY, G_BASE = range(7)
G_POINTS = 7
G_COLUMNS = G_POINTS + MAX_POINTS_METHODS

# tier table: float64[6, T_COLUMNS]
T_CAPABILITY, T_BED_DAYS, T_COST_IN, T_LOS, T_PER_DIEM = range(5)
T_COEF = 5
T_COLUMNS = T_COEF + MAX_POINTS_METHODS

# scalar parameters: float64[P_COLUMNS]
(P_COST_CV, P_LOS_DISPERSION, P_UPWARD_IN_COUNTY, P_AGREEMENT_SHARE, P_RESERVED_SHARE,
 P_DOWN_SHARE, P_CONTINUATION, P_REFERRING_SHARE, P_RECOVERY_SHARE, P_TAPER_AFTER, P_TAPER_FACTOR,
 P_CAPITATION) = range(12)
P_RULES = 12
P_COLUMNS = P_RULES + MAX_POINTS_METHODS * R_COLUMNS

# special-review candidates (特例单议): float64[capacity, V_COLUMNS] per world, one per candidate
(V_COST, V_POINTS, V_OOP, V_YUAN, V_FUND, V_TIER, V_SERVICE, V_SCHEME, V_METHOD) = range(9)
V_COLUMNS = 9

# booking rules of the kernels' method table int64[2 × services, tier]: rows [service, tier] say how
# a case's fund payment is booked (simulator.payment.registry maps every payment method to one),
# rows [N_SERVICES + service, tier] which points method books it (its index m; −1: none)
BOOK_FUND_SHARE, BOOK_POINTS, BOOK_PER_DIEM, BOOK_CAPITATION, BOOK_AFTER_YEAR = range(5)

# microdata record: float64[capacity, M_COLUMNS] per world (one settled visit group or stay)
(M_PERSON, M_TIER, M_SERVICE, M_GROUP, M_VISITS, M_DAYS, M_COST, M_IN_SCOPE, M_FUND,
 M_DAY_OF_YEAR) = range(10)
M_COLUMNS = 10
