"""Region against its counties run alone: person-years per second, measured side by side.

    python -m benchmarks.region_scale                       # 3 counties × 30,000 × 8 worlds × 2 years
    python -m benchmarks.region_scale --counties 10 --people 300000 --worlds 200 --years 5

Builds a region of ``--counties`` copies of the reference county (each its own name, so its own
noise), warms the kernels, then alternates (``--repeats`` times) a region run and the same
counties run one by one as single-county scenarios with the same worlds and seed, and prints
each side's best time, person-years per second and the ratios (``region``: ``mcsim run``'s
path, chunks and result frames included; ``engine``: the coupled engine in one call) (target: the region within 1.2× of
its counties). With ``--dask`` it also times the region on a dask LocalCluster.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def region_text(counties: int, people: int, worlds: int, years: int, chunk: int = 25) -> str:
    text = (f'[region]\nname = "bench"\nstart_year = 2026\nyears = {years}\nreplications = {worlds}\n'
            f'seed = 1\nchunk_worlds = {chunk}\n\n[region.pool]\nmethod = "drg"\n\n')
    for i in range(counties):
        text += (f'[[region.county]]\nname = "c{i:02d}"\nscenario = "{REPO / "scenarios" / "reference.toml"}"\n'
                 f'overrides = {{ "population.size" = {people}, "population.villages" = {max(10, people // 2000)}, '
                 f'"population.townships" = {max(2, people // 30000)} }}\n\n')
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=3)
    parser.add_argument("--people", type=int, default=30_000)
    parser.add_argument("--worlds", type=int, default=8)
    parser.add_argument("--years", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=25, help="region.chunk_worlds (default 25, the region default)")
    parser.add_argument("--dask", action="store_true", help="also time the region on a dask LocalCluster")
    args = parser.parse_args()

    from simulator.engine import run_worlds
    from simulator.region.engine import prepare_region
    from simulator.region.run import run_region
    from simulator.region.spec import load_region

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "region.toml"
        path.write_text(region_text(args.counties, args.people, args.worlds, args.years, args.chunk), encoding="utf-8")
        region = load_region(path)
        prepared = prepare_region(region)
        worlds = range(args.worlds)
        person_years = sum(c.scenario.population.size for c in region.counties) * args.worlds * (args.years + 1)

        def alone() -> None:
            for c in prepared.counties:
                run_worlds(c.model, worlds=worlds, seed=c.seed)

        def together() -> None:  # chunks and the result frames included
            run_region(region)

        def engine() -> None:  # the coupled engine over all worlds in one call
            from simulator.region.engine import run_region_worlds

            run_region_worlds(prepared, worlds=worlds)

        run_worlds(prepared.counties[0].model, worlds=range(1), seed=0)  # compile / load the kernels
        best = {"region": float("inf"), "engine": float("inf"), "counties": float("inf")}
        for _ in range(args.repeats):
            for name, fn in (("region", together), ("engine", engine), ("counties", alone)):
                started = time.perf_counter()
                fn()
                best[name] = min(best[name], time.perf_counter() - started)
        print(f"{args.counties} counties × {args.people:,} people × {args.worlds} worlds × "
              f"{args.years + 1} years (base year included), chunks of {args.chunk} worlds: "
              f"{person_years:,} person-years")
        for name, seconds in best.items():
            print(f"  {name:9s} {seconds:8.2f} s  {person_years / seconds / 1e6:7.2f} M person-years/s")
        print(f"  region / counties time ratio: {best['region'] / best['counties']:.3f} (target <= 1.2); "
              f"engine alone {best['engine'] / best['counties']:.3f}")
        if args.dask:
            started = time.perf_counter()
            run_region(region, executor="dask")
            seconds = time.perf_counter() - started
            print(f"  dask LocalCluster {seconds:8.2f} s  {person_years / seconds / 1e6:7.2f} M person-years/s "
                  f"(ratio to in-process region {seconds / best['region']:.3f}, workers' start included)")


if __name__ == "__main__":
    main()
