"""Fixed codes of the model (docs/model.md and docs/outputs.md: part of the contract; never renumber).

Tiers are the levels of care a patient can use, in referral order; services are the kinds of
episode; schemes are the two basic medical-insurance schemes.
"""

from __future__ import annotations

TIER_NAMES: tuple[str, ...] = (
    "village", "township", "subcenter", "county", "outside_agreement", "outside_other",
)
TIER_LABELS_ZH: tuple[str, ...] = (
    "村卫生室", "乡镇卫生院", "县域医疗次中心", "县级医院", "县外协议医院", "其他县外医院",
)
N_TIERS = len(TIER_NAMES)
VILLAGE, TOWNSHIP, SUBCENTER, COUNTY, OUTSIDE_AGREEMENT, OUTSIDE_OTHER = range(N_TIERS)
IN_COUNTY_TIERS = (VILLAGE, TOWNSHIP, SUBCENTER, COUNTY)  # 县域内
PRIMARY_TIERS = (VILLAGE, TOWNSHIP, SUBCENTER)  # 基层

SERVICE_NAMES: tuple[str, ...] = ("outpatient", "inpatient", "chronic", "long_stay")
SERVICE_LABELS_ZH: tuple[str, ...] = ("门诊", "住院", "两病门诊", "长期住院(按床日)")
N_SERVICES = len(SERVICE_NAMES)
OUTPATIENT, INPATIENT, CHRONIC, LONG_STAY = range(N_SERVICES)

#: rows of the kernels' per-world demand and cost factors: visits, admissions (long stays too),
#: chronic-care visits (indices OUTPATIENT, INPATIENT, CHRONIC)
FACTOR_KINDS: tuple[str, ...] = SERVICE_NAMES[:3]
N_FACTOR_KINDS = len(FACTOR_KINDS)

SCHEME_NAMES: tuple[str, ...] = ("resident", "employee")
SCHEME_LABELS_ZH: tuple[str, ...] = ("城乡居民医保", "职工医保")
N_SCHEMES = len(SCHEME_NAMES)
RESIDENT, EMPLOYEE = range(N_SCHEMES)

#: most age bands a scenario may have (the kernels' count-law table is sized for it)
MAX_AGE_BANDS = 32

# Quantities accumulated by the kernels per [world, tier, service, scheme] (flows.parquet).
QUANTITY_NAMES: tuple[str, ...] = (
    "episodes",    # visits or admissions
    "cost",        # total cost of care, yuan
    "fund",        # fund share of claims under the benefit rules (before payment method), yuan
    "oop",         # out-of-pocket = cost − fund, yuan
    "days",        # bed-days (admissions)
    "direct",          # fund payment booked final by the kernels (FFS, per diem, capitation), yuan
    "points",          # points of a points method's cases valued at the point value (normal, adjusted, scaled)
    "points_oop",      # the patient share booked against those points, yuan
    "weight",          # Σ DRG relative weights of admissions
    "points_outlier",  # a points method's payments made outright (outliers), yuan
    "points_all",      # standard points (base × tier coefficient) of every case a points method books
    "points_cost",     # cost of those cases, yuan (with points_all: the cost per point, 预算点值 of DIP)
)
N_QUANTITIES = len(QUANTITY_NAMES)
(Q_EPISODES, Q_COST, Q_FUND, Q_OOP, Q_DAYS, Q_DIRECT, Q_POINTS, Q_POINTS_OOP, Q_WEIGHT,
 Q_POINTS_OUTLIER, Q_POINTS_ALL, Q_POINTS_COST) = range(N_QUANTITIES)
# A (tier, service) cell has one payment method, so the points methods share one accumulator
# layout (points, points_oop, points_outlier): the payment step values each cell at the point
# value of its own method (simulator.payment.registry).
