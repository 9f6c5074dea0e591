"""A batch's output folder: one partitioned parquet dataset, task markers, the plan.

Layout of ``OUT/``::

    sweep.json                       the plan: sweep fingerprint, seed, variants, counties, tasks
    variants.csv                     one row per variant: id, kind, label, parameters
    dataset/variant=v0003/county=county-a/part-c0002.parquet
                                     worlds rows (one per world × year) of a task
    tasks/v0003__county-a__c0002.json   marker: the task is complete (part file's sha256, rows)
    summary.csv, failures.csv, tornado.png   written at the end of a run

A sweep over a region (:mod:`simulator.region.sweep`) is partitioned by variant only: a task
simulates every county of its worlds, coupled by the pool, so its part holds the rows of every
county and of the region with ``county`` a column (region county names are free text, and
``(region)`` would be an odd folder): ``dataset/variant=v0003/part-c0002.parquet``, task
``v0003/c0002``, marker ``tasks/v0003__c0002.json``.

A part file is written under a temporary name (a leading ``.``, which dataset readers skip) and
moved into place with :func:`os.replace`; its marker follows the same way, so a killed batch
leaves only complete parts with markers, complete parts without markers (re-run on resume, same
bytes) and temporary files (removed on resume). A marker is trusted only if the part file's
sha256 still matches.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from simulator.atomic import write_atomic
from simulator.errors import InputError, Problem

PARTITIONS = (("variant", "string"), ("county", "string"))


class Store:
    """The output folder of one batch.

    ``partitions``: the hive partitions of the dataset, (name, arrow type), the leading parts of
    a task id (``v0003/county-a/c0002``; a region sweep's ``(("variant", "string"),)``:
    ``v0003/c0002``). ``counties``: the order of the ``county`` column when it is a column of
    the parts (region sweeps: the region's counties, then ``(region)``).
    """

    def __init__(self, out: str | Path, partitions: tuple[tuple[str, str], ...] = PARTITIONS,
                 counties: tuple[str, ...] | None = None):
        self.out = Path(out)
        self.partitions = tuple(partitions)
        self.counties = counties
        self.dataset = self.out / "dataset"
        self.tasks = self.out / "tasks"
        self.plan_file = self.out / "sweep.json"
        self._made: set[Path] = set()

    # -------------------------------------------------------------------------- lifecycle
    def open(self, plan: dict[str, Any], *, resume: bool) -> set[str]:
        """Create or reopen the folder for ``plan``; return the ids of tasks already complete.

        Raises :class:`InputError` when the folder holds another batch, or holds this one and
        ``resume`` is false (nothing is overwritten by accident).
        """
        if self.out.exists() and not self.out.is_dir():
            raise InputError(Problem("--out", f"{self.out} exists and is not a folder"))
        if self.plan_file.is_file():
            try:
                old = json.loads(self.plan_file.read_text(encoding="utf-8"))
                if not isinstance(old, dict):
                    raise ValueError("not a JSON object")
            except (OSError, UnicodeDecodeError, ValueError) as exc:
                raise InputError(Problem("--out", f"{self.plan_file} is corrupt or truncated ({type(exc).__name__}): "
                                         "this folder's batch cannot be resumed", file=str(self.plan_file),
                                         hint="choose another --out (or delete the folder)")) from None
            if not resume:
                raise InputError(Problem("--out", f"{self.out} already holds a batch ({old.get('name')})",
                                         hint="pass --resume to complete it, or choose another --out"))
            if old.get("fingerprint") != plan["fingerprint"]:
                raise InputError(Problem("--resume", f"{self.out} holds a different sweep "
                                         f"(fingerprint {old.get('fingerprint')}, this one {plan['fingerprint']})",
                                         hint="the sweep file, its scenarios or the seed changed since; "
                                              "use another --out"))
        elif self.out.is_dir() and any(self.out.iterdir()) and not resume:
            raise InputError(Problem("--out", f"{self.out} exists and is not empty",
                                     hint="choose another --out"))
        self.tasks.mkdir(parents=True, exist_ok=True)
        self.dataset.mkdir(parents=True, exist_ok=True)
        self._clean_temporaries()
        write_atomic(self.plan_file, json.dumps(plan, indent=1, ensure_ascii=False, default=repr) + "\n")
        return self.completed()

    def completed(self) -> set[str]:
        """Ids of tasks whose marker is there and whose part file matches it."""
        done = set()
        for marker in self.tasks.glob("*.json"):
            try:  # a corrupt marker is not a done task: it runs again
                info = json.loads(marker.read_text(encoding="utf-8"))
                if not (isinstance(info, dict) and isinstance(info.get("part"), str)
                        and isinstance(info.get("task"), str)):
                    continue
                data = (self.out / info["part"]).read_bytes()
            except (OSError, ValueError, KeyError, TypeError):
                continue
            if hashlib.sha256(data).hexdigest() == info.get("sha256"):
                done.add(info["task"])
        return done

    def _clean_temporaries(self) -> None:
        for tmp in self.out.rglob(".*.tmp-*"):  # dataset/ and tasks/ are below out/
            tmp.unlink(missing_ok=True)

    # -------------------------------------------------------------------------- tasks
    def part_path(self, task: str) -> Path:
        *values, chunk = task.split("/")
        folder = self.dataset.joinpath(*(f"{name}={v}" for (name, _), v in zip(self.partitions, values, strict=True)))
        return folder / f"part-{chunk}.parquet"

    def commit(self, task: str, data: bytes, info: dict[str, Any]) -> None:
        """Write a task's part file, then its marker, each atomically."""
        part = self.part_path(task)
        if part.parent not in self._made:
            part.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(part.parent)
        write_atomic(part, data)
        marker = {"task": task, "part": part.relative_to(self.out).as_posix(),
                  "sha256": hashlib.sha256(data).hexdigest(), **info}
        write_atomic(self.tasks / (task.replace("/", "__") + ".json"),
                     (json.dumps(marker, indent=1) + "\n").encode())

    # -------------------------------------------------------------------------- reading
    def read(self) -> Any:
        """The whole dataset as one tidy frame: ``variant``, ``county`` then the part columns,
        sorted by variant, county, world, year."""
        import pandas as pd
        import pyarrow as pa
        import pyarrow.dataset as ds

        parts = sorted(p for p in self.dataset.rglob("part-*.parquet"))
        if not parts:
            return pd.DataFrame(columns=["variant", "county", "world", "year"])
        schema = pa.schema([(name, getattr(pa, kind)()) for name, kind in self.partitions])
        dataset = ds.dataset(self.dataset, format="parquet",
                             partitioning=ds.partitioning(schema, flavor="hive"))
        return _tidy(dataset.to_table(), self.counties)

    def frame_of(self, tables: dict[str, Any]) -> Any:
        """What :meth:`read` gives, from the part tables of tasks in memory (id -> Table):
        the batch's frame without reading its parts back."""
        import pyarrow as pa

        if not tables:
            import pandas as pd

            return pd.DataFrame(columns=["variant", "county", "world", "year"])
        parts = []
        for task, table in tables.items():
            n = table.num_rows
            for (name, _), value in zip(self.partitions, task.split("/")[:-1], strict=True):
                table = table.append_column(name, pa.array([value] * n, pa.string()))
            parts.append(table)
        return _tidy(pa.concat_tables(parts), self.counties)


def _tidy(table: Any, counties: tuple[str, ...] | None = None) -> Any:
    """``variant``, ``county`` first, rows sorted by variant, county, world, year (``counties``:
    the order of a ``county`` column, kept as a categorical)."""
    import pandas as pd

    front = [name for name, _ in PARTITIONS]
    frame = table.to_pandas()
    frame = frame[front + [c for c in frame.columns if c not in front]]
    if counties is not None:
        frame["county"] = pd.Categorical(frame["county"], categories=list(counties))
    return frame.sort_values(["variant", "county", "world", "year"], kind="stable").reset_index(drop=True)
