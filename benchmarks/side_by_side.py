"""Side by side: this tree against another commit, on the same machine in one run (A/B alternating).

    python benchmarks/side_by_side.py --base 30c1950 [--people 50000 450000] [--threads 1 2]
                                      [--worlds 8] [--rounds 3] [--repeats 3] [--out FILE]

The base commit is checked out in a temporary git worktree (its own numba cache, compiled once
before timing). For each (people, threads) the two trees run alternately, ``--rounds`` times,
each run in a fresh process calling :func:`benchmarks.throughput.throughput` of its own tree
(JIT warm-up excluded by its repeats) with the limit kernel on that tree's own draw counts.
Printed: person-years per second of each tree (median over rounds), the speed ratio new / base,
and each tree's limit ratio. Machines differ between sessions: only the ratios compare.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: what each tree runs: only APIs both trees have (benchmarks.throughput, benchmarks.draws)
CHILD = """
import json, sys
from benchmarks.draws import count_draws
from benchmarks.throughput import throughput
people, worlds, threads, repeats = map(int, sys.argv[1:5])
draws = count_draws(4000, 2, 1)
r = throughput(people, worlds, 1, threads, repeats, draws=draws)
print(json.dumps({"pys": r["person_years_per_second"]["median"], "limit_ratio": r["limit_ratio"],
                  "draws_per_person_year": r["draws"] / r["person_years"]}))
"""


def run_child(tree: Path, people: int, worlds: int, threads: int, repeats: int) -> dict:
    env = dict(os.environ, PYTHONPATH=str(tree))
    proc = subprocess.run([sys.executable, "-c", CHILD, str(people), str(worlds), str(threads), str(repeats)],
                          cwd=tree, env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child in {tree} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="commit to compare against (e.g. 30c1950)")
    parser.add_argument("--people", type=int, nargs="+", default=[50_000, 450_000])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--worlds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mcsim-base-") as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "worktree", "add", "--detach", str(base), args.base], cwd=REPO, check=True,
                       capture_output=True)
        try:
            rows = compare(base, args)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(base)], cwd=REPO, capture_output=True)
    print(f"{'people':>8} {'threads':>7} {'new p-y/s':>12} {'base p-y/s':>12} {'new/base':>9} "
          f"{'limit new':>9} {'limit base':>10}")
    for r in rows:
        print(f"{r['people']:>8} {r['threads']:>7} {r['new']['pys']:>12,.0f} {r['base']['pys']:>12,.0f} "
              f"{r['ratio']:>9.3f} {r['new']['limit_ratio']:>9.3f} {r['base']['limit_ratio']:>10.3f}")
    if args.out:
        args.out.write_text(json.dumps({"base": args.base, "rows": rows}, indent=2) + "\n")


def compare(base: Path, args) -> list[dict]:
    for tree in (REPO, base):  # compile both trees' kernels into their caches before timing
        run_child(tree, 2000, 2, 1, 1)
    rows = []
    for people in args.people:
        for threads in args.threads:
            runs: dict[str, list[dict]] = {"new": [], "base": []}
            for k in range(args.rounds):
                order = (("new", REPO), ("base", base)) if k % 2 == 0 else (("base", base), ("new", REPO))
                for name, tree in order:
                    runs[name].append(run_child(tree, people, args.worlds, threads, args.repeats))
            summary = {name: {key: statistics.median(r[key] for r in rs) for key in rs[0]}
                       for name, rs in runs.items()}
            rows.append({"people": people, "threads": threads, **summary,
                         "ratio": summary["new"]["pys"] / summary["base"]["pys"]})
            print(json.dumps(rows[-1]), file=sys.stderr)
    return rows


if __name__ == "__main__":
    main()
