"""Fuzz the inputs of the CLI: every key of the reference scenario, of a sweep file, of a settlement
rules file and every cell of a ``mcsim settle --input`` CSV, mutated to a wrong type, NaN, ±inf,
huge numbers, negatives, zero, empty values and wrong list lengths (issue 19, item 7).

Every mutation must end in exit 0 or exit 2 — never exit 1, never a Python traceback, never a
hang — and after exit 2 no output may be left behind (neither OUT nor hidden ``.OUT.*`` siblings).

    python -m benchmarks.fuzz_inputs --n 5000            # counts per outcome class
    python -m benchmarks.fuzz_inputs --n 1000 --runs 20  # at most 20 simulations (``mcsim run``)

The failing cases go to ``benchmarks/results/fuzz_failures.json`` (one object per case: the
command, what happened, the tail of the output) so that they can become regression cases
(tests/regression/test_hostile_corpus.py). The module also serves tests/property/test_fuzz_inputs.py:
the key walk, the mutations and the outcome classification live here, with no side effects on
import.
"""

from __future__ import annotations

import argparse
import collections
import copy
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "scenarios" / "reference.toml"
PRESETS = REPO / "simulator" / "settlement" / "presets"
RESULTS = REPO / "benchmarks" / "results"

# The small run every validating scenario mutation gets (the mutation's --set comes last, so a
# mutated population.size or scenario.years wins).
RUN_ARGS = ["--set", "population.size=2000", "--set", "scenario.years=2", "--replications", "4", "-q"]
RUN_TIMEOUT = 60.0
VALIDATE_TIMEOUT = 20.0
SETTLE_TIMEOUT = 20.0
BATCH_TIMEOUT = 120.0

OUTCOMES = ("ok-0", "refused-2", "exit-1", "traceback", "hang", "leftover-output", "other-exit")
FAILURES = frozenset({"exit-1", "traceback", "hang", "leftover-output", "other-exit"})


# --------------------------------------------------------------------------------------------
# Key paths and values


def key_paths(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every dotted key path of a TOML document, tables and lists included, list elements as
    ``x[2]`` and arrays of tables as ``uncertainty.param[0].mean``; in document order."""
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{prefix}.{key}" if prefix else key
            yield path, value
            yield from key_paths(value, path)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            path = f"{prefix}[{i}]"
            yield path, value
            yield from key_paths(value, path)


def split_path(path: str) -> list[str | int]:
    """``a.b[2].c`` -> ["a", "b", 2, "c"] (keys without dots or brackets, as in our inputs)."""
    parts: list[str | int] = []
    for piece in path.split("."):
        name, _, rest = piece.partition("[")
        if name:
            parts.append(name)
        while rest:
            index, _, rest = rest.partition("]")
            parts.append(int(index))
            rest = rest[1:] if rest.startswith("[") else rest
    return parts


def set_path(data: Any, path: str, value: Any) -> Any:
    """A deep copy of ``data`` with ``path`` set to ``value``."""
    data = copy.deepcopy(data)
    parts = split_path(path)
    node = data
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value
    return data


def toml_value(value: Any) -> str:
    """A Python value as one line of TOML (inline tables, nan, ±inf, big ints)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {value!r}")


def toml_document(data: dict[str, Any]) -> str:
    """A TOML document: a ``[table]`` per top-level table, its keys as dotted assignments."""
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict):
            lines.append(f"[{json.dumps(key)}]")
            lines.extend(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items())
        else:
            lines.insert(0, f"{json.dumps(key)} = {toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Mutations


def _negative(original: Any) -> Any:
    if isinstance(original, bool):
        return -1
    if isinstance(original, (int, float)):
        return -abs(original) if original else -1
    if isinstance(original, list) and original and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in original):
        return [-abs(v) if v else -1 for v in original]
    return -1


def mutations(original: Any) -> list[tuple[str, Any]]:
    """(name, new value) of every mutation of one value; list-length ones only for lists."""
    out: list[tuple[str, Any]] = [
        ("string", "fuzz"), ("bool", True), ("table", {"a": 1}), ("list", [1]),
        ("nan", math.nan), ("inf", math.inf), ("-inf", -math.inf),
        ("huge-float", 1e308), ("huge-int", 2 ** 63), ("negative", _negative(original)),
        ("zero", 0), ("empty-string", ""), ("empty-list", []),
    ]
    if isinstance(original, list) and original:
        out.append(("list-short", original[:-1]))
        out.append(("list-long", original + [original[-1]]))
    return out


# Text mutations of one CSV cell / one settle option.
CELL_MUTATIONS = [
    ("string", "fuzz"), ("bool", "true"), ("table", "{a=1}"), ("list", "[1]"), ("nan", "nan"),
    ("inf", "inf"), ("-inf", "-inf"), ("huge-float", "1e308"), ("huge-int", str(2 ** 63)),
    ("negative", "-1"), ("zero", "0"), ("empty-string", ""), ("nul", "\x00"), ("unicode", "一亿"),
    ("overflow", "1e400"), ("thousands", "1,,000"),
]


@dataclass(frozen=True)
class Case:
    """One mutated invocation: what is mutated, how, and the files it needs."""

    target: str          # scenario | sweep | rules | csv | settle-option
    key: str             # dotted key path, CSV cell (row 1, column budget) or option name
    mutation: str
    value: str           # the mutated value as written (TOML text or cell text)
    files: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @property
    def id(self) -> str:
        return f"{self.target}:{self.key}:{self.mutation}"


def scenario_cases() -> list[Case]:
    data = tomllib.loads(REFERENCE.read_text(encoding="utf-8"))
    cases = []
    for path, original in key_paths(data):
        for name, value in mutations(original):
            cases.append(Case("scenario", path, name, toml_value(value)))
    return cases


def base_sweep() -> dict[str, Any]:
    return {
        "sweep": {"name": "fuzz", "base": REFERENCE.as_posix(), "replications": 4, "chunk_worlds": 2,
                  "overrides": {"population.size": 2000, "scenario.years": 2}},
        "vary": [{"kind": "grid", "key": "budget.risk_reserve", "values": [0.03, 0.05]}],
    }


def sweep_cases() -> list[Case]:
    base = base_sweep()
    cases = []
    for path, original in key_paths(base):
        if path.startswith("sweep.overrides."):  # dotted names inside: mutate the whole table only
            continue
        for name, value in mutations(original):
            text = toml_document(set_path(base, path, value))
            cases.append(Case("sweep", path, name, toml_value(value), {"sweep.toml": text}))
    return cases


def base_rules(preset: str = "county-tiered") -> dict[str, Any]:
    return tomllib.loads((PRESETS / f"{preset}.toml").read_text(encoding="utf-8"))


def rules_cases() -> list[Case]:
    cases = []
    for preset in ("county-tiered", "aca-corridor"):
        base = base_rules(preset)
        for path, original in key_paths(base):
            for name, value in mutations(original):
                text = toml_document(set_path(base, path, value))
                cases.append(Case("rules", f"{preset}/{path}", name, toml_value(value), {"rules.toml": text}))
    return cases


CSV_HEADER = ["county", "budget", "spending", "score", "reasonable"]
CSV_ROWS = [["a", "1e8", "9e7", "80", ""], ["b", "1e8", "1.08e8", "100", "4e6"]]


def csv_text(rows: list[list[str]]) -> str:
    return "\n".join(",".join(f'"{c}"' if "," in c else c for c in row) for row in rows) + "\n"


def csv_cases() -> list[Case]:
    table = [CSV_HEADER, *CSV_ROWS]
    cases = []
    for r, row in enumerate(table):
        where = "header" if r == 0 else f"row {r}"
        for c, column in enumerate(CSV_HEADER):
            for name, text in CELL_MUTATIONS:
                rows = copy.deepcopy(table)
                rows[r][c] = text
                cases.append(Case("csv", f"{where}, column {column}", name, text, {"in.csv": csv_text(rows)}))
        for name, cells in (("list-short", row[:-1]), ("list-long", row + [row[-1]]), ("empty-list", [])):
            rows = copy.deepcopy(table)
            rows[r] = cells
            cases.append(Case("csv", f"{where}", name, ",".join(cells), {"in.csv": csv_text(rows)}))
    return cases


SETTLE_BASE = {"--budget": "1e8", "--spending": "9e7", "--score": "80", "--reasonable": "1e6"}


def option_cases() -> list[Case]:
    return [Case("settle-option", option, name, text)
            for option in SETTLE_BASE for name, text in CELL_MUTATIONS]


def all_cases() -> list[Case]:
    return scenario_cases() + sweep_cases() + rules_cases() + csv_cases() + option_cases()


# --------------------------------------------------------------------------------------------
# Commands and outcomes


def commands(case: Case, work: Path) -> list[tuple[list[str], Path | None]]:
    """(mcsim arguments, output path that must not exist after exit 2) of the first command of a
    case (validate for scenarios and rules, batch for sweeps, settle for CSVs and options)."""
    for name, text in case.files.items():
        (work / name).write_text(text, encoding="utf-8")
    if case.target == "scenario":
        return [(["validate", str(REFERENCE), "--set", f"{case.key}={case.value}"], None)]
    if case.target == "rules":
        rules = str(work / "rules.toml")
        return [(["settle", "--rules", rules, "--budget", "1e8", "--spending", "9e7", "--score", "80"], None),
                (["settle", "--rules", rules, "--budget", "1e8", "--spending", "1.12e8", "--json"], None),
                (["validate", str(REFERENCE), "--set", f'settlement.rules="{Path(rules).as_posix()}"'], None)]
    if case.target == "csv":
        out = work / "settled" / "out.csv"
        out.parent.mkdir(exist_ok=True)
        return [(["settle", "--rules", "county-tiered", "--input", str(work / "in.csv"), "--out", str(out)], out),
                (["settle", "--rules", "aca-corridor", "--input", str(work / "in.csv")], None)]
    if case.target == "settle-option":
        options = {**SETTLE_BASE, case.key: case.value}
        return [(["settle", "--rules", "county-tiered", *[x for kv in options.items() for x in kv]], None)]
    if case.target == "sweep":
        out = work / "batch-out"
        return [(["batch", str(work / "sweep.toml"), "--out", str(out), "--workers", "1"], out)]
    raise ValueError(case.target)


def run_command(case: Case, out: Path) -> list[str]:
    return ["run", str(REFERENCE), *RUN_ARGS, "--set", f"{case.key}={case.value}", "--out", str(out)]


def leftovers(out: Path) -> list[str]:
    """OUT itself and hidden ``.OUT.*`` siblings (temporary files or folders of an atomic write)."""
    found = [out.name] if out.exists() else []
    if out.parent.exists():
        found += sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))
    return found


def warned(output: str) -> bool:
    """A Python warning reached the user (not an outcome class: counted beside them)."""
    return any(f"{kind}: " in output for kind in ("RuntimeWarning", "UserWarning", "FutureWarning",
                                                  "DeprecationWarning", "Warning"))


def classify(code: int | None, output: str, out: Path | None) -> str:
    if code is None:
        return "hang"
    if "Traceback (most recent call last)" in output:
        return "traceback"
    if code == 1:
        return "exit-1"
    if code == 2:
        if out is not None and leftovers(out):
            return "leftover-output"
        return "refused-2"
    if code == 0:
        return "ok-0"
    return "other-exit"


def invoke_inprocess(args: list[str]) -> tuple[int, str]:
    """``mcsim ARGS`` through click's CliRunner: (exit code, stdout + stderr)."""
    from click.testing import CliRunner

    from simulator.cli import mcsim

    import warnings

    # as in a real process: warnings are printed, not raised (pytest's filterwarnings = error)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(mcsim, args, catch_exceptions=True)
    output = result.output + "".join(
        warnings.formatwarning(w.message, w.category, w.filename, w.lineno) for w in caught)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        output += "".join(traceback.format_exception(result.exception))
        return 1, output
    return result.exit_code, output


def invoke_subprocess(args: list[str], timeout: float) -> tuple[int | None, str]:
    """``python -m simulator ARGS`` as a process: (exit code or None on a hang, output)."""
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    try:
        proc = subprocess.run([sys.executable, "-m", "simulator", *args], capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=timeout, env=env, cwd=REPO)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout or ""
        return None, out if isinstance(out, str) else out.decode("utf-8", "replace")
    return proc.returncode, proc.stdout + proc.stderr


def shell(args: list[str]) -> str:
    """The command line as a user would type it."""
    import shlex

    return "mcsim " + " ".join(shlex.quote(a) for a in args)


@dataclass
class Result:
    case: Case
    command: str
    outcome: str
    tail: str
    seconds: float


def execute(case: Case, work: Path, *, subprocess_for: set[str] = frozenset(), run: bool = False,
            batch: bool = False) -> list[Result]:
    """Run the commands of one case; the scenario ones that validate then get ``mcsim run`` when
    ``run`` is true; sweeps that load go through ``mcsim batch`` only when ``batch`` is true."""
    results = []
    for args, out in commands(case, work):
        if case.target == "sweep":
            outcome = _sweep_load(work / "sweep.toml")
            if outcome is not None or not batch:
                results.append(Result(case, shell(args), outcome[0] if outcome else "ok-0",
                                      outcome[1] if outcome else "loaded (batch not run)", 0.0))
                continue
        start = time.perf_counter()
        if args[0] in subprocess_for or args[0] == "batch":
            timeout = {"batch": BATCH_TIMEOUT, "settle": SETTLE_TIMEOUT}.get(args[0], VALIDATE_TIMEOUT)
            code, output = invoke_subprocess(args, timeout)
        else:
            code, output = invoke_inprocess(args)
        seconds = time.perf_counter() - start
        outcome = classify(code, output, out)
        results.append(Result(case, shell(args), outcome, output[-1500:], seconds))
        if run and case.target == "scenario" and outcome == "ok-0":
            target = work / "run-out"
            argv = run_command(case, target)
            start = time.perf_counter()
            code, output = invoke_subprocess(argv, RUN_TIMEOUT)
            results.append(Result(case, shell(argv), classify(code, output, target), output[-1500:],
                                  time.perf_counter() - start))
            shutil.rmtree(target, ignore_errors=True)
    return results


def _sweep_load(path: Path) -> tuple[str, str] | None:
    """Loading and planning a sweep in-process: None when it loads, else (outcome, message)."""
    import traceback

    from simulator.batch.plan import plan_tasks
    from simulator.batch.spec import load_sweep
    from simulator.errors import InputError

    try:
        plan_tasks(load_sweep(path))
    except InputError as exc:
        return "refused-2", str(exc)[-1500:]
    except Exception:  # noqa: BLE001 — the finding
        return "traceback", traceback.format_exc()[-1500:]
    return None


# --------------------------------------------------------------------------------------------
# The large run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="mutations to try (default 5000)")
    parser.add_argument("--seed", type=int, default=19, help="shuffle seed (default 19)")
    parser.add_argument("--runs", type=int, default=40,
                        help="at most this many `mcsim run` of validating scenario mutations (default 40)")
    parser.add_argument("--batches", type=int, default=6,
                        help="at most this many `mcsim batch` of sweeps that load (default 6)")
    parser.add_argument("--subprocess", action="store_true",
                        help="validate and settle as processes too (slower; in-process by default)")
    parser.add_argument("--json", type=Path, default=RESULTS / "fuzz_failures.json")
    args = parser.parse_args(argv)

    cases = all_cases()
    rng = random.Random(args.seed)
    rng.shuffle(cases)
    cases = cases[:args.n]  # at most every distinct mutation once (7,000 or so)
    print(f"{len(cases)} mutations ({len(all_cases())} distinct) of scenario, sweep, rules, CSV, options",
          file=sys.stderr)

    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failures: list[dict[str, Any]] = []
    warnings_seen: collections.Counter = collections.Counter()
    warning_examples: dict[str, str] = {}
    runs = batches = 0
    seen: set[str] = set()
    start = time.perf_counter()
    for i, case in enumerate(cases, 1):
        if case.id in seen:
            continue
        seen.add(case.id)
        with tempfile.TemporaryDirectory(prefix="mcsim-fuzz-") as tmp:
            do_run = runs < args.runs
            do_batch = batches < args.batches
            results = execute(case, Path(tmp), run=do_run, batch=do_batch,
                              subprocess_for={"validate", "settle"} if args.subprocess else set())
        for r in results:
            command = r.command.split()[1]
            counts[command][r.outcome] += 1
            runs += command == "run"
            batches += command == "batch" and r.seconds > 0
            if warned(r.tail):
                warnings_seen[command] += 1
                warning_examples.setdefault(case.target, r.command)
            if r.outcome in FAILURES:
                failures.append({"id": case.id, "target": case.target, "key": case.key,
                                 "mutation": case.mutation, "value": case.value, "command": r.command,
                                 "outcome": r.outcome, "seconds": round(r.seconds, 2), "tail": r.tail,
                                 "files": case.files})
        if i % 250 == 0:
            print(f"  {i}/{len(cases)}  {time.perf_counter() - start:.0f} s", file=sys.stderr)

    total = collections.Counter()
    print(f"{'command':<10}" + "".join(f"{o:>17}" for o in OUTCOMES))
    for command in sorted(counts):
        total.update(counts[command])
        print(f"{command:<10}" + "".join(f"{counts[command][o]:>17}" for o in OUTCOMES))
    print(f"{'all':<10}" + "".join(f"{total[o]:>17}" for o in OUTCOMES))
    print(f"python warnings shown to the user: {dict(warnings_seen)}; e.g. {warning_examples}")
    print(f"{len(seen)} distinct mutations, {sum(total.values())} commands, {runs} runs, "
          f"{batches} batches, {time.perf_counter() - start:.0f} s")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(failures, indent=1, ensure_ascii=False), encoding="utf-8")
    print(f"{len(failures)} failing commands -> {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
