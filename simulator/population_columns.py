"""Insured persons as columns: the :class:`Population` arrays, their codes and dtypes.

People are columns (one read-only numpy array per attribute, docs/model.md, "Population").
Synthesis, projection and population files are in :mod:`simulator.population`'s parts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, fields
from typing import Sequence

import numpy as np

#: Scheme codes: index = code in ``Population.scheme``.
SCHEMES = ("resident", "employee")
SEXES = ("female", "male")

#: Columns of a population file, in the order :func:`~simulator.population_files.write_population`
#: writes them.
COLUMNS = ("age_band", "sex", "scheme", "hypertension", "diabetes", "signed", "village",
           "township", "dist_township_km", "dist_county_km")

_DTYPES = {"age_band": np.int8, "sex": np.int8, "scheme": np.int8, "hypertension": np.bool_,
           "diabetes": np.bool_, "signed": np.bool_, "village": np.int32, "township": np.int32,
           "dist_township_km": np.float64, "dist_county_km": np.float64}


@dataclass(frozen=True)
class Population:
    """Insured persons, one entry per person in each (read-only) array.

    Attributes
    ----------
    age_band : int8, index into ``[population].age_bands``.
    sex : int8, 0 female, 1 male.
    scheme : int8, 0 resident (城乡居民), 1 employee (职工).
    hypertension, diabetes : bool chronic flags.
    signed : bool, family-doctor signing (家庭医生签约).
    village, township : int32 ids of the home village and its township.
    dist_township_km, dist_county_km : float64 km from the home village to the township seat /
        sub-centre and to the county seat.
    """

    age_band: np.ndarray
    sex: np.ndarray
    scheme: np.ndarray
    hypertension: np.ndarray
    diabetes: np.ndarray
    signed: np.ndarray
    village: np.ndarray
    township: np.ndarray
    dist_township_km: np.ndarray
    dist_county_km: np.ndarray

    def __post_init__(self) -> None:
        n = None
        for f in fields(self):
            value = np.array(getattr(self, f.name), dtype=_DTYPES[f.name])
            if value.ndim != 1:
                raise ValueError(f"Population.{f.name} must be one-dimensional")
            if n is None:
                n = len(value)
            elif len(value) != n:
                raise ValueError(f"Population.{f.name} has {len(value)} entries, age_band has {n}")
            value.setflags(write=False)
            object.__setattr__(self, f.name, value)

    @property
    def size(self) -> int:
        return len(self.age_band)

    @property
    def chronic(self) -> np.ndarray:
        """bool, hypertension or diabetes (两病)."""
        return self.hypertension | self.diabetes

    def counts_by_scheme(self) -> np.ndarray:
        """int64 (2,): people in [resident, employee]."""
        return self._scheme_counts.copy()

    @functools.cached_property
    def _scheme_counts(self) -> np.ndarray:
        return np.bincount(self.scheme, minlength=len(SCHEMES)).astype(np.int64)

    @functools.cached_property
    def kernel_columns(self) -> tuple[np.ndarray, ...]:
        """(age_band, scheme, chronic, signed, village) as contiguous int64 arrays, the world
        kernel's person arguments; computed once per population (a batch reuses populations)."""
        columns = tuple(np.ascontiguousarray(a, dtype=np.int64) for a in
                        (self.age_band, self.scheme, self.chronic, self.signed, self.village))
        for a in columns:
            a.setflags(write=False)
        return columns

    def counts_by_age_scheme(self, n_bands: int) -> np.ndarray:
        """int64 (n_bands, 2): people by age band and scheme."""
        cell = self.age_band.astype(np.int64) * len(SCHEMES) + self.scheme
        counts = np.bincount(cell, minlength=n_bands * len(SCHEMES))
        return counts.reshape(n_bands, len(SCHEMES)).astype(np.int64)

    def take(self, index: np.ndarray) -> Population:
        """The people selected by a bool mask or an index array, in that order."""
        return Population(**{f.name: getattr(self, f.name)[index] for f in fields(self)})

    @staticmethod
    def concat(parts: Sequence[Population]) -> Population:
        return Population(**{f.name: np.concatenate([getattr(p, f.name) for p in parts])
                             for f in fields(Population)})
