"""Cross-table rules of a scenario: what no single table can check on its own.

Each function returns a list of :class:`~simulator.errors.Problem` (path only; the loader adds
file and line) so one validation pass reports everything at once.
"""

from __future__ import annotations

from typing import Any

from simulator.constants import MAX_AGE_BANDS, N_TIERS, SERVICE_NAMES, TIER_NAMES
from simulator.errors import InputError, Problem
from simulator.scenario.fields import MAX_MONEY, MAX_MULTIPLIER
from simulator.scenario.schema import Scenario
from simulator.scenario.shares import HINT as SHARES_HINT

def check_scenario(s: Scenario | Any) -> list[Problem]:
    """All cross-table rules; returns the problems found (empty when the scenario is sound).

    ``s`` may also be an object holding only the tables that validated (:func:`check_partial`):
    each rule runs when the tables it reads are there.
    """
    problems: list[Problem] = []
    for tables, check in _CHECKS:
        if all(getattr(s, name, None) is not None for name in tables):
            problems += check(s)
    return problems


def check_partial(data: dict[str, Any]) -> list[Problem]:
    """Cross-table rules and file checks on the tables of raw ``data`` that validate on their own.

    Used when the scenario as a whole failed validation, so one pass still reports the problems
    of the other tables (a bad settlement band next to a typo in ``[budget]``).
    """
    from types import SimpleNamespace

    from pydantic import ValidationError

    tables: dict[str, Any] = {}
    for name, info in Scenario.model_fields.items():
        if name not in data and info.is_required():
            continue
        try:
            tables[name] = info.annotation.model_validate(data.get(name, info.get_default()))
        except (ValidationError, AttributeError, TypeError):
            continue
    partial = SimpleNamespace(**tables)
    problems = check_scenario(partial)
    if not all(name in tables for name in _FILE_TABLES):
        problems += check_raw_files(data)  # _check_files could not run
    return problems


def _check_age_vectors(s: Scenario) -> list[Problem]:
    pop = s.population
    n = len(pop.age_bands)
    out = []
    if n > MAX_AGE_BANDS:
        out.append(Problem("population.age_bands", f"at most {MAX_AGE_BANDS} age bands, got {n}"))
    if len(set(pop.age_bands)) != n:
        out.append(Problem("population.age_bands", "age band labels must be distinct"))
    vectors = {
        "population.age_shares": pop.age_shares,
        "population.hypertension_prevalence": pop.hypertension_prevalence,
        "population.diabetes_prevalence": pop.diabetes_prevalence,
        "demand.outpatient.rate_by_age": s.demand.outpatient.rate_by_age,
        "demand.inpatient.rate_by_age": s.demand.inpatient.rate_by_age,
    }
    for path, values in vectors.items():
        if len(values) != n:
            out.append(Problem(path, f"expected {n} values, one per age band {pop.age_bands}, got {len(values)}"))
    if len(pop.age_shares) == n and abs(sum(pop.age_shares) - 1.0) > 1e-6:
        out.append(Problem("population.age_shares", f"age shares must sum to 1, got {sum(pop.age_shares):.6g}",
                           hint=SHARES_HINT))
    return out


def _check_tiers(s: Scenario) -> list[Problem]:
    t = s.tiers
    out = []
    if not any(t.enabled[:4]):
        out.append(Problem("tiers.enabled", "at least one in-county tier must be enabled"))
    for tier in range(N_TIERS):
        if not t.enabled[tier]:
            continue
        if t.cost_multiplier_outpatient[tier] <= 0:
            out.append(Problem(f"tiers.cost_multiplier_outpatient[{tier}]",
                               f"enabled tier {TIER_NAMES[tier]} needs an outpatient cost multiplier > 0"))
        if t.capability[tier] > 0 and (t.cost_multiplier_inpatient[tier] <= 0 or t.los_multiplier[tier] <= 0):
            out.append(Problem(f"tiers.cost_multiplier_inpatient[{tier}]",
                               f"tier {TIER_NAMES[tier]} treats inpatients (capability "
                               f"{t.capability[tier]}) but its inpatient cost or LOS multiplier is 0"))
    return out


def _check_payment(s: Scenario) -> list[Problem]:
    """Each cell's method may pay its service and tier, and has its parameters (payment registry)."""
    from simulator.payment.registry import REGISTRY

    out = []
    used = set()
    for service in SERVICE_NAMES:
        allowed = REGISTRY.allowed(service)
        for tier, code in enumerate(getattr(s.payment, service)):
            method = REGISTRY.get(code)
            used.add(code)
            if code not in allowed:
                out.append(Problem(f"payment.{service}[{tier}]",
                                   f"'{code}' cannot pay {service} care; use one of {list(allowed)}"))
            elif tier not in method.tiers:
                out.append(Problem(f"payment.{service}[{tier}]",
                                   f"'{code}' cannot pay tier {TIER_NAMES[tier]}"))
    for method in REGISTRY.methods:
        params = getattr(s.payment, method.code, None) if method.params is not None else None
        if method.params is not None and params is None and method.code in used and not _defaults_complete(method):
            out.append(Problem(f"payment.{method.code}", f"'{method.code}' is used, so [payment.{method.code}] "
                               "is required"))
        if params is not None and method.check is not None:
            out += method.check(params, f"payment.{method.code}")
    return out


def _defaults_complete(method: Any) -> bool:
    """Whether a method's ``[payment.<code>]`` table may be left out (every key has a default)."""
    try:
        method.params()
    except Exception:  # pydantic ValidationError: a required key
        return False
    return True


#: payment-parameter keys that are unit prices in yuan, bounded like the scenario's other prices
_PAYMENT_MONEY = ("point_value", "point_value_floor", "per_signed_chronic_patient", "rate")
_WHY_MONEY = ("yuan: a larger unit price is surely a unit mistake (fen for yuan?) and pushes the "
              "fund's yearly sums beyond float64's exact range")
#: most days of one case-mix group's mean stay: no stay outlasts a life
MAX_LOS_DAYS = 36_600.0


def _check_payment_magnitudes(s: Scenario) -> list[Problem]:
    """Point values, rates and coefficients of ``[payment.<code>]`` within the money and factor bounds."""
    from simulator.payment.registry import REGISTRY

    out = []
    for method in REGISTRY.methods:
        params = getattr(s.payment, method.code, None) if method.params is not None else None
        if params is None:
            continue
        for name in _PAYMENT_MONEY:
            value = getattr(params, name, None)
            for i, x in _numbers(value):
                if x > MAX_MONEY:
                    at = f"payment.{method.code}.{name}" + ("" if i is None else f"[{i}]")
                    out.append(Problem(at, f"must be at most {MAX_MONEY:,.0f} {_WHY_MONEY} (got {x:g})"))
        for i, x in _numbers(getattr(params, "tier_coefficient", None)):
            if x > MAX_MULTIPLIER:
                out.append(Problem(f"payment.{method.code}.tier_coefficient[{i}]",
                                   f"must be at most {MAX_MULTIPLIER:,.0f}: a larger relative factor is surely "
                                   f"a mistake, and it overflows payments (got {x:g})"))
    return out


def _numbers(value: Any) -> list[tuple[int | None, float]]:
    """(index or None, number) of a number or a list of numbers; nothing for anything else."""
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [(None, float(value))]
    if isinstance(value, (list, tuple)):
        return [(i, float(x)) for i, x in enumerate(value) if isinstance(x, (int, float)) and not isinstance(x, bool)]
    return []


def _casemix_magnitudes(casemix: Any, key: str) -> list[Problem]:
    """Case-mix prices and stays within the money and length-of-stay bounds."""
    out = []
    for column, limit, why in (
            ("base_cost", MAX_MONEY, _WHY_MONEY),
            ("los_mean", MAX_LOS_DAYS, "days: no hospital stay outlasts a life")):
        values = getattr(casemix, column)
        over = [i for i, x in enumerate(values) if x > limit]
        if over:
            i = over[0]
            more = f" and {len(over) - 1} more groups" if len(over) > 1 else ""
            out.append(Problem(key, f"{column} of group {casemix.codes[i]}{more} must be at most "
                                    f"{limit:,.0f} {why} (got {float(values[i]):g})"))
    return out


def _check_budget(s: Scenario) -> list[Problem]:
    b = s.budget
    out = []
    if b.method == "income":  # settlement needs a budget B > 0 (docs/settlement.md)
        if b.community_share <= 0:
            out.append(Problem("budget.community_share", "must be > 0: the income method would give no budget"))
        if b.per_capita_financing.resident <= 0 and b.per_capita_financing.employee <= 0:
            out.append(Problem("budget.per_capita_financing", "some financing must be > 0: no budget otherwise"))
    for scheme in ("resident", "employee"):
        carve_out = getattr(b.serious_illness_share, scheme)
        if b.risk_reserve + carve_out >= 1.0:
            out.append(Problem(f"budget.serious_illness_share.{scheme}",
                               f"budget.risk_reserve ({b.risk_reserve:g}) + serious_illness_share.{scheme} "
                               f"({carve_out:g}) = {b.risk_reserve + carve_out:g} leaves no budget; "
                               f"the sum must be < 1"))
        if getattr(b.serious_illness_share, scheme) > 1.0:
            out.append(Problem(f"budget.serious_illness_share.{scheme}", "must be a share in [0, 1]"))
    return out


def _check_settlement(s: Scenario) -> list[Problem]:
    from simulator.settlement.resolve import resolve_settlement

    try:
        resolve_settlement(s)
    except InputError as exc:
        return exc.problems
    return []


def _check_files(s: Scenario) -> list[Problem]:
    casemix, casemix_problems, population_problems = _read_files(
        s.casemix.file or s.casemix.source, s.casemix.file is not None, s.population.file, s.population.age_bands)
    out = list(casemix_problems)
    if casemix is not None:
        out += _casemix_magnitudes(casemix, "casemix.file" if s.casemix.file is not None else "casemix.source")
        enabled_capability = [c for c, on in zip(s.tiers.capability, s.tiers.enabled) if on]
        top = max(enabled_capability, default=0)
        needed = int(casemix.severity.max()) if casemix.n_groups else 0
        if needed > top:
            out.append(Problem("tiers.capability",
                               f"no enabled tier treats severity {needed} cases of the case mix "
                               f"(highest enabled capability is {top})",
                               hint="enable an outside tier or raise a tier's capability"))
    return out + population_problems


def _read_files(casemix_source: str | None, casemix_file: bool, population_file: str | None,
                bands: list[str]) -> tuple[Any, list[Problem], list[Problem]]:
    """Read the case-mix and population files (None: not named): (case mix or None, its
    problems, the population file's problems), keyed by the scenario keys that name them."""
    from simulator.casemix import load_casemix
    from simulator.population import read_population

    casemix, casemix_problems, population_problems = None, [], []
    try:
        if casemix_source is not None:
            casemix = load_casemix(casemix_source, base_dir=None, age_bands=bands, key="casemix")
    except InputError as exc:
        casemix_problems = _keyed(exc.problems, "casemix.file" if casemix_file else "casemix.source")
    if population_file is not None:
        try:
            read_population(population_file, age_bands=bands, key="population.file")
        except InputError as exc:
            population_problems = _keyed(exc.problems, "population.file")
    return casemix, casemix_problems, population_problems


_FILE_TABLES = ("casemix", "population", "tiers")
_CHECKS = (
    (("population", "demand"), _check_age_vectors),
    (("tiers",), _check_tiers),
    (("payment",), _check_payment),
    (("payment",), _check_payment_magnitudes),
    (("budget",), _check_budget),
    (("settlement",), _check_settlement),
    (_FILE_TABLES, _check_files),
)


def check_raw_files(data: dict[str, Any]) -> list[Problem]:
    """File checks that can run on raw data when the schema itself failed (same-pass reporting)."""
    casemix = data.get("casemix") if isinstance(data.get("casemix"), dict) else {}
    population = data.get("population") if isinstance(data.get("population"), dict) else {}
    bands = population.get("age_bands")
    if not isinstance(bands, list) or not all(isinstance(b, str) for b in bands):
        return []
    source = casemix.get("file") or casemix.get("source") or "builtin:reference"
    file = population.get("file")
    _, casemix_problems, population_problems = _read_files(
        source if isinstance(source, str) else None, bool(casemix.get("file")),
        file if isinstance(file, str) else None, bands)
    return casemix_problems + population_problems


def _keyed(problems: list[Problem], key: str) -> list[Problem]:
    """Problems of a referenced file; those about the whole file name the scenario key that refers to it."""
    return [Problem(key, p.message, file=p.file, line=p.line, hint=p.hint) if not p.path else p
            for p in problems]
