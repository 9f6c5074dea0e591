"""The batch executors' choices: threads or processes for ``local``, guided bundle sizes."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.batch import executors
from simulator.batch.plan import MAX_BUNDLE_SECONDS, SECONDS_PER_PERSON_YEAR, bundle, plan_tasks, task_seconds
from simulator.batch.spec import load_sweep
from simulator.errors import InputError

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"


def sweep(tmp_path: Path, replications: int, chunk: int = 1, people: int = 1000) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'''[sweep]
name = "t"
base = "{REFERENCE.as_posix()}"
replications = {replications}
chunk_worlds = {chunk}
overrides = {{ "population.size" = {people}, "scenario.years" = 1 }}
''', encoding="utf-8")
    return path


@pytest.mark.parametrize(("layer", "work", "mode"), [
    (True, 1.0, "threads"), (True, 59.0, "threads"), (True, 61.0, "processes"),
    (True, None, "processes"), (False, 1.0, "processes")])
def test_local_picks_threads_for_small_batches_with_a_threadsafe_layer(monkeypatch, layer, work, mode) -> None:
    monkeypatch.setattr(executors, "threadsafe_layer", lambda: layer)
    assert executors.local_mode(2, work) == mode  # 30 s per worker is the line
    assert executors.make_executor("local", workers=2, work_seconds=work).mode == mode
    many = executors.MAX_THREAD_WORKERS + 1  # many workers would queue for the GIL
    assert executors.local_mode(many, 1.0) == "processes"


def test_threads_refused_without_a_threadsafe_layer(monkeypatch) -> None:
    monkeypatch.setattr(executors, "threadsafe_layer", lambda: False)
    with pytest.raises(InputError, match="thread-safe numba threading layer"):
        executors.make_executor("threads", workers=2)
    with pytest.raises(InputError, match="did you mean 'threads'"):
        executors.make_executor("thread", workers=2)


def test_workload_estimate_counts_people_years_and_worlds(tmp_path: Path) -> None:
    s = load_sweep(sweep(tmp_path, replications=3, people=1000))
    tasks = plan_tasks(s)
    assert sum(s.person_years(t.variant, t.county) * len(t.worlds) for t in tasks) == 1000 * 2 * 3


def test_bundles_shrink_and_cover_every_task_once(tmp_path: Path) -> None:
    s = load_sweep(sweep(tmp_path, replications=200))
    tasks = plan_tasks(s)
    bundles = bundle(s, tasks, workers=2)
    sizes = [sum(len(r.tasks) for r in b) for b in bundles]
    assert sizes[0] == 50 and sizes[-1] == 1  # 1/(2 x workers) of what is left, down to one task
    assert sizes == sorted(sizes, reverse=True) and len(bundles) < 20
    ids = [task for b in bundles for r in b for task, _, _ in r.tasks]
    assert ids == [t.id for t in tasks]
    # consecutive chunks of one design run jointly: one run per bundle here
    assert all(len(b) == 1 for b in bundles)
    assert bundles[0][0].tasks[0][1:] == (0, 1) and bundles[0][0].tasks[-1][1:] == (49, 50)


def test_bundles_hold_at_most_half_a_minute_of_work(tmp_path: Path) -> None:
    """Results are stored per bundle: a killed batch must not lose hours of a worker's work."""
    s = load_sweep(sweep(tmp_path, replications=200, people=100_000))
    tasks = plan_tasks(s)
    per_task = task_seconds(s, tasks[0])
    assert per_task == pytest.approx(100_000 * 2 * SECONDS_PER_PERSON_YEAR)
    bundles = bundle(s, tasks, workers=1)
    sizes = [sum(len(r.tasks) for r in b) for b in bundles]
    assert max(sizes) * per_task <= MAX_BUNDLE_SECONDS and sum(sizes) == 200
