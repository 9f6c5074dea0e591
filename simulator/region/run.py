"""Running a region: chunks of worlds in this process or on the batch executors, resumable.

A region's worlds are independent (the counties of one world are coupled by the pool), so a run
is cut into chunks of ``region.chunk_worlds`` worlds (on an executor, smaller where that gives
every worker a chunk), each simulating every county of its worlds. Chunks run one after the other in this process with every numba thread (the default),
or on an executor of :mod:`simulator.batch.executors` (``threads``, ``processes``, ``dask``:
one thread per worker, the parallelism across chunks). A finished chunk is kept in
``.<out>.region-parts/`` beside the results folder until the run is complete, so a run killed
(even with ``kill -9``) continues where it stopped when started again with the same region,
worlds and seed; a changed region starts afresh. Worlds are keyed by their global index, so
results are byte-identical whichever executor, chunking or resumption produced them.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

#: a worker process's prepared regions (by fingerprint): one per region is enough
_PREPARED: dict[str, Any] = {}
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Chunk:
    """A task: worlds [start, stop) of the region file with its run settings."""

    file: str
    overrides: tuple[str, ...]
    replications: int
    seed: int
    start: int
    stop: int
    fingerprint: str

    @property
    def name(self) -> str:
        return f"w{self.start:07d}-{self.stop:07d}"


def parts_dir(out: Path) -> Path:
    """Where the finished chunks of a run into ``out`` wait for the rest."""
    out = Path(out)
    return out.parent / f".{out.name}.region-parts"


def run_region(region: Any, *, overrides: tuple[str, ...] = (), out: Path | None = None,
               executor: str | None = None, workers: int | None = None, scheduler: str | None = None,
               threads: int | None = None, progress: Callable[[int], None] | None = None,
               on_chunk: Callable[[int, int], None] | None = None):
    """Simulate a loaded region (its replications and seed already set) and return its
    :class:`~simulator.region.results.RegionResults`.

    ``out``: the results folder the run is for (its chunks are kept beside it until the end;
    None: nothing is kept). ``executor``: None runs in this process; else a batch executor name.
    ``on_chunk(done, total)`` is called as chunks finish.
    """
    from simulator.region.engine import _concatenate, prepare_region, run_region_worlds
    from simulator.region.results import region_results

    import time

    started = time.perf_counter()
    meta = region.meta
    n, size = int(meta.replications), int(meta.chunk_worlds)
    if executor is not None:  # at least one chunk per worker (results do not depend on the chunks)
        from simulator.batch.executors import default_workers

        size = min(size, -(-n // (workers or default_workers())))
    fingerprint = region.fingerprint()
    chunks = [Chunk(str(region.file), tuple(overrides), n, int(meta.seed), lo, min(lo + size, n), fingerprint)
              for lo in range(0, n, size)]
    store = _ChunkStore(parts_dir(out), fingerprint) if out is not None else None
    done: dict[str, Any] = store.finished(chunks) if store is not None else {}
    todo = [c for c in chunks if c.name not in done]
    prepared = prepare_region(region)

    def finished(chunk: Chunk, output: Any) -> None:
        done[chunk.name] = output
        if store is not None:
            store.keep(chunk, output)
        if on_chunk is not None:
            on_chunk(len(done), len(chunks))

    if executor is None:
        for chunk in todo:
            finished(chunk, run_region_worlds(prepared, worlds=range(chunk.start, chunk.stop), threads=threads,
                                              progress=progress))
    else:
        from simulator.batch.executors import make_executor
        from simulator.errors import InputError, Problem

        with make_executor(executor, workers=workers, scheduler=scheduler, work_seconds=None) as pool:
            for chunk, result in pool.run(todo, run_chunk):
                if isinstance(result, BaseException):
                    if isinstance(result, InputError):
                        raise result
                    raise InputError(Problem("--executor", f"chunk {chunk.name} failed: {result}",
                                             hint="run again to resume from the chunks that finished")) from result
                finished(chunk, pickle.loads(result))
    output = _concatenate([done[c.name] for c in chunks])
    output.seconds = time.perf_counter() - started
    output.threads = 1 if executor is not None else output.threads
    return region_results(prepared, output)


def forget_chunks(out: Path) -> None:
    """Remove the chunks kept for a run into ``out`` (once its results are written)."""
    shutil.rmtree(parts_dir(out), ignore_errors=True)


def run_chunk(chunk: Chunk, in_process: bool = False) -> bytes:
    """What a worker runs: one chunk of a region (the region file read once per process)."""
    from simulator.region.engine import prepare_region, run_region_worlds
    from simulator.region.spec import load_region

    with _LOCK:
        prepared = _PREPARED.get(chunk.fingerprint)
        if prepared is None:
            region = load_region(chunk.file, chunk.overrides).with_run(replications=chunk.replications,
                                                                       seed=chunk.seed)
            if region.fingerprint() != chunk.fingerprint:
                raise RuntimeError(f"{chunk.file} changed while the region ran")
            prepared = prepare_region(region)
            _PREPARED.clear()
            _PREPARED[chunk.fingerprint] = prepared
    out = run_region_worlds(prepared, worlds=range(chunk.start, chunk.stop), threads=1)
    out.seconds = 0.0  # runtime is the whole run's, measured by the caller
    return pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)


class _ChunkStore:
    """Finished chunks of one run (pickles written atomically) and the region they belong to."""

    def __init__(self, folder: Path, fingerprint: str) -> None:
        self.folder, self.fingerprint = folder, fingerprint

    def finished(self, chunks: list[Chunk]) -> dict[str, Any]:
        """The chunks already done for this region (a folder of another region is cleared)."""
        plan = self.folder / "plan.json"
        try:
            same = json.loads(plan.read_text(encoding="utf-8")).get("fingerprint") == self.fingerprint
        except (OSError, ValueError, AttributeError):
            same = False
        if not same:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.mkdir(parents=True, exist_ok=True)
            plan.write_text(json.dumps({"fingerprint": self.fingerprint}), encoding="utf-8")
            return {}
        done = {}
        for chunk in chunks:
            path = self.folder / f"{chunk.name}.pkl"
            try:
                done[chunk.name] = pickle.loads(path.read_bytes())
            except FileNotFoundError:
                continue
            except Exception:  # a torn or foreign file: run the chunk again
                path.unlink(missing_ok=True)
        for stale in self.folder.glob(".*.tmp"):
            stale.unlink(missing_ok=True)
        return done

    def keep(self, chunk: Chunk, output: Any) -> None:
        tmp = self.folder / f".{chunk.name}.tmp"
        tmp.write_bytes(pickle.dumps(output, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, self.folder / f"{chunk.name}.pkl")

