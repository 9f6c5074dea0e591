"""Microdata: the kernels' sampled claim rows as a frame in the claims format (claims_schema).

``output.microdata_fraction`` samples person-years by a hash of (seed, world, year, person),
so recording never changes the simulation. Every visit group and stay of a sampled person-year
becomes a row: visits at one tier in one year are settled together (``visits`` = their count),
each admission, referring stay and recovery stay is a row of its own. Dates are drawn per world
from a keyed stream (the model has no time within the year): a uniform day for the first
visit or admission, discharge = admission + length of stay. Ages are drawn uniformly within the
person's age band ("75+" spans 75-89).
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np
import pandas as pd

from simulator.constants import CHRONIC, INPATIENT, LONG_STAY, SCHEME_NAMES, TIER_NAMES
from simulator.kernels import layout as L

DATE_TAG = 0xDA7E


def band_bounds(label: str) -> tuple[int, int]:
    """Age range (inclusive) of a band label: "15-44" -> (15, 44); "75+" -> (75, 89)."""
    match = re.fullmatch(r"\s*(\d+)\s*-\s*(\d+)\s*", label)
    if match:
        return int(match.group(1)), int(match.group(2))
    match = re.fullmatch(r"\s*(\d+)\s*\+\s*", label)
    if match:
        return int(match.group(1)), int(match.group(1)) + 14
    return 0, 0


def microdata_frame(micro: np.ndarray, counts: np.ndarray, worlds: Sequence[int], year: int, seed: int,
                    age_band: np.ndarray, scheme: np.ndarray, age_bands: Sequence[str],
                    group_codes: Sequence[str]) -> tuple[pd.DataFrame, int]:
    """Claim rows of one block of worlds and one calendar ``year``; also the rows dropped.

    ``micro``: float64[world, capacity, M_COLUMNS]; ``counts``: int64[world, 1] rows recorded.
    """
    frames = []
    dropped = 0
    bounds = np.array([band_bounds(b) for b in age_bands], dtype=np.int64).reshape(-1, 2)
    codes = np.asarray(list(group_codes) + [""], dtype=object)  # index -1 -> ""
    for k, world in enumerate(worlds):
        n = int(counts[k, 0])
        kept = min(n, micro.shape[1])
        dropped += n - kept
        if kept == 0:
            continue
        rows = micro[k, :kept]
        rng = np.random.default_rng([int(seed), int(world), int(year), DATE_TAG])
        person = rows[:, L.M_PERSON].astype(np.int64)
        band = age_band[person].astype(np.int64)
        low, high = bounds[band, 0], bounds[band, 1]
        unique, which = np.unique(person, return_inverse=True)
        position = rng.random(unique.size)[which]  # one age per person
        age = low + np.floor(position * (high - low + 1)).astype(np.int64)
        days = rows[:, L.M_DAYS]
        start = np.datetime64(f"{int(year)}-01-01")
        offset = np.floor(rng.random(kept) * 365).astype(np.int64)
        admission = start + offset.astype("timedelta64[D]")
        discharge = admission + days.astype(np.int64).astype("timedelta64[D]")
        service = rows[:, L.M_SERVICE].astype(np.int64)
        inpatient = (service == INPATIENT) | (service == LONG_STAY)
        group = rows[:, L.M_GROUP].astype(np.int64)
        cost = rows[:, L.M_COST]
        fund = rows[:, L.M_FUND]
        frames.append(pd.DataFrame({
            "person_id": [f"w{world}-y{year}-p{p}" for p in person],
            "scheme": np.asarray(SCHEME_NAMES, dtype=object)[scheme[person].astype(np.int64)],
            "age": age,
            "level": np.asarray(TIER_NAMES, dtype=object)[rows[:, L.M_TIER].astype(np.int64)],
            "setting": np.where(inpatient, "inpatient", "outpatient"),
            "admission_date": admission,
            "discharge_date": discharge,
            "case_group": codes[np.where(group >= 0, group, -1)],
            "total_cost": cost,
            "in_scope_cost": rows[:, L.M_IN_SCOPE],
            "fund_paid": fund,
            "self_paid": cost - fund,
            "visits": rows[:, L.M_VISITS].astype(np.int64),
            "chronic_care": (service == CHRONIC).astype(np.int64),
            "world": np.full(kept, int(world), dtype=np.int64),
        }))
    if not frames:
        return empty_frame(), dropped
    return pd.concat(frames, ignore_index=True), dropped


def empty_frame() -> pd.DataFrame:
    """A claims frame with no rows and the schema's columns."""
    from simulator.claims_schema import NAMES

    return pd.DataFrame({name: pd.Series(dtype=object) for name in NAMES})
