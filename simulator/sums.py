"""Per-world sums whose order of addition does not depend on how many worlds a run holds."""

from __future__ import annotations

import numpy as np


def cell_sum(x: np.ndarray, keep: int = 1) -> np.ndarray:
    """Σ of ``x`` over every axis after the first ``keep`` (worlds, or worlds × tiers).

    numpy picks the order of a multi-axis or strided reduction from the whole array's shape and
    strides, so one world's cells could be added in another order (a last-bit difference) when
    a run holds another number of worlds. Batch results must not depend on how worlds are
    grouped into runs (a resumed batch gives the same bytes), so the cells are first copied to
    one contiguous row per kept index and each row is summed in numpy's fixed pairwise order.
    """
    x = np.ascontiguousarray(x)
    cells = int(np.prod(x.shape[keep:], dtype=np.int64))
    return x.reshape(x.shape[:keep] + (cells,)).sum(axis=-1)
