"""Fit and validation tables as text (terminal) and markdown (README, notebooks)."""

from __future__ import annotations

import math
from typing import Any, Sequence

import pandas as pd


def _fmt(value: Any) -> str:
    """A table cell: numbers as the report formats them, missing values as a dash."""
    from simulator.report.labels import number

    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return number(value)
    return str(value)


def text_table(frame: pd.DataFrame, columns: Sequence[tuple[str, str]]) -> str:
    """Aligned plain-text table of ``frame`` with (column, header) pairs."""
    cells = [[h for _, h in columns]] + [[_fmt(row[c]) for c, _ in columns] for _, row in frame.iterrows()]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(frame: pd.DataFrame, columns: Sequence[tuple[str, str]]) -> str:
    """Markdown table of ``frame`` with (column, header) pairs."""
    head = "| " + " | ".join(h for _, h in columns) + " |"
    rule = "|" + "|".join("---" for _ in columns) + "|"
    body = ["| " + " | ".join(_fmt(row[c]) for c, _ in columns) + " |" for _, row in frame.iterrows()]
    return "\n".join([head, rule, *body])


FIT_COLUMNS = (("key", "target"), ("year", "year"), ("target", "observed"), ("se", "se"),
               ("fitted", "fitted"), ("mean", "mean (full size)"), ("p05", "p05"), ("p95", "p95"),
               ("z", "z"))
PARAMETER_COLUMNS = (("key", "parameter"), ("multiply", "×"), ("initial", "initial"),
                     ("estimate", "fitted"), ("se", "se"), ("low", "low"), ("high", "high"))


def fit_report(fit) -> str:
    """The fit table (targets) and the parameter table, for the terminal."""
    columns = [c for c in FIT_COLUMNS if c[0] in fit.table.columns]
    params = fit.parameters.assign(multiply=fit.parameters["multiply"].map({True: "×", False: ""}))
    s = fit.settings
    head = (f"fit: chi² = {fit.chi2:.2f} on {len(fit.table)} targets, {len(fit.parameters)} parameters; "
            f"{fit.evaluations} evaluations in {fit.seconds:.1f} s ({s.get('size', 0):,} persons × "
            f"{s.get('replications')} worlds, seed {fit.seed}); {fit.message}")
    note = ("z = (fitted − observed) / σ, σ² = se² + Monte Carlo variance of the fitted mean; "
            "fitted = mean at calibration size; mean, p05, p95 = the calibrated scenario at full size")
    bounds = [k for k, b in zip(fit.parameters["key"], fit.parameters["at_bound"]) if b]
    tail = f"\nat a bound (widen it?): {', '.join(bounds)}" if bounds else ""
    return "\n".join([head, "", text_table(fit.table, columns), note, "",
                      text_table(params, PARAMETER_COLUMNS)]) + tail
