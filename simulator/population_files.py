"""Population files: read (parquet or CSV, every bad cell reported) and write insured persons.

One row per person, columns :data:`~simulator.population_columns.COLUMNS`; labels or codes for
``age_band``, ``sex`` and ``scheme``. :func:`write_population` and :func:`read_population` round-trip.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Sequence

import numpy as np

from simulator.atomic import write_with
from simulator.errors import ProblemList, file_stamp
from simulator.population_columns import COLUMNS, SCHEMES, SEXES, Population
from simulator.tabular import read_table


def read_population(path: str | Path, *, age_bands: Sequence[str],
                    key: str = "population.file") -> Population:
    """Read a population file (parquet, or CSV by suffix), one row per insured person.

    Columns (:data:`COLUMNS`): ``age_band`` (a label of ``age_bands`` or its 0-based index),
    ``sex`` (0/1 or female/male), ``scheme`` (resident/employee or 0/1), ``hypertension``,
    ``diabetes``, ``signed`` (0/1 or true/false), ``village``, ``township`` (integer ids >= 0),
    ``dist_township_km``, ``dist_county_km`` (km >= 0). Other columns are ignored.

    Raises
    ------
    InputError
        with every problem: missing file or columns, bad cells by column and CSV line / row.

    A file is parsed once per :func:`~simulator.errors.file_stamp` (validating a scenario and
    running it read the same file; a Population's arrays are read-only, so sharing is safe).
    """
    stamp = file_stamp(Path(path))
    if stamp is not None:
        return _read_population_cached(stamp, tuple(age_bands), key)
    return _read_population(Path(path), tuple(age_bands), key)


@functools.lru_cache(maxsize=4)
def _read_population_cached(stamp: tuple[str, int, int], age_bands: tuple[str, ...], key: str) -> Population:
    return _read_population(Path(stamp[0]), age_bands, key)


def _read_population(path: Path, age_bands: tuple[str, ...], key: str) -> Population:
    problems = ProblemList(title="invalid population file")
    table = read_table(Path(path), key=key, what="population", problems=problems)
    table.require(problems, COLUMNS)
    if table.n_rows == 0:
        problems.items.append(table.problem(None, None, "the population file has no people"))
    out: dict[str, np.ndarray] = {}
    for column, labels in (("age_band", tuple(age_bands)), ("sex", SEXES), ("scheme", SCHEMES)):
        if column in table.columns:
            codes, bad = table.codes(column, labels)
            allowed = ", ".join(labels)
            table.report(problems, column, bad, lambda r, c=column: f"unknown value {table.shown(c, r)}",
                         hint=f"use one of {allowed} or its index 0-{len(labels) - 1}")
            out[column] = codes
    table.flag_columns(problems, ("hypertension", "diabetes", "signed"), out)
    for column in ("village", "township"):
        if column in table.columns:
            values, bad = table.numbers(column)
            table.report(problems, column, bad, lambda r, c=column: f"not a number ({table.shown(c, r)})")
            invalid = ~bad & ~((values >= 0) & (values == np.round(values)) & (values < 2**31))
            table.report(problems, column, invalid,
                         lambda r, v=values: f"must be an integer id >= 0 (got {v[r]:g})")
            out[column] = np.where(bad | invalid, 0, values)
    for column in ("dist_township_km", "dist_county_km"):
        if column in table.columns:
            values, bad = table.numbers(column)
            table.report(problems, column, bad, lambda r, c=column: f"not a number ({table.shown(c, r)})")
            invalid = ~bad & ~(np.isfinite(values) & (values >= 0))
            table.report(problems, column, invalid,
                         lambda r, v=values: f"must be a distance >= 0 km (got {v[r]:g})")
            out[column] = values
    problems.raise_if_any()
    return Population(**out)


def write_population(pop: Population, path: str | Path, age_bands: Sequence[str]) -> None:
    """Write ``pop`` as parquet (CSV if ``path`` ends in ``.csv``), atomically.

    ``age_band`` and ``scheme`` are written as labels, flags as booleans; :func:`read_population`
    reads the file back to an identical population.
    """
    import pyarrow as pa

    path = Path(path)
    bands = pa.array(list(age_bands), type=pa.string())
    columns = {
        "age_band": pa.DictionaryArray.from_arrays(pa.array(pop.age_band, type=pa.int8()), bands),
        "sex": pa.array(pop.sex, type=pa.int8()),
        "scheme": pa.DictionaryArray.from_arrays(pa.array(pop.scheme, type=pa.int8()),
                                                 pa.array(list(SCHEMES), type=pa.string())),
        "hypertension": pa.array(pop.hypertension), "diabetes": pa.array(pop.diabetes),
        "signed": pa.array(pop.signed),
        "village": pa.array(pop.village, type=pa.int32()),
        "township": pa.array(pop.township, type=pa.int32()),
        "dist_township_km": pa.array(pop.dist_township_km, type=pa.float64()),
        "dist_county_km": pa.array(pop.dist_county_km, type=pa.float64()),
    }
    if path.suffix.lower() == ".csv":
        import pyarrow.csv as pacsv

        plain = pa.table({name: (col.cast(pa.string()) if pa.types.is_dictionary(col.type) else col)
                          for name, col in columns.items()})
        write_with(path, lambda tmp: pacsv.write_csv(plain, tmp))
    else:
        import pyarrow.parquet as pq

        write_with(path, lambda tmp: pq.write_table(pa.table(columns), tmp))
