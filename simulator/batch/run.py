"""Run a sweep: plan, skip completed tasks, execute the rest, store, summarise.

    from simulator.batch import run_sweep
    frame = run_sweep("sweeps/risk-reserve.toml", workers=8, out="results/rr")
    frame.groupby(["variant", "budget.risk_reserve"])["balance_rate"].mean()

A task that fails (a variant value that does not validate, or an error while simulating) is
recorded with its parameters and does not stop the others. :func:`run_sweep` then raises
:class:`SweepFailed` (holding the frame of what did complete); ``mcsim batch`` exits 2 when every
failure is a bad input value of the sweep and 1 otherwise.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from simulator.batch.plan import Task, bundle, plan_tasks, task_seconds
from simulator.batch.spec import Sweep, Variant, describe, load_sweep
from simulator.tables_io import write_table
from simulator.batch.store import Store


@dataclass(frozen=True)
class Failure:
    """A task that did not complete, with what it varied."""

    task: str
    variant: Variant
    county: str
    message: str
    input_error: bool

    def __str__(self) -> str:
        return f"{self.task} {describe(self.variant)}: {self.message}"


@dataclass
class BatchOutcome:
    """What :func:`execute_sweep` did (the CLI prints it; :func:`run_sweep` returns its frame)."""

    sweep: Sweep
    out: Path
    total: int                       # tasks in the plan
    skipped: int                     # complete before this run (resume)
    ran: int = 0                     # completed by this run
    failures: list[Failure] = field(default_factory=list)
    frame: Any = None                # tidy world-level frame of every completed task
    summary: Any = None              # per variant × county × year × indicator statistics
    tornado: Path | None = None
    wall_seconds: float = 0.0
    sim_seconds: float = 0.0         # Σ CPU seconds of the engine's runs (this run's tasks)
    task_seconds: float = 0.0        # Σ CPU seconds of the tasks' work in the workers
    workers: int = 0
    mode: str = ""                   # threads | processes | cluster: how the executor ran
    ranking: Any = None              # simulator.ranking.Ranking: rank columns in summary.csv

    @property
    def exit_code(self) -> int:
        if not self.failures:
            return 0
        return 2 if all(f.input_error for f in self.failures) else 1


class SweepFailed(Exception):
    """Some tasks of a sweep failed; ``outcome.frame`` holds those that completed."""

    def __init__(self, outcome: BatchOutcome):
        self.outcome = outcome
        self.failures = outcome.failures
        self.frame = outcome.frame
        lines = [f"{len(outcome.failures)} of {outcome.total} tasks failed:"]
        lines += [f"  - {f}" for f in outcome.failures[:20]]
        if len(outcome.failures) > 20:
            lines.append(f"  ... and {len(outcome.failures) - 20} more (see {outcome.out / 'failures.csv'})")
        super().__init__("\n".join(lines))


def run_sweep(sweep: Sweep | str | Path, *, executor: str = "local", workers: int | None = None,
              scheduler: str | None = None, out: str | Path | None = None, resume: bool = False,
              progress: bool | Callable[[int], None] = False) -> Any:
    """Run every task of a sweep and return the tidy frame of world-level indicators.

    Parameters
    ----------
    sweep : a sweep file path, or a :class:`Sweep` from :func:`load_sweep`.
    executor : ``"local"`` (this machine: worker threads for a small batch, worker processes
        otherwise; see :mod:`simulator.batch.executors`), ``"threads"``, ``"processes"`` or
        ``"dask"`` (dask.distributed). Results are identical whichever runs them.
    workers : workers (default: the CPUs available); for dask, the LocalCluster size.
    scheduler : dask scheduler address (``tcp://host:8786``); default a LocalCluster.
    out : output folder (default ``results/<sweep name>/``).
    resume : complete a batch already in ``out``: only its missing tasks run.
    progress : True for a progress bar of tasks on stderr, or a callback given tasks done.

    Returns
    -------
    pandas.DataFrame
        one row per variant × county × world × year: ``variant``, ``county``, the varied keys
        (their effective values), ``world``, ``year`` and every indicator.

    Raises
    ------
    InputError : the sweep file or options are invalid (nothing ran).
    SweepFailed : some tasks failed; the others completed and are stored.
    """
    outcome = execute_sweep(sweep, executor=executor, workers=workers, scheduler=scheduler, out=out,
                            resume=resume, progress=progress)
    if outcome.failures:
        raise SweepFailed(outcome)
    return outcome.frame


def execute_sweep(sweep: Sweep | str | Path, *, executor: str = "local", workers: int | None = None,
                  scheduler: str | None = None, out: str | Path | None = None, resume: bool = False,
                  progress: bool | Callable[[int], None] = False,
                  on_start: Callable[[BatchOutcome], None] | None = None, ranking: Any = None) -> BatchOutcome:
    """:func:`run_sweep` returning the full :class:`BatchOutcome` (failures included); with
    ``ranking`` (:class:`simulator.ranking.Ranking`), summary.csv gains its rank columns.

    ``on_start(outcome)`` is called once the plan is known and before any task runs (the CLI
    prints the task count there).
    """
    from simulator.batch.executors import make_executor

    if not isinstance(sweep, Sweep):
        sweep = load_sweep(sweep)
    tasks = plan_tasks(sweep)
    # options are checked before anything is written; the estimate (all valid tasks, also on a
    # resume) only decides threads or processes for ``local``
    work = sum(task_seconds(sweep, t) for t in tasks if not t.variant.problems)
    runner = make_executor(executor, workers=workers, scheduler=scheduler, work_seconds=work)
    store = Store(Path(out) if out is not None else Path("results") / sweep.name, sweep.partitions,
                  sweep.store_counties)
    done = store.open(plan_document(sweep, tasks), resume=resume)
    _write_variants(sweep, store.out)
    todo = [t for t in tasks if t.id not in done]
    outcome = BatchOutcome(sweep, store.out, total=len(tasks), skipped=len(tasks) - len(todo), ranking=ranking)
    invalid = [t for t in todo if t.variant.problems]
    outcome.failures += [Failure(t.id, t.variant, t.county.name,
                                 "; ".join(str(p) for p in t.variant.problems), True) for t in invalid]
    runnable = [t for t in todo if not t.variant.problems]
    by_id = {t.id: t for t in runnable}
    tables: dict[str, Any] = {}  # parts in memory (worker threads), to assemble the frame
    started = time.perf_counter()
    with runner:
        outcome.workers = runner.workers
        outcome.mode = runner.mode
        if on_start is not None:
            on_start(outcome)
        bundles = bundle(sweep, runnable, runner.workers)
        with _progress(progress, len(runnable)) as advance:
            for item, result in runner.run(bundles, sweep.worker):
                if isinstance(result, BaseException):
                    for run in item:
                        for task_id, _, _ in run.tasks:
                            t = by_id[task_id]
                            outcome.failures.append(Failure(task_id, t.variant, t.county.name,
                                                            f"worker lost: {result!r}", False))
                    advance(sum(len(r.tasks) for r in item))
                    continue
                for o in result:
                    t = by_id[o.task]
                    if o.error is not None:
                        outcome.failures.append(Failure(o.task, t.variant, t.county.name,
                                                        o.error.strip(), o.input_error))
                    else:
                        store.commit(o.task, o.data, {"rows": o.rows, "seconds": o.seconds,
                                                      "episodes": o.episodes})
                        if o.table is not None:
                            tables[o.task] = o.table
                        outcome.ran += 1
                        outcome.sim_seconds += o.seconds
                        outcome.task_seconds += o.task_seconds
                    advance(1)
    outcome.wall_seconds = time.perf_counter() - started
    outcome.failures.sort(key=lambda f: f.task)
    # every part of the dataset in memory: no need to read them back
    whole = not outcome.skipped and len(tables) == outcome.ran
    outcome.frame = store.frame_of(tables) if whole else store.read()
    _finish(outcome, store)
    return outcome


def plan_document(sweep: Sweep, tasks: list[Task]) -> dict[str, Any]:
    """The ``sweep.json`` document: enough to check a resume and to read the dataset."""
    doc = {"name": sweep.name, "file": str(sweep.file) if sweep.file else None,
            "fingerprint": sweep.fingerprint(), "seed": sweep.seed,
            "replications": sweep.replications, "chunk_worlds": sweep.chunk_worlds,
            "metrics": list(sweep.metrics), "keys": list(sweep.keys), "tasks": len(tasks),
            "overrides": dict(sweep.overrides),
            "counties": [{"name": c.name, "scenario": str(c.scenario), "hash": c.hash,
                          "overrides": dict(c.overrides)} for c in sweep.counties],
            "variants": [{"id": v.id, "kind": v.kind, "label": v.label, "params": dict(v.params)}
                         for v in sweep.variants]}
    if sweep.is_region:  # tasks are variant × chunk; county is a column of the parts
        doc["region"] = {"file": str(sweep.region_file), "name": sweep.region.name,
                         "fingerprint": sweep.region.fingerprint(),
                         "partitions": [name for name, _ in sweep.partitions]}
    return doc


def summarize(frame: Any, sweep: Sweep) -> Any:
    """Per variant × county × year × metric: mean, sd, p05, p50, p95 over worlds; plus
    ``prob_overspend`` (share of worlds with fund spending above the budget) as a metric."""
    import pandas as pd

    if frame is None or frame.empty:
        return pd.DataFrame(columns=["variant", "label", "county", "year", "metric",
                                     "mean", "sd", "p05", "p50", "p95"])
    keys = ["variant", "county", "year"]
    data = frame.assign(prob_overspend=(frame["fund_spending"] > frame["budget"]).astype(float))
    long = data.melt(id_vars=keys, value_vars=[*sweep.metrics, "prob_overspend"],
                     var_name="metric", value_name="value")
    grouped = long.groupby([*keys, "metric"], sort=False, observed=True)["value"]
    table = grouped.agg(["mean", "std", "count"])
    table["sd"] = table["std"].where(table["count"] > 1, 0.0)
    quantiles = grouped.quantile([0.05, 0.5, 0.95]).unstack()  # vectorised, unlike per-group lambdas
    table["p05"], table["p50"], table["p95"] = quantiles[0.05], quantiles[0.5], quantiles[0.95]
    table = table[["mean", "sd", "p05", "p50", "p95"]].reset_index()
    labels = {v.id: v.label for v in sweep.variants}
    table.insert(1, "label", table["variant"].astype(str).map(labels))
    order = {m: i for i, m in enumerate([*sweep.metrics, "prob_overspend"])}
    table["_m"] = table["metric"].map(order)
    table = table.sort_values(["variant", "county", "year", "_m"], kind="stable").drop(columns="_m")
    table["variant"] = table["variant"].astype(str)
    table["county"] = table["county"].astype(str)
    return table.reset_index(drop=True)


def _finish(outcome: BatchOutcome, store: Store) -> None:
    import pandas as pd

    outcome.summary = summarize(outcome.frame, outcome.sweep)
    if outcome.ranking is not None and not outcome.frame.empty:  # mcsim batch --objective/--constraint
        outcome.summary = outcome.ranking.summary_columns(outcome.summary, outcome.frame)
    write_table(outcome.summary, store.out / "summary.csv")  # UTF-8 with a BOM, for Excel
    failures = store.out / "failures.csv"
    if outcome.failures:
        rows = [{"task": f.task, "variant": f.variant.id, "county": f.county, "params": f.variant.label,
                 "input_error": f.input_error, "message": f.message} for f in outcome.failures]
        write_table(pd.DataFrame(rows), failures)
    else:
        failures.unlink(missing_ok=True)
    if outcome.sweep.has_oat and not outcome.frame.empty:
        from simulator.batch.tornado import oat_effects, tornado_chart

        frame = outcome.frame
        if outcome.sweep.is_region:  # the region's totals, not a mean over counties and region
            from simulator.region.spec import REGION_ROW

            frame = frame[frame["county"].astype(str) == REGION_ROW]
        effects = oat_effects(frame, outcome.sweep, "balance_rate")
        if not effects.empty:
            write_table(effects, store.out / "tornado.csv")
            outcome.tornado = tornado_chart(effects, store.out / "tornado.png", metric="balance_rate")


def _write_variants(sweep: Sweep, out: Path) -> None:
    import pandas as pd

    rows = [{"variant": v.id, "kind": v.kind, "label": v.label, **dict(v.params)} for v in sweep.variants]
    write_table(pd.DataFrame(rows), out / "variants.csv")


class _progress:
    """``with _progress(progress, total) as advance: advance(n)``; a click bar on stderr."""

    def __init__(self, progress: bool | Callable[[int], None], total: int):
        self.progress, self.total, self._bar = progress, total, None

    def __enter__(self) -> Callable[[int], None]:
        if self.progress is True and self.total:
            import click

            self._bar = click.progressbar(length=self.total, label="tasks", file=sys.stderr)
            self._bar.__enter__()
            return self._bar.update
        if callable(self.progress):
            return self.progress
        return lambda n: None

    def __exit__(self, *exc: Any) -> None:
        if self._bar is not None:
            self._bar.__exit__(*exc)
