"""The validated sweep: its variants, counties and the (variant, county) scenarios they make.

:func:`simulator.batch.spec.load_sweep` returns a :class:`Sweep`; the planner, workers and store
read it (they never see the sweep file).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simulator.errors import Problem

#: validated variant scenarios a sweep keeps for its workers (about 30 KiB each)
MAX_VALIDATED = 1024


@dataclass(frozen=True)
class Variant:
    """One design of the sweep: ``params`` are (dotted scenario key, value) overrides."""

    id: str
    label: str
    kind: str                                  # base | grid | oat | sample
    params: tuple[tuple[str, Any], ...] = ()
    oat: tuple[str, str] | None = None         # (key, "low" | "high") of an OAT variant
    problems: tuple[Problem, ...] = ()         # why the variant's values do not validate


@dataclass(frozen=True)
class County:
    """A county of the sweep: its scenario file and overrides on it."""

    name: str
    scenario: Path
    overrides: tuple[tuple[str, Any], ...] = ()
    hash: str = ""
    people: int = 0                            # population.size of the county's scenario
    years: int = 0                             # scenario.years (the base year comes on top)


@dataclass(frozen=True)
class Sweep:
    """A validated sweep (what :func:`~simulator.batch.spec.load_sweep` returns)."""

    name: str
    file: Path | None
    replications: int
    seed: int
    chunk_worlds: int
    metrics: tuple[str, ...]
    variants: tuple[Variant, ...]
    counties: tuple[County, ...]
    keys: tuple[str, ...]                      # every varied key, in order of first appearance
    overrides: tuple[tuple[str, Any], ...] = ()
    base_values: dict[str, Any] = field(default_factory=dict, compare=False)
    #: (variant id, county name) -> the Scenario validated while loading the sweep (at most
    #: :data:`MAX_VALIDATED`), handed to the workers so they do not validate it again
    validated: dict[tuple[str, str], Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def has_oat(self) -> bool:
        return any(v.kind == "oat" for v in self.variants)

    # a sweep over a region (simulator.region.sweep.RegionSweep) answers these otherwise
    @property
    def is_region(self) -> bool:
        """Whether the base is a region file (tasks are variant × chunk, every county in each)."""
        return False

    @property
    def partitions(self) -> tuple[tuple[str, str], ...]:
        """The dataset's hive partitions (:class:`simulator.batch.store.Store`)."""
        from simulator.batch.store import PARTITIONS

        return PARTITIONS

    @property
    def store_counties(self) -> tuple[str, ...] | None:
        """Order of a ``county`` column of the parts (None: ``county`` is a partition)."""
        return None

    @property
    def worker(self) -> Any:
        """What a worker runs for a bundle (None: :func:`simulator.batch.worker.run_bundle`)."""
        return None

    def overrides_for(self, variant: Variant, county: County) -> dict[str, Any]:
        """Overrides of one (variant, county) scenario: sweep, then county, then variant."""
        return dict(self.overrides) | dict(county.overrides) | dict(variant.params)

    def person_years(self, variant: Variant, county: County) -> float:
        """Person-years one world of (variant, county) simulates, base year included.

        For estimates only (the local executor's choice of threads or processes): a variant
        that varies ``population.size`` or ``scenario.years`` counts with its own value.
        """
        values = dict(variant.params)
        people = values.get("population.size", county.people)
        years = values.get("scenario.years", county.years)
        try:
            return float(people) * (float(years) + 1.0)
        except (TypeError, ValueError):  # an invalid variant value: it will fail, not run
            return 0.0

    def fingerprint(self) -> str:
        """Hash of everything that decides the results (resume refuses a changed sweep)."""
        doc = {"seed": self.seed, "replications": self.replications, "chunk": self.chunk_worlds,
               "overrides": self.overrides, "keys": self.keys,
               "variants": [(v.id, v.params) for v in self.variants],
               "counties": [(c.name, c.hash, c.overrides) for c in self.counties]}
        text = json.dumps(doc, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def describe(variant: Variant) -> str:
    """``v0003 (budget.risk_reserve=0.07)`` for messages."""
    return f"{variant.id} ({variant.label})"
