"""mcsim benchmark suite: one entry point, a table on stdout, a JSON file under benchmarks/results/.

    python benchmarks/run.py [--quick | --full] [--compare BASELINE.json] [--threshold 0.10] [--out FILE]
    python -m benchmarks ...            (the same)

Sections (README.md explains every figure): throughput and limit ratio at 50k and 450k people
with 1 thread and all threads; the numpy reference (speed and peak memory); scaling with
persons, worlds, years and memory with worlds; settlement rows/s; ``mcsim --help`` and cold/warm
start. ``--full`` adds the issue's reference run (200 worlds × 5 years, 450k people).
``--compare`` prints each figure's ratio to a baseline file and exits 1 when a throughput figure
fell by more than ``--threshold``. Not tests: nothing here asserts a timing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import RESULTS, machine

#: sizes per mode: (people, worlds, years, repeats)
SIZES = {
    "quick": {"draw_people": 4000, "small": (50_000, 8, 1, 3), "large": (450_000, 2, 1, 2),
              "numpy": (100_000, 8, 1), "scale_people": [25_000, 50_000, 100_000], "scale_worlds": [4, 8, 16],
              "scale_years": [1, 2, 4], "scale_base": {"people": 25_000, "worlds": 4, "years": 1},
              "scale_repeats": 2, "rss_people": 1000, "settle_rows": 200_000, "help_repeats": 3, "warm_starts": 1},
    "default": {"draw_people": 12_000, "small": (50_000, 16, 1, 5), "large": (450_000, 8, 1, 3),
                "numpy": (450_000, 32, 1), "scale_people": [50_000, 100_000, 200_000, 400_000],
                "scale_worlds": [4, 8, 16, 32], "scale_years": [1, 2, 4, 8],
                "scale_base": {"people": 50_000, "worlds": 4, "years": 1}, "scale_repeats": 3,
                "rss_people": 2000, "settle_rows": 1_000_000, "help_repeats": 5, "warm_starts": 3},
}


def figure(value: float, unit: str, *, low=None, high=None, target: str = "", ok: bool | None = None,
           kind: str = "info", higher_is_better: bool = True) -> dict[str, Any]:
    return {"value": value, "min": low if low is not None else value, "max": high if high is not None else value,
            "unit": unit, "target": target, "ok": ok, "kind": kind, "higher_is_better": higher_is_better}


def run_suite(mode: str, full: bool, log) -> dict[str, Any]:
    import numba

    from benchmarks import scaling, startup
    from benchmarks.bench_settlement import settlement_rates
    from benchmarks.draws import count_draws
    from benchmarks.throughput import throughput
    from benchmarks.common import child

    z = SIZES[mode]
    all_threads = numba.config.NUMBA_NUM_THREADS
    thread_set = sorted({1, all_threads})
    raw: dict[str, Any] = {}
    figs: dict[str, dict[str, Any]] = {}
    t_suite = time.perf_counter()

    log(f"counting draws (plain-Python instrumented run, {z['draw_people']:,} people) ...")
    draws = count_draws(z["draw_people"], 1, 1)
    raw["draws"] = {k: v for k, v in draws.items() if k != "params"}

    raw["throughput"] = []
    for label in ("small", "large"):
        people, worlds, years, repeats = z[label]
        for th in thread_set:
            log(f"throughput {people:,} people x {worlds} worlds x {years}+1 years, {th} thread(s) ...")
            r = throughput(people, worlds, years, th, repeats, draws)
            raw["throughput"].append(r)
            key = f"{people // 1000}k_{th}t"
            figs[f"throughput.episodes_per_s.{key}"] = figure(
                r["episodes_per_second"]["median"], "episodes/s", low=r["episodes_per_second"]["min"],
                high=r["episodes_per_second"]["max"], kind="throughput")
            figs[f"throughput.person_years_per_s.{key}"] = figure(
                r["person_years_per_second"]["median"], "person-years/s", low=r["person_years_per_second"]["min"],
                high=r["person_years_per_second"]["max"], kind="throughput")
            figs[f"throughput.kernel_person_years_per_s.{key}"] = figure(
                r["kernel_person_years_per_second"]["median"], "person-years/s",
                low=r["kernel_person_years_per_second"]["min"], high=r["kernel_person_years_per_second"]["max"])
            figs[f"throughput.engine_overhead_share.{key}"] = figure(r["engine_overhead_share"], "share",
                                                                     higher_is_better=False)
            figs[f"throughput.warmup_s.{key}"] = figure(r["warmup_seconds"], "s", higher_is_better=False)
            ok = r["limit_ratio"] >= 0.30 if th == all_threads else None
            figs[f"limit_ratio.{key}"] = figure(r["limit_ratio"], "ratio", target=">= 0.30 (all threads)", ok=ok,
                                                kind="ratio")
            figs[f"limit_ratio.draws_per_s.model.{key}"] = figure(r["model_draws_per_second"]["median"], "draws/s")
            figs[f"limit_ratio.draws_per_s.limit.{key}"] = figure(r["limit_draws_per_second"]["median"], "draws/s")

    people, worlds, years = z["numpy"]
    log(f"numpy reference vs mcsim: {people:,} people x {worlds} worlds x {years}+1 years (child processes) ...")
    np_run = child(["benchmarks.numpy_reference", "numpy", str(people), str(worlds), str(years)], timeout=1800)
    mc_runs = {th: child(["benchmarks.numpy_reference", "mcsim", str(people), str(worlds), str(years),
                          "--threads", str(th)]) for th in thread_set}
    raw["numpy_reference"] = {"numpy": np_run, "mcsim": mc_runs}
    for th, mc in mc_runs.items():
        speed = np_run["seconds"]["median"] / mc["seconds"]["median"]
        figs[f"numpy.speed_ratio.{th}t"] = figure(
            speed, "x faster", target=">= 5 (all threads)", ok=speed >= 5 if th == all_threads else None,
            kind="ratio")
    mem = mc_runs[all_threads]["peak_rss_mib"] / np_run["peak_rss_mib"]
    figs["numpy.memory_ratio"] = figure(mem, "mcsim/numpy peak RSS", target="<= 0.10", ok=mem <= 0.10,
                                        kind="ratio", higher_is_better=False)
    figs["numpy.peak_rss_mib.numpy"] = figure(np_run["peak_rss_mib"], "MiB", higher_is_better=False)
    figs["numpy.peak_rss_mib.mcsim"] = figure(mc_runs[all_threads]["peak_rss_mib"], "MiB", higher_is_better=False)

    raw["scaling"] = {}
    for axis in ("people", "worlds", "years"):
        log(f"scaling with {axis} ...")
        r = scaling.time_axis(axis, z[f"scale_{axis}"], z["scale_base"], all_threads, z["scale_repeats"])
        raw["scaling"][axis] = r
        figs[f"scaling.slope.{axis}"] = figure(r["slope"], "log-log slope", target="0.9-1.1",
                                               ok=0.9 <= r["slope"] <= 1.1, kind="ratio")
    log("peak memory with 100 vs 1,000 worlds (child processes) ...")
    rss = scaling.rss_vs_worlds(z["rss_people"], 1)
    raw["scaling"]["rss_vs_worlds"] = rss
    figs["scaling.rss_ratio_1000_vs_100_worlds"] = figure(rss["ratio"], "ratio", target="<= 1.2",
                                                          ok=rss["ratio"] <= 1.2, kind="ratio",
                                                          higher_is_better=False)

    log("settlement rows/s (bench_settlement.py) ...")
    settle = settlement_rates(z["settle_rows"], 5)
    raw["settlement"] = settle
    rates = settle["rows_per_second_spread"]
    figs["settlement.rows_per_s"] = figure(rates["median"], "rows/s", kind="throughput",
                                           low=rates["min"], high=rates["max"])

    log("mcsim --help and cold/warm start (child processes; cold compiles every kernel) ...")
    h = startup.help_time(z["help_repeats"])
    raw["help"] = h
    figs["startup.help_s"] = figure(h["seconds"]["median"], "s", low=h["seconds"]["min"], high=h["seconds"]["max"],
                                    target="< 0.5", ok=h["seconds"]["median"] < 0.5, higher_is_better=False)
    st = startup.start_times(z["warm_starts"])
    raw["start"] = st
    w = st["warm_to_first_worlds_done"]
    figs["startup.warm_to_first_world_s"] = figure(w["median"], "s", low=w["min"], high=w["max"], target="< 3",
                                                   ok=w["median"] < 3.0, higher_is_better=False)
    figs["startup.cold_to_first_world_s"] = figure(st["cold_to_first_worlds_done"], "s", higher_is_better=False)
    figs["startup.jit_compile_s"] = figure(st["jit_compile_seconds"], "s", higher_is_better=False)

    if full:
        from benchmarks.reference_run import reference_run

        log("reference run: 200 worlds x 5 years, 450k people ...")
        rr = reference_run()
        raw["reference_run"] = rr
        figs["reference_run.seconds"] = figure(rr["seconds"], "s", target="< 120", ok=rr["seconds"] < 120,
                                               higher_is_better=False)
        figs["reference_run.episodes_per_s"] = figure(rr["episodes_per_second"], "episodes/s", kind="throughput")
    raw["suite_seconds"] = time.perf_counter() - t_suite
    return {"figures": figs, "raw": raw}


def _fmt(x: float) -> str:
    if x is None:
        return "-"
    a = abs(x)
    if a >= 1e6:
        return f"{x / 1e6:.2f}M"
    if a >= 1e4:
        return f"{x / 1e3:.1f}k"
    if a >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}"


def print_table(figs: dict[str, dict[str, Any]], baseline: dict[str, Any] | None = None) -> None:
    head = f"{'figure':52s} {'min':>9s} {'median':>9s} {'max':>9s}  {'unit':22s} {'target':22s} ok"
    if baseline is not None:
        head += "    vs base"
    print(head)
    print("-" * len(head))
    for name, f in figs.items():
        ok = {True: "yes", False: "NO", None: ""}[f["ok"]]
        line = (f"{name:52s} {_fmt(f['min']):>9s} {_fmt(f['value']):>9s} {_fmt(f['max']):>9s}  "
                f"{f['unit'][:22]:22s} {f['target'][:22]:22s} {ok:3s}")
        if baseline is not None and name in baseline and baseline[name]["value"]:
            line += f"  {f['value'] / baseline[name]['value']:8.3f}"
        print(line)


def regressions(figs: dict[str, Any], base: dict[str, Any], threshold: float) -> list[str]:
    """Throughput figures that fell by more than ``threshold`` against the baseline."""
    bad = []
    for name, f in figs.items():
        b = base.get(name)
        if f["kind"] != "throughput" or b is None or not b["value"]:
            continue
        ratio = f["value"] / b["value"]
        if (ratio < 1.0 - threshold) if f["higher_is_better"] else (ratio > 1.0 + threshold):
            bad.append(f"{name}: {ratio:.3f} x baseline")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="mcsim benchmark suite (see benchmarks/README.md)")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="small sizes (about 2-3 minutes)")
    mode.add_argument("--full", action="store_true", help="default suite plus the 200-world reference run")
    parser.add_argument("--compare", metavar="BASELINE.json", help="print ratios to this result file; "
                        "exit 1 when a throughput figure regressed beyond --threshold")
    parser.add_argument("--threshold", type=float, default=0.10, help="allowed throughput loss (default 0.10)")
    parser.add_argument("--out", metavar="FILE", help="result file (default benchmarks/results/bench-<date>-<commit>.json)")
    args = parser.parse_args(argv)

    baseline = None
    if args.compare:
        baseline = json.loads(Path(args.compare).read_text())["figures"]
    info = machine()
    log = lambda msg: print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)  # noqa: E731
    mode = "quick" if args.quick else "default"
    log(f"mcsim benchmarks ({mode}{' + reference run' if args.full else ''}) on {info['cpu']}, "
        f"{info['cores']} cores, commit {info['git_commit']}{' (dirty)' if info['git_dirty'] else ''}")
    suite = run_suite(mode, args.full, log)
    import os

    info["load_average_at_end"] = list(os.getloadavg())
    result = {"mode": mode + ("+reference" if args.full else ""), "machine": info, **suite}
    out = Path(args.out) if args.out else RESULTS / f"bench-{time.strftime('%Y%m%d-%H%M%S')}-{info['git_commit']}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(result, indent=2) + "\n"
    out.write_text(text)
    (RESULTS / "latest.json").parent.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(text)
    print(f"\nmcsim benchmarks — {info['cpu']}, {info['cores']} cores, numba {info['numba']}, numpy {info['numpy']}, "
          f"python {info['python']}, commit {info['git_commit']}, {info['date']}, "
          f"suite {suite['raw']['suite_seconds']:.0f} s")
    print_table(suite["figures"], baseline)
    print(f"\n-> {out}")
    if baseline is not None:
        bad = regressions(suite["figures"], baseline, args.threshold)
        if bad:
            print(f"\nthroughput regressions beyond {args.threshold:.0%}:\n  " + "\n  ".join(bad))
            return 1
        print(f"\nno throughput regression beyond {args.threshold:.0%} against {args.compare}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
