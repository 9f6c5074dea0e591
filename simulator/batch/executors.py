"""Where bundles run: this machine (worker threads or worker processes) or a dask.distributed cluster.

Every executor runs :func:`simulator.batch.worker.run_bundle`, one simulation thread per worker
(the parallelism is across tasks), and hands back the bundles' outcomes as they complete.

* ``threads``: a :class:`concurrent.futures.ThreadPoolExecutor` in this process. The kernels
  release the GIL and are loaded once, so workers start in no time; the Python parts of a task
  (scenario, settlement, encoding; a few ms) take turns on the GIL. Needs a thread-safe numba
  threading layer (``omp`` or ``tbb``): numba's fallback ``workqueue`` layer must not be entered
  from several threads at once.
* ``processes``: a :class:`concurrent.futures.ProcessPoolExecutor` with the ``spawn`` start
  method (safe with numba's thread pools, the same on Linux, macOS and Windows). Each worker
  costs about a second of CPU to start (imports, numba's first use); then no GIL is shared and
  a crashing task cannot take the batch down.
* ``local`` (the default) picks one of the two per batch: threads for small batches (estimated
  simulation under :data:`THREADS_BELOW_SECONDS` per worker, where starting processes would be a
  large share of the wall time) on up to :data:`MAX_THREAD_WORKERS` workers; processes otherwise,
  or when no thread-safe layer is available.
* ``dask``: ``Client(address)`` for an existing scheduler (``tcp://host:8786``), else a
  ``LocalCluster(n_workers=N, threads_per_worker=1, processes=True)`` on 127.0.0.1, its HTTP
  server on a free port (``dashboard_address=":0"``: two batches or region runs at once do not
  collide on 8787).

Results are identical whichever executor runs them (tested byte for byte).
"""

from __future__ import annotations

import os
from typing import Any, Iterator

from simulator.errors import InputError, Problem

EXECUTORS = ("local", "threads", "processes", "dask")

#: ``local`` runs a batch in threads when its estimated simulation per worker is below this many
#: seconds. Starting a worker process costs about 1 s of CPU (benchmarks/bench_batch.py), so
#: below ~30 s a process pool would spend over 3% of the batch starting up; above it, processes
#: avoid the GIL turns of many concurrent tasks and isolate the tasks from each other.
THREADS_BELOW_SECONDS = 30.0
#: ``local`` uses threads for at most this many workers: each task holds the GIL for its Python
#: parts (scenario, settlement, encoding: 5-20% of a tiny task), so many more threads than this
#: would queue for it
MAX_THREAD_WORKERS = 8


def default_workers() -> int:
    """CPUs this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class _PoolExecutor:
    """Shared by the thread and process pools: submit every bundle, yield them as they complete."""

    mode = ""
    in_process = False  # workers share this process: parts come back as tables too

    def __init__(self, workers: int | None = None):
        self.workers = workers or default_workers()
        self._pool: Any = None

    def __exit__(self, *exc: Any) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def run(self, bundles: list[Any], fn: Any = None) -> Iterator[tuple[Any, Any]]:
        """Yield ``(bundle, outcomes)``, or ``(bundle, exception)`` when its worker died.

        ``fn(bundle, in_process)`` runs a bundle (default: a batch's
        :func:`~simulator.batch.worker.run_bundle`; a region's chunks bring their own)."""
        from concurrent.futures import as_completed

        from simulator.batch.worker import run_bundle

        fn = fn or run_bundle
        futures = {self._pool.submit(fn, b, self.in_process): b for b in bundles}
        for future in as_completed(futures):
            exc = future.exception()
            yield futures[future], exc if exc is not None else future.result()


class ProcessExecutor(_PoolExecutor):
    """A pool of spawned worker processes on this machine."""

    mode = "processes"

    def __enter__(self) -> "ProcessExecutor":
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=init_process_worker,
                                         initargs=(os.getpid(),),
                                         mp_context=multiprocessing.get_context("spawn"))
        return self


#: seconds between a pool worker's checks that the batch process is still its parent
PARENT_POLL_SECONDS = 0.5


def init_process_worker(parent: int) -> None:
    """Initializer of the process pool's workers: leave when the batch process ``parent`` dies.

    A batch killed with ``kill -9`` cannot stop its pool; an idle worker sees its task queue
    close, but a busy one would simulate on to the end of its task. A daemon thread polls
    :func:`os.getppid` and ends the worker (``os._exit``) as soon as it is not ``parent``
    (the orphan was adopted by init or a subreaper). Polling rather than Linux's
    ``prctl(PR_SET_PDEATHSIG)``: that signal follows the *thread* that started the worker, and
    a pool driven from a thread that ends would lose its workers.
    """
    import threading
    import time

    from simulator.batch.worker import init_pool_worker

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(1)

    if os.getppid() != parent:  # died while this worker started
        os._exit(1)
    threading.Thread(target=watch, name="mcsim-parent-watch", daemon=True).start()
    init_pool_worker()


class ThreadExecutor(_PoolExecutor):
    """A pool of worker threads in this process (kernels loaded once, nothing to start)."""

    mode = "threads"
    in_process = True

    def __init__(self, workers: int | None = None):
        super().__init__(workers)
        if not threadsafe_layer():
            import numba

            try:
                layer = numba.threading_layer()
            except ValueError:  # not launched (the check was answered without launching it)
                layer = "none yet"
            raise InputError(Problem("--executor", "threads need a thread-safe numba threading layer "
                                     f"(omp or tbb); this numba uses {layer}",
                                     hint="pip install tbb, or use --executor processes"))

    def __enter__(self) -> "ThreadExecutor":
        from concurrent.futures import ThreadPoolExecutor

        from simulator.batch.worker import load_kernels, reset_caches

        reset_caches()  # this process's caches may hold another batch's scenarios
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="mcsim-batch",
                                        initializer=load_kernels)
        return self

    def __exit__(self, *exc: Any) -> None:
        from simulator.batch.worker import reset_caches

        super().__exit__(*exc)
        reset_caches()  # give the populations' memory back


def threadsafe_layer() -> bool:
    """Whether numba's parallel kernels may be entered from several Python threads at once.

    Loads numba's threading layer by its own rules (``NUMBA_THREADING_LAYER``, its priority
    list, the TBB version check: ``set_num_threads`` launches it) and asks which it chose:
    ``omp`` and ``tbb`` are thread-safe, ``workqueue`` is not.
    """
    import numba

    numba.set_num_threads(numba.get_num_threads())  # launches the layer; changes nothing else
    return numba.threading_layer() in ("omp", "tbb")


def local_mode(workers: int, work_seconds: float | None) -> str:
    """``threads`` or ``processes`` for the ``local`` executor (see :data:`THREADS_BELOW_SECONDS`).

    ``work_seconds`` is the batch's estimated simulation time on one core (None: unknown).
    """
    small = work_seconds is not None and work_seconds / max(1, workers) < THREADS_BELOW_SECONDS
    few = workers <= MAX_THREAD_WORKERS
    return "threads" if small and few and threadsafe_layer() else "processes"


class DaskExecutor:
    """dask.distributed: an existing scheduler by address, or a LocalCluster on loopback."""

    mode = "cluster"

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
                                         host="127.0.0.1", dashboard_address=":0")
            self._client = Client(self._cluster)
        return self

    def __exit__(self, *exc: Any) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()

    def run(self, bundles: list[Any], fn: Any = None) -> Iterator[tuple[Any, Any]]:
        from distributed import as_completed

        from simulator.batch.worker import run_bundle

        futures = [self._client.submit(fn or run_bundle, b, pure=False) for b in bundles]
        owner = {f.key: b for f, b in zip(futures, bundles)}
        for future in as_completed(futures):
            try:
                yield owner[future.key], future.result()
            except Exception as exc:  # a lost worker: the bundle's tasks fail, the batch goes on
                yield owner[future.key], exc


def make_executor(kind: str, *, workers: int | None = None, scheduler: str | None = None,
                  work_seconds: float | None = None) -> Any:
    """The executor named ``kind``: ``local`` (threads or processes, see :func:`local_mode`),
    ``threads``, ``processes`` or ``dask``.

    ``work_seconds``: the batch's estimated one-core simulation time, which ``local`` uses.
    """
    if workers is not None and workers < 1:
        raise InputError(Problem("--workers", f"must be >= 1, got {workers}"))
    if kind in ("local", "threads", "processes"):
        if scheduler:
            raise InputError(Problem("--scheduler", "needs --executor dask"))
        if kind == "local":
            kind = local_mode(workers or default_workers(), work_seconds)
        return ThreadExecutor(workers) if kind == "threads" else ProcessExecutor(workers)
    if kind == "dask":
        return DaskExecutor(workers, scheduler)
    from simulator.errors import did_you_mean

    raise InputError(Problem("--executor", f"unknown executor {kind!r}",
                             hint=did_you_mean(kind, EXECUTORS) or f"one of {', '.join(EXECUTORS)}"))
