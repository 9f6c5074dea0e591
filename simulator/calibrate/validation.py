"""Validation of a scenario (by default ``scenarios/reference.toml``) against national statistics.

    python -m simulator.calibrate.validation --markdown [--scenario FILE] [--replications 8] [--size N]

The national figures are copied into :data:`NATIONAL` from the project's domain notes
(``docs/data-sources.md``, "Utilisation and cost (national)" and "Insurance"; status letters:
V read in a copy of the source, S secondary copy only). Tier mapping: township centre →
``township``; secondary public hospital (≈ county hospital) → ``county``; tertiary public
hospital → ``outside_agreement`` (the county's out-of-county partner tertiary hospitals);
in-scope fund shares: level-1 → ``township``, secondary → ``county``, tertiary → ``outside_agreement``.

Rows marked *acceptance* are expected within ±15% of the national figure, or explained: a rural
county differs from the national average where its case mix, prices and access differ.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

ACCEPT_TOLERANCE = 0.15
FACTS = "docs/data-sources.md"


@dataclass(frozen=True)
class Figure:
    key: str            # measure or indicator key
    label: str
    value: float
    year: str
    status: str         # V / S (docs/data-sources.md)
    source: str
    acceptance: bool = False


NATIONAL: tuple[Figure, ...] = (
    Figure("visits_per_person", "Visits per person", 6.8, "2023", "V", "national, all institutions", True),
    Figure("admissions_per_person", "Admissions per person", 0.214, "2023", "V", "national, 30,187万 admissions", True),
    Figure("primary_visit_share", "Primary-care share of visits", 0.532, "2020", "V", "national 基层诊疗量占比"),
    Figure("cost_per_visit.township", "Cost per visit, township", 84.7, "2020", "V", "township centres"),
    Figure("cost_per_visit.county", "Cost per visit, county hospital", 252.1, "2023 Jan–Nov", "V",
           "secondary public hospitals"),
    Figure("cost_per_visit.outside_agreement", "Cost per visit, out-of-county tertiary", 389.5, "2023 Jan–Nov",
           "V", "tertiary public hospitals"),
    Figure("cost_per_admission.township", "Cost per admission, township", 2083.0, "2020", "V",
           "township centres", True),
    Figure("cost_per_admission.county", "Cost per admission, county hospital", 6425.0, "2023 Jan–Nov", "V",
           "secondary public hospitals", True),
    Figure("cost_per_admission.outside_agreement", "Cost per admission, out-of-county tertiary", 12879.0,
           "2023 Jan–Nov", "V", "tertiary public hospitals", True),
    Figure("los", "Average length of stay, all", 8.8, "2023", "V", "all hospitals"),
    Figure("los.township", "Average length of stay, township", 6.65, "2019–22", "V", "one province, 6.5–6.8"),
    Figure("in_scope_fund_share.resident", "In-scope inpatient fund share, resident", 0.681, "2023", "S", "URRBMI, all"),
    Figure("in_scope_fund_share.resident.township", "In-scope fund share, resident, level-1", 0.808, "2023", "S",
           "URRBMI, level-1 hospitals"),
    Figure("in_scope_fund_share.resident.county", "In-scope fund share, resident, secondary", 0.724, "2023", "S",
           "URRBMI, secondary hospitals"),
    Figure("in_scope_fund_share.resident.outside_agreement", "In-scope fund share, resident, tertiary", 0.632,
           "2023", "S", "URRBMI, tertiary hospitals"),
    Figure("in_scope_fund_share.employee", "In-scope inpatient fund share, employee", 0.846, "2023", "S", "UEBMI, all"),
    Figure("in_scope_fund_share.employee.township", "In-scope fund share, employee, level-1", 0.894, "2023", "S",
           "UEBMI, level-1 hospitals"),
    Figure("in_scope_fund_share.employee.county", "In-scope fund share, employee, secondary", 0.874, "2023", "S",
           "UEBMI, secondary hospitals"),
    Figure("in_scope_fund_share.employee.outside_agreement", "In-scope fund share, employee, tertiary", 0.835,
           "2023", "S", "UEBMI, tertiary hospitals"),
)


def validate(scenario="scenarios/reference.toml", *, replications: int = 8, size: int | None = None,
             seed: int | None = None, threads: int | None = None,
             figures: Sequence[Figure] = NATIONAL) -> pd.DataFrame:
    """Simulate the first year of ``scenario`` and compare it with ``figures``.

    Returns one row per figure: key, label, national, year, status, source, mean, p05, p95
    (over worlds), diff (mean / national − 1), acceptance, within (|diff| <= 15%).
    ``size`` shrinks the population (bed capacity alike) for quick runs; the measures compared
    are per person, per case or shares, which do not depend on size in expectation.
    """
    from simulator.api import run
    from simulator.calibrate.fit import _summarise, evaluation_scenario, target_values
    from simulator.calibrate.targets import Target
    from simulator.scenario import Scenario, load_scenario

    base = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    s = evaluation_scenario(base, size, 1)
    results = run(s, replications=replications, seed=seed, threads=threads)
    values = target_values(results, [Target(f.key, f.value, 1.0) for f in figures])
    rows = []
    for f in figures:
        mean, _, p05, p95 = _summarise(values[(f.key, None)])
        diff = mean / f.value - 1.0
        rows.append({"key": f.key, "label": f.label, "national": f.value, "year": f.year,
                     "status": f.status, "source": f"{f.source} ({FACTS}, {f.status})",
                     "mean": mean, "p05": p05, "p95": p95, "diff": diff,
                     "acceptance": f.acceptance, "within": bool(abs(diff) <= ACCEPT_TOLERANCE)})
    frame = pd.DataFrame(rows)
    frame.attrs.update(scenario=base.name, replications=replications, seed=results.seed,
                       size=s.population.size, year=s.scenario.start_year)
    return frame


def markdown(frame: pd.DataFrame) -> str:
    """The validation table as markdown (for the README)."""
    from simulator.calibrate.report import markdown_table

    shown = frame.assign(
        measure=[f"{lab} (`{key}`)" for lab, key in zip(frame["label"], frame["key"])],
        interval=[f"{_num(a)} – {_num(b)}" for a, b in zip(frame["p05"], frame["p95"])],
        difference=[f"{d:+.1%}" for d in frame["diff"]],
        check=[("✓" if w else "✗ (±15%)") if a else "" for a, w in zip(frame["acceptance"], frame["within"])],
        figure=[f"{_num(v)} ({y})" for v, y in zip(frame["national"], frame["year"])],
        mean_text=[_num(v) for v in frame["mean"]],
    )
    table = markdown_table(shown, (("measure", "measure"), ("source", "source"), ("figure", "national"),
                                   ("mean_text", "simulated mean"), ("interval", "90% interval"),
                                   ("difference", "difference"), ("check", "acceptance")))
    a = frame.attrs
    note = (f"Simulated: scenario `{a.get('scenario')}`, year {a.get('year')}, {a.get('replications')} worlds "
            f"of {a.get('size', 0):,} insured, seed {a.get('seed')}; 90% interval over worlds. "
            f"Acceptance rows: within ±{ACCEPT_TOLERANCE:.0%} of the national figure.")
    return table + "\n\n" + note + "\n"


def _num(value: float) -> str:
    if not np.isfinite(value):
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator.calibrate.validation",
                                     description="Compare a scenario with national statistics (docs/data-sources.md).")
    parser.add_argument("--scenario", default=str(Path("scenarios") / "reference.toml"))
    parser.add_argument("--replications", type=int, default=8)
    parser.add_argument("--size", type=int, default=None, help="insured persons simulated (default: the scenario's)")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--markdown", action="store_true", help="print a markdown table (default: plain text)")
    args = parser.parse_args(argv)
    from simulator.errors import InputError

    try:
        frame = validate(args.scenario, replications=args.replications, size=args.size, seed=args.seed,
                         threads=args.threads)
    except InputError as exc:
        print(f"error: {exc.format()}", file=sys.stderr)
        return 2
    if args.markdown:
        print(markdown(frame))
    else:
        from simulator.calibrate.report import text_table

        print(text_table(frame, (("key", "measure"), ("national", "national"), ("mean", "mean"),
                                 ("p05", "p05"), ("p95", "p95"), ("diff", "diff"), ("within", "±15%"))))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
