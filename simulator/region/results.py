"""Results of a region run: the region's totals as a :class:`~simulator.results.Results`, each
county's own, the city hospitals' accounts and the pool.

Files (docs/region.md; the columns of docs/outputs.md with a ``county`` column in front):

* ``worlds.parquet``: one row per county × world × year, then the region's rows (``county =
  "(region)"``): money and counts summed over the counties, shares recomputed from the sums
  (县域内就诊率 of the region = Σ in-county episodes / Σ episodes), the assessment score and
  g(q) weighted by budget, the pooled method's point value, pool and deficit the pool's own;
* ``flows.parquet``, ``referrals.parquet``: the counties' rows (the region's are their sums);
* ``hospitals.parquet``: per world × year × city hospital × county, the county's
  ``outside_agreement`` care split over its hospitals by their shares (episodes, cost, OOP,
  fund payment, margin = payment + OOP − cost);
* ``summary.json``: the region's ``indicators`` and ``risk`` (the contract keys hold the totals),
  ``counties: {name: {indicators, risk}}`` and ``region: {name, counties, hospitals, pool}``;
* ``scenario.resolved.toml`` (the first county's scenario named after the region: what
  :meth:`Results.load` reads), ``counties/<name>.resolved.toml`` and ``region.json``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.atomic import building_dir, replace_dir
from simulator.engine import FLOW_FIELDS, RunOutput
from simulator.flow_indicators import ratio
from simulator.indicators import BY_KEY, KEYS
from simulator.outputs import extra_world_columns
from simulator.region.engine import POOL_FIELDS, RegionOutput
from simulator.region.spec import REGION_ROW
from simulator.results import Results, from_run

#: worlds' columns whose region value is a weighted mean over counties (column -> weight column)
_WEIGHTED = {"assessment_score": "budget", "score_factor": "budget"}
#: region shares recomputed from sums: indicator -> (numerator, denominator) built per county
_SHARE_UNITS = ("share", "share of budget", "points", "yuan per point")


@dataclass
class RegionResults(Results):
    """A region run's results: this object's frames are the region's totals (``county`` =
    "(region)" rows); ``counties`` holds each county's :class:`Results`."""

    counties: dict[str, Results] = field(default_factory=dict)
    hospitals: pd.DataFrame | None = None
    region_info: dict[str, Any] = field(default_factory=dict)

    def county_frame(self, frame: str = "worlds") -> pd.DataFrame:
        """The counties' ``worlds``, ``flows`` or ``referrals`` in one frame, ``county`` first
        (for ``worlds``, the region's rows last)."""
        parts = [_with_county(getattr(r, frame), name) for name, r in self.counties.items()]
        if frame == "worlds":
            parts.append(_with_county(self.worlds, REGION_ROW))
        out = pd.concat(parts, ignore_index=True)
        out["county"] = pd.Categorical(out["county"], categories=[*self.counties, REGION_ROW][:len(parts)]
                                       if frame == "worlds" else list(self.counties))
        return out

    def summary_dict(self) -> dict[str, Any]:
        """summary.json: the region's totals under the contract keys, each county's beside them."""
        doc = super().summary_dict()
        doc["counties"] = {name: r.indicators_and_risk() for name, r in self.counties.items()}
        doc["region"] = self.region_info
        return doc

    def write(self, out_dir: str | Path, *, figures: bool | None = None, report: bool | None = None,
              lang: str | None = None) -> Path:
        from simulator.scenario import dump_scenario

        out = Path(out_dir)
        with building_dir(out) as tmp:
            (tmp / "summary.json").write_text(json.dumps(self.summary_dict(), indent=2, ensure_ascii=False)
                                              + "\n", encoding="utf-8")
            for frame in ("worlds", "flows", "referrals"):
                self.county_frame(frame).to_parquet(tmp / f"{frame}.parquet", index=False)
            if self.hospitals is not None:
                self.hospitals.to_parquet(tmp / "hospitals.parquet", index=False)
            dump_scenario(self.scenario, tmp / "scenario.resolved.toml")
            (tmp / "counties").mkdir()
            for i, (name, r) in enumerate(self.counties.items()):
                dump_scenario(r.scenario, tmp / "counties" / f"{i:02d}.resolved.toml")
            (tmp / "region.json").write_text(json.dumps(self.region_info, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
            self._write_extras(tmp, figures, report, lang)
            replace_dir(tmp, out)
        return out


def _with_county(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    out = frame.copy()
    out.insert(0, "county", name)
    return out


def region_results(prepared: Any, out: RegionOutput) -> RegionResults:
    """Build the region's results from the engine's output."""
    from simulator.scenario import scenario_hash

    region = prepared.region
    counties = {}
    for c in prepared.counties:
        counties[c.name] = from_run(c.model.scenario, scenario_hash(c.model.scenario), out.counties[c.name],
                                    c.model)
    total = region_output(prepared, out)
    first = prepared.counties[0].model.scenario
    size = sum(int(c.model.scenario.population.size) for c in prepared.counties)
    scenario = first.model_copy(update={  # the region's totals, as the report's settings show them
        "scenario": first.scenario.model_copy(update={"name": region.name,
                                                      "description": region.meta.description or first.scenario.description}),
        "population": first.population.model_copy(update={"size": size})})
    base = from_run(scenario, region.fingerprint()[:16], total, None)
    info = {"name": region.name, "file": str(region.file) if region.file else None,
            "fingerprint": region.fingerprint(),
            "counties": [{"name": c.name, "community": c.community, "hash": scenario_hash(c.model.scenario),
                          "population": int(c.model.scenario.population.size)} for c in prepared.counties],
            "hospitals": [{"name": h.name, "shares": dict(h.shares)} for h in region.hospitals],
            "pool": {**region.meta.pool.model_dump(mode="json"), "epidemic_correlation":
                     region.meta.shocks.epidemic_correlation}}
    runtime = dict(base.runtime)
    episodes = sum(o.episodes for o in out.counties.values())
    runtime.update(seconds=out.seconds, episodes=int(episodes), threads=out.threads,
                   episodes_per_second=episodes / out.seconds if out.seconds > 0 else 0.0)
    return RegionResults(scenario=scenario, scenario_hash=base.scenario_hash, seed=out.seed, worlds=base.worlds,
                         flows=base.flows, referrals=base.referrals, runtime=runtime, model=None,
                         counties=counties, hospitals=hospital_frame(prepared, out), region_info=info)


def region_output(prepared: Any, out: RegionOutput) -> RunOutput:
    """The region's totals as one :class:`RunOutput` (see the module docstring for each rule)."""
    outs = [out.counties[c.name] for c in prepared.counties]
    first = outs[0]
    flows = sum(o.flows for o in outs)
    referrals = sum(o.referrals for o in outs)
    ind = {k: np.asarray(v) for k, v in _region_indicators(prepared, outs, out.pool).items()}
    region_keys = {p.key for p in prepared.region.meta.uncertainty.param}
    params = {k: v for k, v in first.params.items() if k in region_keys}
    base = {k: sum(o.base_year[k] for o in outs) for k in ("total_cost", "budget", "fund_spending")
            if all(k in o.base_year for o in outs)}
    return RunOutput(seed=out.seed, worlds=out.worlds, years=first.years, indicators=ind, flows=flows,
                     referrals=referrals, shocks=np.any([o.shocks for o in outs], axis=0), base_year=base,
                     episodes=sum(o.episodes for o in outs), seconds=out.seconds, threads=out.threads,
                     params=params)


def _region_indicators(prepared: Any, outs: list[RunOutput], pool: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    code = prepared.code
    summed = {k: sum(o.indicators[k] for o in outs) for k in outs[0].indicators}
    flows = sum(o.flows for o in outs)           # [world, year, tier, service, scheme, field]
    q = {name: k for k, name in enumerate(FLOW_FIELDS)}
    cell = flows.sum(axis=4)                      # [world, year, tier, service]
    episodes = cell[..., q["episodes"]]
    visits = episodes[..., [0, 2]].sum(axis=-1)   # outpatient + chronic, [world, year, tier]
    admits = episodes[..., [1, 3]].sum(axis=-1)
    paid = cell[..., q["payment"]].sum(axis=-1)
    all_v, all_a = visits.sum(-1), admits.sum(-1)
    fund_all = paid.sum(-1)
    fund_county = paid[..., :4].sum(-1)
    total_cost = summed["total_cost"]
    out = dict(summed)
    out.update(
        county_visit_share=ratio(visits[..., :4].sum(-1) + admits[..., :4].sum(-1), all_v + all_a),
        county_inpatient_share=ratio(admits[..., :4].sum(-1), all_a),
        primary_visit_share=ratio(visits[..., :3].sum(-1), all_v),
        county_fund_share=ratio(fund_county, fund_all),
        primary_fund_share=ratio(paid[..., :3].sum(-1), fund_county),
        effective_reimbursement_rate=ratio(_over_cells(flows[..., q["fund"]]), total_cost),
        balance_rate=ratio(summed["balance"], summed["budget"]),
    )
    payment = flows[..., q["payment"]]            # [world, year, tier, service, scheme]
    adm_paid = _over_cells(payment[:, :, :, [1, 3]])
    out["cost_per_weighted_case"] = ratio(adm_paid, _over_cells(flows[..., q["weight"]]))
    previous = np.concatenate([sum(o.base_year["total_cost"] for o in outs)[:, None], total_cost[:, :-1]], axis=1)
    out["cost_growth_rate"] = ratio(total_cost, previous) - 1.0
    for key, weight in _WEIGHTED.items():
        w = [o.indicators[weight] for o in outs]
        out[key] = sum(o.indicators[key] * x for o, x in zip(outs, w)) / sum(w)
    funding = [o.indicators["public_health_funding"] for o in outs]
    mean = sum(o.indicators["public_health_completion"] for o in outs) / len(outs)
    out["public_health_completion"] = np.where(sum(funding) > 0, ratio(
        sum(o.indicators["public_health_spending"] for o in outs), sum(funding)), mean)
    # each community's own cash: the region row sums their low points; its months short is the most of any
    out["cash_short_months"] = np.max([o.indicators["cash_short_months"] for o in outs], axis=0)
    from simulator.payment.registry import points_methods

    for method in points_methods():
        m = method.code
        if m == code:  # the pool's own figures; its fund payment stays the counties' sum
            for name in POOL_FIELDS:
                if name != "fund_payment":
                    out[f"{m}_{name}"] = pool[name]
            continue
        w = [o.indicators[f"{m}_fund_payment"] for o in outs]
        total = sum(w)
        for name in ("point_value", "budget_point_value"):
            mean = sum(o.indicators[f"{m}_{name}"] for o in outs) / len(outs)
            out[f"{m}_{name}"] = np.where(total > 0, ratio(sum(o.indicators[f"{m}_{name}"] * x
                                                                for o, x in zip(outs, w)), total), mean)
    out["points_pool_deficit"] = sum(out[f"{m.code}_pool_deficit"] for m in points_methods())
    known = set(KEYS) | {c.name for c in extra_world_columns()}
    missing = known - set(out)
    if missing:  # pragma: no cover - a new column needs its region rule here
        raise AssertionError(f"no region rule for {sorted(missing)}")
    for key in out:
        unit = BY_KEY[key].unit if key in BY_KEY else ""
        assert unit not in _SHARE_UNITS or key in _RECOMPUTED or key.endswith(("point_value",)), key
    return out


def _over_cells(x: np.ndarray) -> np.ndarray:
    """Σ over every axis after [world, year], each world's cells in one fixed order.

    numpy's order for a sum over several axes depends on the array's shape (with one year, on
    the count of worlds), so a world's region row would depend on which worlds were simulated
    with it (a run's worlds, a sweep's chunk): summed over one contiguous axis, it does not."""
    x = np.ascontiguousarray(x)
    return x.reshape(*x.shape[:2], -1).sum(axis=-1)


_RECOMPUTED = ("county_visit_share", "county_inpatient_share", "primary_visit_share", "county_fund_share",
               "primary_fund_share", "effective_reimbursement_rate", "balance_rate", "cost_growth_rate",
               "assessment_score", "cost_per_weighted_case", "public_health_completion")


def hospital_frame(prepared: Any, out: RegionOutput) -> pd.DataFrame | None:
    """Each city hospital's part of each county's outside_agreement care, per world × year."""
    from simulator.constants import OUTSIDE_AGREEMENT

    weights = prepared.region.hospital_weights
    if not weights:
        return None
    q = {name: k for k, name in enumerate(FLOW_FIELDS)}
    rows = []
    for c in prepared.counties:
        o = out.counties[c.name]
        tier = o.flows[:, :, OUTSIDE_AGREEMENT].sum(axis=3)   # [world, year, service, field]
        n_w, n_y = tier.shape[:2]
        for hospital, shares in weights.items():
            share = shares.get(c.name, 0.0)
            if share <= 0:
                continue
            cost, oop, payment = (tier[..., q[k]].sum(-1) * share for k in ("cost", "oop", "payment"))
            rows.append(pd.DataFrame({
                "world": np.repeat(o.worlds, n_y).astype(np.int64),
                "year": np.tile(o.years, n_w).astype(np.int64),
                "hospital": hospital, "county": c.name,
                "visits": ((tier[..., 0, q["episodes"]] + tier[..., 2, q["episodes"]]) * share).reshape(-1),
                "admissions": ((tier[..., 1, q["episodes"]] + tier[..., 3, q["episodes"]]) * share).reshape(-1),
                "days": (tier[..., q["days"]].sum(-1) * share).reshape(-1),
                "cost": cost.reshape(-1), "oop": oop.reshape(-1), "payment": payment.reshape(-1),
                "margin": (payment + oop - cost).reshape(-1)}))
    frame = pd.concat(rows, ignore_index=True)
    frame["hospital"] = pd.Categorical(frame["hospital"], categories=list(weights))
    frame["county"] = pd.Categorical(frame["county"], categories=[c.name for c in prepared.counties])
    return frame.sort_values(["world", "year", "hospital", "county"], kind="stable").reset_index(drop=True)


def region_frames(worlds: pd.DataFrame, flows: pd.DataFrame, referrals: pd.DataFrame):
    """A region folder's files read as one run: the region's rows of ``worlds`` and the
    counties' ``flows`` and ``referrals`` summed (what ``mcsim compare`` and ``mcsim report`` read)."""
    region = worlds[worlds["county"].astype(str) == REGION_ROW].drop(columns="county").reset_index(drop=True)

    def summed(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        if "county" not in frame.columns:
            return frame
        return frame.drop(columns="county").groupby(keys, observed=True, sort=True).sum().reset_index()

    return (region, summed(flows, ["world", "year", "tier", "service", "scheme"]),
            summed(referrals, ["world", "year", "from_tier", "to_tier"]))
