"""Case mix: the inpatient case groups (DRG-style) and how admissions of each age band spread over them.

One row per case group (DESIGN.md section 2, "Episodes"): ``group`` code, ``name``, DRG relative
``weight``, ``severity`` 1-4 (compared with a tier's capability: a tier treats severity <= its
capability), ``base_cost`` (mean cost of one admission in yuan at county-hospital prices; a tier's
cost is ``base_cost x cost_multiplier_inpatient[tier]``), ``los_mean`` (days at the county
hospital), flags ``post_acute`` (may be referred down for recovery), ``long_stay`` (paid per diem:
rehabilitation, chronic psychiatric), ``base_group`` (基础病组: same payment at every in-county
level), and one ``share_<band>`` column per age band of ``[population].age_bands``: the share of
that band's admissions falling in the group (each column sums to 1; a column written rounded, within
1e-3 of 1, is renormalised with a :class:`~simulator.scenario.shares.SharesRenormalised` warning).

A group's overall frequency for a population is ``sum_b w_b x share_b[group]`` where ``w_b`` is
band b's share of admissions (people of the band x their admission rate); see
:meth:`CaseMix.group_frequency`.

Sources: ``builtin:reference`` (``simulator/builtin/casemix_reference.csv``, made by
``data/synthetic/make_reference_data.py``) or a CSV / parquet file. Every problem of a file is
reported at once, with file, column and CSV line (header = line 1) or parquet row.
"""

from __future__ import annotations

import functools
import warnings

from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Sequence

import numpy as np

from simulator.errors import InputError, Problem, ProblemList, did_you_mean, file_stamp
from simulator.scenario.shares import (EXACT_TOLERANCE, ROUNDING_TOLERANCE, SharesRenormalised,
                                       message as renormalised)
from simulator.tabular import Table, parse_csv, read_table

#: Built-in case mixes: ``builtin:<name>`` -> file in ``simulator/builtin/``.
BUILTINS = {"reference": "casemix_reference.csv"}

#: Required columns, in the order the built-in file writes them (share columns follow).
COLUMNS = ("group", "name", "weight", "severity", "base_cost", "los_mean",
           "post_acute", "long_stay", "base_group")

#: Allowed distance of each share column's sum from 1 (taken as exact).
SHARE_TOLERANCE = EXACT_TOLERANCE

SEVERITIES = (1, 2, 3, 4)


def share_column(band: str) -> str:
    """Name of the share column of age band ``band`` (``"60-74"`` -> ``"share_60-74"``)."""
    return f"share_{band}"


@dataclass(frozen=True)
class CaseMix:
    """Validated case-mix table as read-only numpy arrays, one entry per group.

    Attributes
    ----------
    codes : (n_groups,) str, unique group codes.
    names : (n_groups,) str, group names.
    weight : (n_groups,) float64, DRG relative weight (points / 100).
    severity : (n_groups,) int64, 1-4.
    base_cost : (n_groups,) float64, yuan per admission at county-hospital prices.
    los_mean : (n_groups,) float64, days at the county hospital.
    post_acute, long_stay, base_group : (n_groups,) bool flags.
    age_share : (n_groups, n_age_bands) float64, share of each band's admissions; columns sum to 1.
    age_bands : the age-band labels of ``age_share``'s columns.
    source : where the table came from (``builtin:reference`` or a path).
    score : (n_groups,) float64 official DIP scores (病种分值) from an optional ``score`` column,
        or None (DIP scores are then computed from costs: docs/payments.md, "Points and scores").
    """

    codes: np.ndarray
    names: np.ndarray
    weight: np.ndarray
    severity: np.ndarray
    base_cost: np.ndarray
    los_mean: np.ndarray
    post_acute: np.ndarray
    long_stay: np.ndarray
    base_group: np.ndarray
    age_share: np.ndarray
    age_bands: tuple[str, ...] = ()
    source: str = ""
    score: np.ndarray | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value = value.copy()
                value.setflags(write=False)
                object.__setattr__(self, f.name, value)
        n = len(self.codes)
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray) and len(value) != n:
                raise ValueError(f"CaseMix.{f.name} has {len(value)} entries, codes has {n}")

    @property
    def n_groups(self) -> int:
        return len(self.codes)

    def group_frequency(self, band_admissions: Sequence[float]) -> np.ndarray:
        """Overall share of admissions in each group, given each band's admissions.

        ``band_admissions`` (n_age_bands,) is proportional to each band's admissions, e.g.
        ``age_shares x inpatient rate_by_age``; it is normalised here. Returns (n_groups,) float64
        summing to 1: ``f_g = sum_b w_b share_b[g]``.
        """
        w = np.asarray(band_admissions, dtype=np.float64)
        return self.age_share @ (w / w.sum())


def load_casemix(source: str, *, base_dir: Path | None = None, age_bands: Sequence[str],
                 key: str = "casemix") -> CaseMix:
    """Load and validate a case mix.

    Parameters
    ----------
    source : ``"builtin:<name>"`` (see :data:`BUILTINS`) or a CSV / parquet path.
    base_dir : folder that relative paths are taken from (the scenario file's folder).
    age_bands : the population's age-band labels; each needs a ``share_<band>`` column.
    key : scenario key of the case-mix table, used in problem paths (``casemix.file``).

    Raises
    ------
    InputError
        with every problem found: missing file, unreadable or non-UTF-8 file, missing columns,
        non-numeric cells, severity outside 1-4, non-positive weight / cost / LOS, flags not 0/1,
        duplicate group codes, share columns not summing to 1.
    """
    if not source.startswith("builtin:"):
        path = Path(source)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        stamp = file_stamp(path)
        if stamp is not None:
            return _load_file_cached(stamp, tuple(age_bands), key)
        return _load(source, base_dir, tuple(age_bands), key)
    return _load_builtin_cached(source, tuple(age_bands), key)


@functools.lru_cache(maxsize=32)
def _load_builtin_cached(source: str, age_bands: tuple[str, ...], key: str) -> CaseMix:
    return _load(source, None, age_bands, key)


@functools.lru_cache(maxsize=32)
def _load_file_cached(stamp: tuple[str, int, int], age_bands: tuple[str, ...], key: str) -> CaseMix:
    """A case-mix file, parsed once per :func:`~simulator.errors.file_stamp`: CaseMix is immutable."""
    return _load(stamp[0], None, age_bands, key)


def _load(source: str, base_dir: Path | None, age_bands: tuple[str, ...], key: str) -> CaseMix:
    problems = ProblemList(title="invalid case mix")
    if source.startswith("builtin:"):
        name = source.removeprefix("builtin:")
        if name not in BUILTINS:
            available = ", ".join(f"builtin:{b}" for b in BUILTINS)
            hint = did_you_mean(name, BUILTINS)
            raise InputError(Problem(f"{key}.source", f"unknown built-in case mix '{source}'",
                                     hint=f"{hint}; available: {available}" if hint
                                     else f"available: {available}"), title="invalid case mix")
        data = resources.files("simulator").joinpath("builtin", BUILTINS[name]).read_bytes()
        table = parse_csv(data, file=source, what="case-mix", problems=problems)
    else:
        path = Path(source)
        if not path.is_absolute() and base_dir is not None:
            path = Path(base_dir) / path
        table = read_table(path, key=f"{key}.file", what="case-mix", problems=problems)
    casemix = _validate(table, tuple(age_bands), problems, source)
    if casemix is None or problems.items:  # None comes with at least one problem
        raise InputError(problems.items, title=problems.title)
    return casemix


def _validate(table: Table, age_bands: tuple[str, ...], problems: ProblemList,
              source: str) -> CaseMix | None:
    """The table as a :class:`CaseMix`, or None with every problem of it in ``problems``."""
    table.require(problems, COLUMNS)
    _require_share_columns(table, age_bands, problems)
    if table.n_rows == 0:
        problems.items.append(table.problem(None, None, "the case mix has no groups"))
        return None

    out: dict[str, np.ndarray] = {}
    if "group" in table.columns:
        out["codes"] = _group_codes(table, problems)
    if "name" in table.columns:
        out["names"] = np.array(["" if v is None else str(v).strip() for v in table.columns["name"]],
                                dtype=str)
    _positive_columns(table, problems, out)
    if "severity" in table.columns:
        out["severity"] = _severity(table, problems)
    table.flag_columns(problems, ("post_acute", "long_stay", "base_group"), out)
    share = _shares(table, age_bands, problems)
    score = _scores(table, problems)

    if problems.items:
        return None
    return CaseMix(out["codes"], out["names"], out["weight"], out["severity"], out["base_cost"],
                   out["los_mean"], out["post_acute"], out["long_stay"], out["base_group"],
                   share, age_bands, source, score)


def _scores(table: Table, problems: ProblemList) -> np.ndarray | None:
    """The optional ``score`` column (official DIP scores, > 0), or None when absent."""
    if "score" not in table.columns:
        return None
    values, bad = table.numbers("score")
    table.report(problems, "score", bad, lambda r: f"not a number ({table.shown('score', r)})")
    table.report(problems, "score", ~bad & ~(values > 0), lambda r: f"must be > 0, got {values[r]:g}")
    return values


def _require_share_columns(table: Table, age_bands: tuple[str, ...], problems: ProblemList) -> None:
    """Report each age band without its ``share_<band>`` column (listing the share columns found)."""
    shares_found = [c for c in table.header if c.startswith("share_")]
    for band in age_bands:
        if share_column(band) not in table.columns:
            problems.items.append(table.problem(
                None, share_column(band), f"missing share column for age band '{band}'",
                hint="one share_<band> column per population.age_bands entry is needed; found: "
                     + (", ".join(shares_found) or "no share columns")))


def _group_codes(table: Table, problems: ProblemList) -> np.ndarray:
    """The ``group`` column as str codes; empty and duplicate codes reported (with the first's line)."""
    codes = np.array(["" if v is None else str(v).strip() for v in table.columns["group"]],
                     dtype=object)
    table.report(problems, "group", codes == "", lambda r: "empty group code")
    first: dict[str, int] = {}
    duplicate = np.zeros(len(codes), dtype=bool)
    for row, code in enumerate(codes):
        if code and code in first:
            duplicate[row] = True
        first.setdefault(code, row)

    def where(row: int) -> str:
        other = first[codes[row]]
        return f"line {table.lines[other]}" if table.lines is not None else f"row {other + 1}"
    table.report(problems, "group", duplicate,
                 lambda r: f"duplicate group code '{codes[r]}' (first on {where(r)})")
    return codes.astype(str)


def _positive_columns(table: Table, problems: ProblemList, out: dict[str, np.ndarray]) -> None:
    """``weight``, ``base_cost`` (yuan) and ``los_mean`` (days) into ``out``; each must be > 0."""
    for column, field in (("weight", "weight"), ("base_cost", "base_cost"), ("los_mean", "los_mean")):
        if column in table.columns:
            values, bad = table.numbers(column)
            table.report(problems, column, bad,
                         lambda r, c=column: f"not a number ({table.shown(c, r)})")
            nonpositive = ~bad & ~(np.isfinite(values) & (values > 0))
            table.report(problems, column, nonpositive,
                         lambda r, c=column, v=values: f"must be a positive number (got {v[r]:g})")
            out[field] = values


def _severity(table: Table, problems: ProblemList) -> np.ndarray:
    """The ``severity`` column as int64 1-4 (0 where a cell is reported)."""
    values, bad = table.numbers("severity")
    table.report(problems, "severity", bad, lambda r: f"not a number ({table.shown('severity', r)})")
    outside = ~bad & ~np.isin(values, SEVERITIES)
    table.report(problems, "severity", outside,
                 lambda r: f"must be an integer 1-4 (got {values[r]:g})",
                 hint="1 = treatable at township, 4 = only at tertiary hospitals")
    return np.where(bad | outside, 0, values).astype(np.int64)


def _shares(table: Table, age_bands: tuple[str, ...], problems: ProblemList) -> np.ndarray:
    """float64 (n_groups, n_age_bands): each band's share column, in [0, 1] and summing to 1."""
    share = np.zeros((table.n_rows, len(age_bands)), dtype=np.float64)
    for j, band in enumerate(age_bands):
        column = share_column(band)
        if column not in table.columns:
            continue
        values, bad = table.numbers(column)
        table.report(problems, column, bad, lambda r, c=column: f"not a number ({table.shown(c, r)})")
        outside = ~bad & ~((values >= 0) & (values <= 1))
        table.report(problems, column, outside,
                     lambda r, v=values: f"a share must lie in [0, 1] (got {v[r]:g})")
        if not (bad | outside).any():
            total = float(values.sum())
            if SHARE_TOLERANCE < abs(total - 1.0) <= ROUNDING_TOLERANCE:  # written rounded
                warnings.warn(renormalised(f"column {column}", total, table.file), SharesRenormalised,
                              stacklevel=2)
                values = values / total
            elif abs(total - 1.0) > SHARE_TOLERANCE:
                problems.items.append(table.problem(
                    None, column, f"shares of age band '{band}' sum to {total:.9g}, not 1 "
                                  f"(tolerance {SHARE_TOLERANCE:g}; within {ROUNDING_TOLERANCE:g} "
                                  "they are renormalised with a warning)",
                    hint="each share column is the distribution of that band's admissions over groups"))
        share[:, j] = values
    return share
