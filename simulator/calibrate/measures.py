"""Derived measures for calibration and validation: one table, computed alike from a run and from claims.

A measure is a ratio of two totals over cells of care, ``Σ numerator / Σ denominator``. A cell is
(tier, kind, scheme) with kinds ``outpatient`` (门诊 visits besides chronic care), ``chronic``
(两病 chronic-care visits) and ``inpatient`` (admissions, long-stay ones included); "visits" are
outpatient + chronic (门急诊人次, as in docs/outputs.md). Quantities per cell: ``episodes`` (visits or
admissions), ``cost``, ``in_scope`` (政策范围内费用), ``fund`` (fund share of claims), ``oop``,
``days``; and ``persons`` (insured person-years) per unit.

A *unit* is a simulated world (values per world, then mean and interval over worlds) or an
insured person-year of a claims extract (a ratio estimator over persons, with a delta-method
standard error: ``se² = n/(n−1) · Σ (y_i − R·x_i)² / (Σ x_i)²``).

Keys with ``<tier>`` take a tier name (``village`` ... ``outside_other``) or a group:
``primary`` (tiers 0–2), ``in_county`` (0–3), ``outside`` (4–5); ``<scheme>`` takes ``resident``
or ``employee``. In-scope cost of a simulated episode is ``in_scope_share × cost`` (the model's
benefit rule), so ``in_scope_fund_share`` (政策范围内住院费用基金支付比例) is exact from flows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from simulator.constants import N_SCHEMES, N_TIERS, SCHEME_NAMES, TIER_NAMES

KINDS: tuple[str, ...] = ("outpatient", "chronic", "inpatient")
QUANTITIES: tuple[str, ...] = ("episodes", "cost", "in_scope", "fund", "oop", "days")
N_KINDS, N_Q = len(KINDS), len(QUANTITIES)
TIER_GROUPS: dict[str, tuple[int, ...]] = {
    **{name: (i,) for i, name in enumerate(TIER_NAMES)},
    "primary": (0, 1, 2), "in_county": (0, 1, 2, 3), "outside": (4, 5),
}
KIND_SETS = {"visits": (0, 1), "outpatient": (0,), "chronic": (1,), "admissions": (2,), "all": (0, 1, 2)}


@dataclass(frozen=True)
class Part:
    """One total: ``quantity`` summed over the cells of ``kinds`` (a :data:`KIND_SETS` name).

    ``tiers`` / ``schemes``: ``"key"`` takes the key's ``<tier>`` / ``<scheme>``; ``"all"`` every
    one; otherwise a :data:`TIER_GROUPS` name. ``quantity = "persons"`` counts person-years.
    """

    quantity: str
    kinds: str = "all"
    tiers: str = "all"
    schemes: str = "all"


@dataclass(frozen=True)
class Measure:
    pattern: str      # key, with <tier> and <scheme> placeholders
    zh: str
    en: str
    unit: str
    num: Part
    den: Part

    @property
    def formula(self) -> str:
        return f"{_describe(self.num)} / {_describe(self.den)}"


def _describe(p: Part) -> str:
    if p.quantity == "persons":
        return "insured person-years"
    where = [w for w in (p.kinds if p.kinds != "all" else "",
                         "<tier>" if p.tiers == "key" else (p.tiers if p.tiers != "all" else ""),
                         "<scheme>" if p.schemes == "key" else "") if w]
    return f"Σ {p.quantity}" + (f" [{', '.join(where)}]" if where else "")


_V, _A = "visits", "admissions"
MEASURES: tuple[Measure, ...] = (
    Measure("visits_per_person", "人均门急诊人次", "Visits per person", "visits per person-year",
            Part("episodes", _V), Part("persons")),
    Measure("outpatient_visits_per_person", "人均普通门诊人次", "Non-chronic visits per person",
            "visits per person-year", Part("episodes", "outpatient"), Part("persons")),
    Measure("admissions_per_person", "人均住院次数", "Admissions per person", "admissions per person-year",
            Part("episodes", _A), Part("persons")),
    Measure("cost_per_visit", "次均门诊费用", "Cost per visit", "yuan", Part("cost", _V), Part("episodes", _V)),
    Measure("cost_per_visit.<tier>", "次均门诊费用", "Cost per visit", "yuan",
            Part("cost", _V, "key"), Part("episodes", _V, "key")),
    Measure("cost_per_admission", "次均住院费用", "Cost per admission", "yuan",
            Part("cost", _A), Part("episodes", _A)),
    Measure("cost_per_admission.<tier>", "次均住院费用", "Cost per admission", "yuan",
            Part("cost", _A, "key"), Part("episodes", _A, "key")),
    Measure("los", "平均住院日", "Average length of stay", "days", Part("days", _A), Part("episodes", _A)),
    Measure("los.<tier>", "平均住院日", "Average length of stay", "days",
            Part("days", _A, "key"), Part("episodes", _A, "key")),
    Measure("visit_share.<tier>", "门急诊人次占比", "Share of visits", "share",
            Part("episodes", _V, "key"), Part("episodes", _V)),
    Measure("admission_share.<tier>", "住院人次占比", "Share of admissions", "share",
            Part("episodes", _A, "key"), Part("episodes", _A)),
    Measure("outside_admission_share", "县外住院人次占比", "Out-of-county admission share", "share",
            Part("episodes", _A, "outside"), Part("episodes", _A)),
    Measure("primary_visit_share", "基层就诊率", "Primary-care visit share", "share",
            Part("episodes", _V, "primary"), Part("episodes", _V)),
    Measure("county_inpatient_share", "县域内住院人次占比", "In-county admission share", "share",
            Part("episodes", _A, "in_county"), Part("episodes", _A)),
    Measure("effective_reimbursement.<scheme>", "实际报销比", "Effective reimbursement", "share",
            Part("fund", schemes="key"), Part("cost", schemes="key")),
    Measure("inpatient_reimbursement.<scheme>", "住院实际报销比", "Inpatient effective reimbursement", "share",
            Part("fund", _A, schemes="key"), Part("cost", _A, schemes="key")),
    Measure("in_scope_fund_share.<scheme>", "政策范围内住院费用基金支付比例",
            "In-scope inpatient fund share", "share",
            Part("fund", _A, schemes="key"), Part("in_scope", _A, schemes="key")),
    Measure("in_scope_fund_share.<scheme>.<tier>", "政策范围内住院费用基金支付比例",
            "In-scope inpatient fund share", "share",
            Part("fund", _A, "key", "key"), Part("in_scope", _A, "key", "key")),
)


def _expand(pattern: str) -> Iterator[tuple[str, str | None, str | None]]:
    schemes = SCHEME_NAMES if "<scheme>" in pattern else (None,)
    tiers = tuple(TIER_GROUPS) if "<tier>" in pattern else (None,)
    for s in schemes:
        for t in tiers:
            key = pattern.replace("<scheme>", s or "").replace("<tier>", t or "")
            yield key, t, s


#: every measure key -> (measure, tier name or None, scheme name or None)
KEYS: dict[str, tuple[Measure, str | None, str | None]] = {
    key: (m, t, s) for m in MEASURES for key, t, s in _expand(m.pattern)
}


def is_measure(key: str) -> bool:
    return key in KEYS


def label(key: str, lang: str = "en") -> str:
    m, tier, scheme = KEYS[key]
    base = m.zh if lang == "zh" else m.en
    extra = ", ".join(x for x in (scheme, tier) if x)
    return f"{base} ({extra})" if extra else base


# ---------------------------------------------------------------------------------------------
# Tallies: totals per unit and cell
# ---------------------------------------------------------------------------------------------

@dataclass
class Tally:
    """Totals by unit and cell, stored as rows (sparse for claims, dense for worlds).

    ``unit``: int[rows] unit index; ``tier``, ``kind``, ``scheme``: int[rows] cell codes;
    ``q``: float64[rows, N_Q] quantities in :data:`QUANTITIES` order; ``persons``:
    float64[units] insured person-years per unit.
    """

    unit: np.ndarray
    tier: np.ndarray
    kind: np.ndarray
    scheme: np.ndarray
    q: np.ndarray
    persons: np.ndarray

    @property
    def n_units(self) -> int:
        return len(self.persons)

    def total(self, part: Part, tier: str | None, scheme: str | None) -> np.ndarray:
        """Per-unit total of ``part`` (float64[units])."""
        if part.quantity == "persons":
            return self.persons.astype(float)
        mask = np.isin(self.kind, KIND_SETS[part.kinds])
        tiers = TIER_GROUPS[tier] if part.tiers == "key" else (
            tuple(range(N_TIERS)) if part.tiers == "all" else TIER_GROUPS[part.tiers])
        mask &= np.isin(self.tier, tiers)
        if part.schemes == "key":
            mask &= self.scheme == SCHEME_NAMES.index(scheme)
        weights = self.q[mask, QUANTITIES.index(part.quantity)]
        return np.bincount(self.unit[mask], weights=weights, minlength=self.n_units)

    def parts(self, key: str) -> tuple[np.ndarray, np.ndarray]:
        """Per-unit numerator and denominator of measure ``key``."""
        m, tier, scheme = KEYS[key]
        return self.total(m.num, tier, scheme), self.total(m.den, tier, scheme)

    def per_unit(self, key: str) -> np.ndarray:
        """The measure in each unit (NaN where the denominator is 0): worlds' values."""
        y, x = self.parts(key)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x > 0, y / np.where(x > 0, x, 1.0), np.nan)

    def ratio(self, key: str, extra_units: float = 0.0) -> tuple[float, float, int]:
        """Pooled ratio estimate over units, its delta-method standard error and the units used.

        ``extra_units``: units with x = 1, y = 0 beyond those stored (insured persons who made no
        claim; only for measures whose denominator is persons).
        """
        y, x = self.parts(key)
        m = KEYS[key][0]
        extra = extra_units if m.den.quantity == "persons" else 0.0
        keep = x > 0 if m.den.quantity != "persons" else np.ones(len(x), bool)
        y, x = y[keep], x[keep]
        n = len(x) + extra
        sx = x.sum() + extra
        if sx <= 0 or n < 2:
            return float("nan"), float("nan"), int(n)
        r = y.sum() / sx
        ss = np.sum((y - r * x) ** 2) + extra * r * r
        return float(r), float(np.sqrt(n / (n - 1) * ss) / sx), int(n)


def in_scope_table(scenario) -> np.ndarray:
    """In-scope share by [scheme, kind, tier] from the scenario's benefits (政策范围内费用占比)."""
    out = np.zeros((N_SCHEMES, N_KINDS, N_TIERS))
    for s, name in enumerate(SCHEME_NAMES):
        b = getattr(scenario.benefits, name)
        out[s, 0] = b.outpatient.in_scope_share
        out[s, 1] = b.chronic.in_scope_share
        out[s, 2] = b.inpatient.in_scope_share
    return out


_SERVICE_KIND = {"outpatient": 0, "chronic": 1, "inpatient": 2, "long_stay": 2}


def tally_from_flows(flows, scenario, year: int, enrolled: np.ndarray) -> Tally:
    """Tally of one simulated year from ``Results.flows``; units are worlds.

    ``enrolled``: float64[worlds] insured persons of the year, in the order of sorted world ids.
    """
    f = flows[flows["year"] == year]
    worlds = np.sort(f["world"].unique())
    unit = np.searchsorted(worlds, f["world"].to_numpy())
    tier = f["tier"].cat.codes.to_numpy().astype(np.int64) if hasattr(f["tier"], "cat") else \
        np.array([TIER_NAMES.index(t) for t in f["tier"]])
    scheme = f["scheme"].cat.codes.to_numpy().astype(np.int64) if hasattr(f["scheme"], "cat") else \
        np.array([SCHEME_NAMES.index(s) for s in f["scheme"]])
    kind = np.array([_SERVICE_KIND[str(s)] for s in f["service"]], dtype=np.int64)
    cost = f["cost"].to_numpy(float)
    q = np.column_stack([f["episodes"].to_numpy(float), cost, cost * in_scope_table(scenario)[scheme, kind, tier],
                         f["fund"].to_numpy(float), f["oop"].to_numpy(float), f["days"].to_numpy(float)])
    return Tally(unit=unit, tier=tier, kind=kind, scheme=scheme, q=q, persons=np.asarray(enrolled, float))


def markdown_table() -> str:
    """The measure table as markdown (for documentation)."""
    rows = ["| key | 中文 | unit | formula |", "|---|---|---|---|"]
    rows += [f"| `{m.pattern}` | {m.zh} | {m.unit} | {m.formula} |" for m in MEASURES]
    return "\n".join(rows)
