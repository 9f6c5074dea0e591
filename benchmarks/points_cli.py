"""Benchmark: the year-end points calculation (``mcsim points``) of 1,000,000 cases.

Run: ``python benchmarks/points_cli.py [--cases N] [--repeats R] [--seed S]``. A synthetic case
list (seeded: 800 groups, lognormal costs, tiers township/subcenter/county, 15-45 % patient
share) is valued under two rule sets — DRG (group-mean basis, tiered high ratios,
standard_plus_excess and scaled_points, special review 5 %, a point-value band) and DIP (the
defaults with the point value calibrated to the list: scores derived from the list, standard
basis, adjusted points, special review 0.5 %) — by mcsim
(:func:`simulator.payment.caselist.calculate`, JIT warmed up first, excluded) and by a
plain pandas implementation of the same rules (:func:`pandas_points`: groupby / np.where),
side by side. Both start from the same parsed columns (group and tier as integer codes); they
must agree on the total payment within 1e-9 relative. Then reading + calculating from the CSV
and parquet files (mcsim ``read_cases`` against ``pd.read_csv`` / ``pd.read_parquet`` with string
groups), and the whole CLI as a fresh process (imports and the JIT cache load included).
The JSON goes to ``benchmarks/results/points_cli.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import REPO, RESULTS, machine, repeat, spread

TIERS = ("township", "subcenter", "county")
DRG_TOML = """[payment.drg]
mode = "floating"
point_value = 60.0
tier_coefficient = [0.0, 0.7, 0.85, 1.0, 1.3, 1.4]
base_groups_uniform = false
high_ratio = 3.0
low_ratio = 0.4
high_ratio_by_points = [{upto = 80.0, ratio = 3.0}, {upto = inf, ratio = 2.5}]
high_outlier_pay = "standard_plus_excess"
low_outlier_pay = "scaled_points"
review_ratio = 5.0
special_review = {quota = 0.05}
point_value_band = [0.85, 1.15]
"""
# DIP point value: the list's mean cost ÷ score_scale (1000), so that a case of the mean score and
# coefficient 1 has a standard of about its cost (how a region calibrates 病种分值 and point value)
DIP_TOML = """[payment.dip]
tier_coefficient = [0.0, 0.7, 0.85, 1.0, 1.3, 1.4]
point_value = {point_value:.2f}
"""


def synthetic_cases(n: int, seed: int):
    """A seeded case list (pandas DataFrame): case_id, group, cost, oop (yuan), weight, tier."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    n_groups = 800
    weight = np.round(rng.lognormal(0.0, 0.6, n_groups), 4)
    group = rng.integers(0, n_groups, n)
    tier = rng.integers(1, 4, n)
    level = np.array([0.0, 0.7, 0.85, 1.0])[tier]
    cost = np.round(6000.0 * weight[group] * level * rng.lognormal(-0.1, 0.55, n), 2)
    oop = np.round(cost * rng.uniform(0.15, 0.45, n), 2)
    names = np.array([f"G{g:04d}" for g in range(n_groups)], dtype=object)
    return pd.DataFrame({"case_id": np.arange(1, n + 1), "group": names[group], "cost": cost, "oop": oop,
                         "weight": weight[group], "tier": np.array(TIERS, dtype=object)[tier - 1]})


def pandas_points(df, method: str, p: Any, pool: float, budget_pv: float) -> tuple[float, float]:
    """The same rules in plain pandas: (settlement point value, total fund payment), yuan.

    ``df`` has cost, oop, weight (DRG), group and tier_code columns (module docstring of
    :mod:`simulator.payment.cases` for the rules).
    """
    import numpy as np

    cost, oop = df["cost"].to_numpy(), df["oop"].to_numpy()
    fund = cost - oop
    if method == "drg":
        base = 100.0 * df["weight"].to_numpy()
    else:
        base = df.groupby("group")["cost"].transform("mean").to_numpy() / cost.mean() * p.score_scale
    pts = base * np.asarray(p.tier_coefficient)[df["tier_code"].to_numpy()]
    std = pts * budget_pv
    if p.outlier_basis == "group_mean":
        ref = df.groupby(["group", "tier_code"])["cost"].transform("mean").to_numpy()
    else:
        ref = std
    h = np.full(len(df), p.high_ratio)
    for band in reversed(p.high_ratio_by_points or []):  # the first band that covers wins
        h = np.where(base <= band.upto, band.ratio, h)
    review_ratio = p.review_ratio if p.review_ratio is not None else math.inf
    with np.errstate(divide="ignore", invalid="ignore"):
        high = (ref > 0) & (cost > h * ref)
        low = ~high & (cost < p.low_ratio * ref)
        zero = ~high & ~low & (oop > std)
        ratio = cost / ref
    pay = {"cost_share": (0.0, 0.0, fund), "standard": (0.0, 0.0, np.maximum(0.0, std - oop)),
           "standard_plus_excess": (0.0, 0.0, np.maximum(0.0, std + p.excess_share * (cost - h * ref) - oop)),
           "adjusted_points": _priced(pts * (ratio - h + 1.0), oop, budget_pv)}[p.high_outlier_pay]
    low_pay = {"cost_share": (0.0, 0.0, fund),
               "scaled_points": _priced(pts * ratio, oop, budget_pv)}[p.low_outlier_pay]
    points, booked_oop, yuan = (np.select([high, low, zero], [a, b, 0.0], default)
                                for a, b, default in zip(pay, low_pay, (pts, oop, 0.0)))
    if p.review_quota is not None:
        candidates = df.loc[high & (cost > review_ratio * ref), "cost"]
        k = min(len(candidates), int(math.floor(p.review_quota * len(df) + 1e-9)))
        chosen = df.index.get_indexer(candidates.nlargest(k, keep="first").index)
        points[chosen], booked_oop[chosen], yuan[chosen] = 0.0, 0.0, fund[chosen]
    total_points, total_oop, total_yuan = points.sum(), booked_oop.sum(), yuan.sum()
    v = (pool - total_yuan + total_oop) / total_points if total_points > 0 else budget_pv
    if p.point_value_band is not None:
        v = min(max(v, p.point_value_band[0] * budget_pv), p.point_value_band[1] * budget_pv)
    v = max(v, p.point_value_floor)
    return v, total_yuan + np.maximum(points * v - booked_oop, 0.0).sum()  # a case is paid at least 0


def _priced(points, oop, budget_pv):
    """(points, oop, yuan) of cases paid by points: nothing where oop exceeds points × budget_pv."""
    import numpy as np

    paid = oop <= points * budget_pv
    return np.where(paid, points, 0.0), np.where(paid, oop, 0.0), 0.0


def _case_list(df):
    """The mcsim case list of the DataFrame (group and tier as the codes the reader makes)."""
    import numpy as np

    from simulator.payment.caselist import CaseList

    return CaseList("synthetic", df["group_code"].to_numpy(np.int64), df["cost"].to_numpy(), df["oop"].to_numpy(),
                    df["weight"].to_numpy(), None, df["tier_code"].to_numpy(np.int64), {})


def _side_by_side(df, method: str, params: Any, pool: float, repeats: int) -> dict[str, Any]:
    from simulator.payment.caselist import calculate

    cases = _case_list(df)
    warm, mc_times, mine = repeat(lambda: calculate(cases, method, params, pool=pool), repeats)
    _, pd_times, (pd_value, pd_paid) = repeat(
        lambda: pandas_points(df, method, params, pool, params.point_value), repeats)
    agree = abs(mine.total_payment - pd_paid) <= 1e-9 * abs(pd_paid)
    mc, pdt = spread(mc_times), spread(pd_times)
    return {"mcsim_seconds": mc, "pandas_seconds": pdt, "warmup_seconds": warm,
            "speed_ratio": pdt["median"] / mc["median"], "speed_ratio_of_minima": pdt["min"] / mc["min"],
            "agree": bool(agree),
            "point_value": {"mcsim": mine.point_value, "pandas": pd_value},
            "total_payment": {"mcsim": mine.total_payment, "pandas": pd_paid}, "summary": mine.summary()}


def _end_to_end(files: dict[str, Path], rules: Path, pool: float, repeats: int) -> dict[str, Any]:
    """Read + calculate from each file: mcsim against pandas (string groups, tier names mapped)."""
    import pandas as pd

    from simulator.payment.caselist import calculate, load_rules, read_cases

    method, params = load_rules(rules)
    codes = {name: i for i, name in enumerate(("village", *TIERS))}
    out = {}
    for kind, path in files.items():
        read = pd.read_csv if kind == "csv" else pd.read_parquet

        def by_pandas():
            df = read(path)
            df["tier_code"] = df["tier"].map(codes)
            return pandas_points(df, method, params, pool, params.point_value)

        _, mc, _ = repeat(lambda: calculate(read_cases(path, method), method, params, pool=pool), repeats)
        _, pdt, _ = repeat(by_pandas, repeats)
        out[kind] = {"mcsim_seconds": spread(mc), "pandas_seconds": spread(pdt),
                     "speed_ratio": spread(pdt)["median"] / spread(mc)["median"]}
    return out


def _cli(files: dict[str, Path], rules: Path, pool: float, folder: Path) -> dict[str, Any]:
    """Wall time of ``mcsim points`` as a fresh process (JSON to stdout; and with ``--out``)."""
    out = {}
    for kind, path in files.items():
        for label, extra in (("json", []), ("out_parquet", ["--out", str(folder / "booked.parquet")]),
                             ("out_csv", ["--out", str(folder / "booked.csv")])):
            argv = [sys.executable, "-m", "simulator", "points", str(path), "--rules", str(rules),
                    "--pool", repr(pool), "--json", *extra]
            times = []
            for _ in range(2):
                t = time.perf_counter()
                subprocess.run(argv, cwd=REPO, check=True, capture_output=True)
                times.append(time.perf_counter() - t)
            out[f"{kind}.{label}"] = spread(times)
    return out


def points_benchmark(n: int, repeats: int, seed: int) -> dict[str, Any]:
    """Every figure of this benchmark (module docstring)."""
    import numpy as np

    from simulator.payment.caselist import load_rules

    df = synthetic_cases(n, seed)
    with tempfile.TemporaryDirectory(prefix="mcsim-points-") as tmp:
        folder = Path(tmp)
        files = {"csv": folder / "cases.csv", "parquet": folder / "cases.parquet"}
        df.to_csv(files["csv"], index=False)
        df.to_parquet(files["parquet"], index=False)
        rules = {"drg": folder / "drg.toml", "dip": folder / "dip.toml"}
        rules["drg"].write_text(DRG_TOML, encoding="utf-8")
        rules["dip"].write_text(DIP_TOML.format(point_value=df["cost"].mean() / 1000.0), encoding="utf-8")
        df["group_code"] = np.unique(df["group"].to_numpy(), return_inverse=True)[1]
        df["tier_code"] = df["tier"].map({name: i + 1 for i, name in enumerate(TIERS)})
        fund = float((df["cost"] - df["oop"]).sum())
        result: dict[str, Any] = {"benchmark": "points_cli", "cases": n, "repeats": repeats, "seed": seed,
                                  "pool": 0.9 * fund}
        coded = df[["cost", "oop", "weight", "tier_code", "group_code"]].assign(group=df["group_code"])
        for method in ("drg", "dip"):
            _, params = load_rules(rules[method])
            result[method] = _side_by_side(coded, method, params, 0.9 * fund, repeats)
        result["read_and_calculate_drg"] = _end_to_end(files, rules["drg"], 0.9 * fund, max(1, repeats // 2))
        result["cli_seconds_drg"] = _cli(files, rules["drg"], 0.9 * fund, folder)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261125)
    args = parser.parse_args()
    result = points_benchmark(args.cases, args.repeats, args.seed)
    result.update(machine=machine(), date=time.strftime("%Y-%m-%d"))
    out = RESULTS / "points_cli.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"mcsim points: {args.cases:,} cases, {args.repeats} repeats (medians; JIT warm-up excluded)")
    for method in ("drg", "dip"):
        r = result[method]
        mc, pdt = r["mcsim_seconds"], r["pandas_seconds"]
        print(f"  {method}: mcsim {mc['median']:.4f} s (min {mc['min']:.4f})  pandas {pdt['median']:.4f} s "
              f"(min {pdt['min']:.4f})  ratio {r['speed_ratio']:.1f}x, of minima {r['speed_ratio_of_minima']:.1f}x "
              f"(target >= 5)  agree {r['agree']}  point value {r['point_value']['mcsim']:.6f}  "
              f"payment {r['total_payment']['mcsim']:,.2f}")
    for kind, r in result["read_and_calculate_drg"].items():
        print(f"  read + calculate drg from {kind}: mcsim {r['mcsim_seconds']['median']:.3f} s"
              f"  pandas {r['pandas_seconds']['median']:.3f} s  ratio {r['speed_ratio']:.1f}x")
    for name, s in result["cli_seconds_drg"].items():
        print(f"  CLI {name}: {s['median']:.2f} s (min {s['min']:.2f}, max {s['max']:.2f})")
    print(f"  -> {out}")


if __name__ == "__main__":
    main()
