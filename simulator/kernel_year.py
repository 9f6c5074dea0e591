"""The kernels' year for every block of worlds of a run, and the choice tables it shares.

:class:`KernelYear` runs :func:`~simulator.kernels.world.simulate_year` for blocks of worlds
with each world's demand and cost factors (:mod:`simulator.uncertainty.factors`), budget point
values and special-review buffers (:mod:`simulator.payment.review`), and collects the sampled
microdata rows; :class:`ChoiceTables` computes the first-contact tables once per distinct world
state (docs/model.md, "Tier choice").
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

import numpy as np

from simulator.constants import N_FACTOR_KINDS, N_TIERS
from simulator.kernels.world import (
    choice_table_arrays, choice_table_rows, empty_outputs, microdata_buffers, simulate_year,
)
from simulator.payment.review import SpecialReview

if TYPE_CHECKING:
    import pandas as pd

    from simulator.population import Population
    from simulator.prepare import PreparedModel
    from simulator.uncertainty.factors import WorldFactors


class KernelYear:
    """The kernels' year for every block of worlds, and the microdata rows it samples."""

    def __init__(self, model: PreparedModel, arrays, seed: int, worlds: range, step: int,
                 progress: Callable[[int], None] | None, factors: WorldFactors) -> None:
        self.model, self.arrays, self.seed, self.worlds, self.step = model, arrays, seed, worlds, step
        self.progress, self.factors = progress, factors
        self.review = SpecialReview(model)
        self.fraction = model.scenario.output.microdata_fraction
        self.frames: list = []
        self.dropped = 0

    def run(self, pop: Population, y: int, shock: np.ndarray, state) -> tuple[np.ndarray, np.ndarray]:
        """Flows [world, tier, service, scheme, quantity] and referrals of year ``y``; ``state``:
        the engine's world state (effort, quality, choice shifts, points histories)."""
        n_w, w0 = len(self.worlds), self.worlds.start
        person = pop.kernel_columns
        demand = self.factors.demand_factor(y, shock)
        cost_factor = self.factors.cost_factor(y, state.effort)
        flows, referrals = empty_outputs(n_w)
        tables = ChoiceTables(self.arrays)
        fraction = self.fraction if y > 0 else 0.0
        budget_pv = self.review.budget_values(state.points, n_w, y)
        for lo in range(0, n_w, self.step):
            hi = min(lo + self.step, n_w)
            micro, micro_n = microdata_buffers(hi - lo, pop.size, fraction)
            review, review_n = self.review.buffers(hi - lo, pop.size)
            out_t, chronic_t, in_t, table_of = tables.get(cost_factor[lo:hi], state.quality[lo:hi],
                                                          state.asc_shift[lo:hi])
            simulate_year(self.arrays, *person, self.seed, y, w0 + lo, demand[lo:hi], cost_factor[lo:hi],
                          out_t, chronic_t, in_t, table_of, flows[lo:hi], referrals[lo:hi],
                          fraction, micro, micro_n, budget_pv[lo:hi], review, review_n)
            self.review.apply(flows[lo:hi], review, review_n)
            if fraction > 0:
                self._sample(micro, micro_n, range(w0 + lo, w0 + hi), y, pop)
            if self.progress is not None:
                self.progress(hi - lo)
        return flows, referrals

    def _sample(self, micro: np.ndarray, micro_n: np.ndarray, worlds: range, y: int, pop: Population) -> None:
        from simulator.microdata import microdata_frame

        s = self.model.scenario
        frame, lost = microdata_frame(micro, micro_n, worlds, s.scenario.start_year + y - 1, self.seed,
                                      pop.age_band, pop.scheme, s.population.age_bands, self.model.group_codes)
        self.frames.append(frame)
        self.dropped += lost

    def microdata(self) -> tuple["pd.DataFrame | None", int]:
        """The sampled claim rows of every year (None without sampling) and the rows lost."""
        if self.fraction <= 0:
            return None, 0
        import pandas as pd

        if self.dropped:
            import warnings

            warnings.warn(f"microdata buffer full: {self.dropped} claim rows were not recorded; "
                          "lower output.microdata_fraction", RuntimeWarning, stacklevel=3)
        return (pd.concat(self.frames, ignore_index=True) if self.frames else None), self.dropped


class ChoiceTables:
    """Choice tables of one year, computed once per distinct world state.

    A world's first-contact probabilities depend on its unit costs, tier quality and choice
    constants. Worlds that agree on all three (all of them, unless dynamics set them apart)
    share one set of tables; the last block's tables are reused when the next block's states
    are the same.
    """

    def __init__(self, arrays) -> None:
        self.arrays = arrays
        self.key: bytes | None = None
        self.tables: tuple[np.ndarray, ...] = ()

    def get(self, cost_factor: np.ndarray, quality: np.ndarray, asc_shift: np.ndarray):
        n_w = len(quality)
        rows = np.ascontiguousarray(np.concatenate([cost_factor.reshape(n_w, -1), quality, asc_shift], axis=1))
        states, table_of = np.unique(rows, axis=0, return_inverse=True)
        key = states.tobytes()
        if key != self.key:
            n, c = N_TIERS, N_FACTOR_KINDS * N_TIERS
            out_t, chronic_t, in_t = choice_table_arrays(self.arrays, len(states))
            costs = np.ascontiguousarray(states[:, :c]).reshape(len(states), N_FACTOR_KINDS, n)
            choice_table_rows(self.arrays, costs, np.ascontiguousarray(states[:, c:c + n]),
                              np.ascontiguousarray(states[:, c + n:]), out_t, chronic_t, in_t)
            self.key, self.tables = key, (out_t, chronic_t, in_t)
        return (*self.tables, np.ascontiguousarray(table_of.reshape(-1), dtype=np.int64))
