"""Fixed codes of the model (DESIGN 2 and 4: part of the contract; never renumber).

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

SCHEME_NAMES: tuple[str, ...] = ("resident", "employee")
SCHEME_LABELS_ZH: tuple[str, ...] = ("城乡居民医保", "职工医保")
N_SCHEMES = len(SCHEME_NAMES)
RESIDENT, EMPLOYEE = range(N_SCHEMES)

#: most age bands a scenario may have (the kernels' count-law table is sized for it)
MAX_AGE_BANDS = 32

PAYMENT_METHODS: tuple[str, ...] = ("ffs", "drg", "per_diem", "capitation")
FFS, DRG, PER_DIEM, CAPITATION = range(len(PAYMENT_METHODS))

# Quantities accumulated by the kernels per [world, tier, service, scheme] (flows.parquet).
QUANTITY_NAMES: tuple[str, ...] = (
    "episodes",    # visits or admissions
    "cost",        # total cost of care, yuan
    "fund",        # fund share of claims under the benefit rules (before payment method), yuan
    "oop",         # out-of-pocket = cost − fund, yuan
    "days",        # bed-days (admissions)
    "direct",      # fund payment by FFS, per-diem and capitation, yuan
    "drg_points",  # DRG points of non-outlier DRG cases
    "drg_oop",     # patient OOP of non-outlier DRG cases, yuan
    "weight",      # Σ DRG relative weights of admissions
    "drg_outlier", # fund payment of DRG outlier cases (paid at the fund share of cost), yuan
)
N_QUANTITIES = len(QUANTITY_NAMES)
(Q_EPISODES, Q_COST, Q_FUND, Q_OOP, Q_DAYS, Q_DIRECT, Q_POINTS, Q_DRG_OOP, Q_WEIGHT,
 Q_DRG_OUTLIER) = range(N_QUANTITIES)
