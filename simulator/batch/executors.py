"""Where bundles run: a local process pool (default) or a dask.distributed cluster.

Both run :func:`simulator.batch.worker.run_bundle` in separate processes, one simulation thread
each (the parallelism is across tasks), and hand back the bundles' outcomes as they complete.
Worker processes live for the whole batch and load the compiled kernels once (warm-up).

* ``local``: :class:`concurrent.futures.ProcessPoolExecutor` with the ``spawn`` start method
  (safe with numba's thread pools, the same on Linux, macOS and Windows).
* ``dask``: ``Client(address)`` for an existing scheduler (``tcp://host:8786``), else a
  ``LocalCluster(n_workers=N, threads_per_worker=1, processes=True)`` on 127.0.0.1.
"""

from __future__ import annotations

import os
from typing import Any, Iterator

from simulator.errors import InputError, Problem

EXECUTORS = ("local", "dask")


def default_workers() -> int:
    """CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class LocalExecutor:
    """A pool of spawned worker processes on this machine."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()
        self._pool: Any = None

    def __enter__(self) -> "LocalExecutor":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from simulator.batch.worker import init_pool_worker

        self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=init_pool_worker,
                                         mp_context=multiprocessing.get_context("spawn"))
        return self

    def __exit__(self, *exc: Any) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def run(self, bundles: list[Any]) -> Iterator[tuple[Any, Any]]:
        """Yield ``(bundle, outcomes)``, or ``(bundle, exception)`` when its worker died."""
        from concurrent.futures import as_completed

        from simulator.batch.worker import run_bundle

        futures = {self._pool.submit(run_bundle, b): b for b in bundles}
        for future in as_completed(futures):
            exc = future.exception()
            yield futures[future], exc if exc is not None else future.result()


class DaskExecutor:
    """dask.distributed: an existing scheduler by address, or a LocalCluster on loopback."""

    name = "dask"

    def __init__(self, workers: int | None = None, scheduler: str | None = None):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise InputError(Problem("--executor", "dask.distributed is not installed",
                                     hint="pip install 'mcsim[dask]'")) from None
        if scheduler and workers:
            raise InputError(Problem("--workers", "sets the size of a LocalCluster; with --scheduler "
                                     "the cluster's own workers run the tasks"))
        self.scheduler = scheduler
        self.workers = workers or default_workers()
        self._client: Any = None
        self._cluster: Any = None

    def __enter__(self) -> "DaskExecutor":
        from distributed import Client, LocalCluster

        if self.scheduler:
            try:
                self._client = Client(self.scheduler, timeout="30s")
            except OSError as exc:
                raise InputError(Problem("--scheduler", f"cannot reach the dask scheduler at "
                                         f"{self.scheduler}: {exc}",
                                         hint="start one with `dask scheduler` and `dask worker ADDRESS`")) from None
            threads = sum(w.get("nthreads", 1) for w in self._client.scheduler_info()["workers"].values())
            self.workers = max(1, threads)
        else:
            self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                         host="127.0.0.1", dashboard_address=None)
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def run(self, bundles: list[Any]) -> Iterator[tuple[Any, Any]]:
        from distributed import as_completed

        from simulator.batch.worker import run_bundle

        futures = [self._client.submit(run_bundle, b, pure=False) for b in bundles]
        owner = {f.key: b for f, b in zip(futures, bundles)}
        for future in as_completed(futures):
            try:
                yield owner[future.key], future.result()
            except Exception as exc:  # a lost worker: the bundle's tasks fail, the batch goes on
                yield owner[future.key], exc


def make_executor(kind: str, *, workers: int | None = None, scheduler: str | None = None) -> Any:
    """The executor named ``kind`` (``local`` or ``dask``)."""
    if workers is not None and workers < 1:
        raise InputError(Problem("--workers", f"must be >= 1, got {workers}"))
    if kind == "local":
        if scheduler:
            raise InputError(Problem("--scheduler", "needs --executor dask"))
        return LocalExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    from simulator.errors import did_you_mean

    raise InputError(Problem("--executor", f"unknown executor {kind!r}",
                             hint=did_you_mean(kind, EXECUTORS) or f"one of {', '.join(EXECUTORS)}"))
