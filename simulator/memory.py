"""Will a run fit? An estimate of its peak memory, checked before it starts (issue 19).

A run holds the insured persons of the year being simulated and of the base year (the
population's columns and the kernels' int64 copies: :data:`BYTES_PER_PERSON`), each block's
choice tables (one set per distinct world state: villages × schemes × signing × age bands ×
severities × 6 tiers, three tables), the microdata buffers, and its results: the worlds' flows,
referrals and indicators and the frames built from them. The estimate is deliberately simple and
on the high side; :func:`check_fits` refuses (exit 2, with the estimate) a run that would not fit
in the memory the machine has available now.
"""

from __future__ import annotations

import os
from typing import Any

from simulator.errors import InputError, Problem

#: population columns (about 30 bytes) + the kernels' int64 columns (40), for two years at once
BYTES_PER_PERSON = 2 * 70
#: per world-year of results: flows (48 cells × 6 quantities × 8 bytes, then a frame of about 120
#: bytes a row), referrals (36 × 8) and about 80 indicator columns (8 bytes each, twice)
BYTES_PER_WORLD_YEAR = 48 * 6 * 8 + 48 * 120 + 36 * 8 + 80 * 16
#: what a numpy/pandas process needs besides (interpreter, libraries, numba's code)
BASE_BYTES = 400 * 2**20


def run_bytes(scenario: Any, worlds: int, threads: int = 2) -> int:
    """Estimated peak bytes of simulating ``worlds`` worlds of ``scenario``."""
    pop = scenario.population
    years = scenario.scenario.years
    people = float(pop.size) * max(1.0, (1.0 + pop.growth_rate) ** years)
    block = max(2 * threads, 4)
    cells = float(pop.villages) * 2 * 2
    tables = block * cells * (2 + len(pop.age_bands) * 4) * 6 * 8
    micro = block * (8 * scenario.output.microdata_fraction * people + 64) * 10 * 8
    return int(BASE_BYTES + people * BYTES_PER_PERSON + tables + micro
               + float(worlds) * years * BYTES_PER_WORLD_YEAR)


def available_bytes() -> int | None:
    """Memory available to a new allocation now (``MemAvailable``), or None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_fits(scenario: Any, worlds: int, threads: int | None = None) -> None:
    """Refuse (:class:`InputError`, exit 2) a run whose estimate exceeds the available memory."""
    need = run_bytes(scenario, worlds, threads or 2)
    have = available_bytes()
    if have is not None and need > have:
        raise InputError(Problem(
            "population.size", f"this run needs about {need / 2**30:.1f} GiB of memory "
            f"({scenario.population.size:,} insured, {worlds:,} worlds × {scenario.scenario.years} years); "
            f"{have / 2**30:.1f} GiB is available",
            hint="simulate fewer people or worlds, or run a batch in chunks of worlds"),
            title="the run would not fit in memory")
