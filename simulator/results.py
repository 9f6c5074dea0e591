"""Results of a run: tidy pandas frames, summary statistics, and the output files (written atomically).

Output schema (docs/outputs.md; every column declared once in :mod:`simulator.outputs`):

* ``worlds`` — one row per world × year: ``world``, ``year``, every indicator of
  :mod:`simulator.indicators`, plus ``score_factor`` (g(q)), each points method's pool and
  fund payment (``drg_pool``, ``drg_fund_payment``: yuan, equal under a floating point value),
  ``fund_outside`` (fund payment out of county, yuan), ``reasonable_overspend`` (Rz, yuan; with
  ``settlement.reasonable = "exogenous"``) and ``epidemic`` (a shock that year; bool, as in
  worlds.parquet: :meth:`Results.numeric` gives the frame of numbers that runs subtract with);
* ``flows`` — one row per world × year × tier × service × scheme: ``episodes``, ``cost``,
  ``fund`` (fund share of claims), ``oop``, ``days``, ``payment`` (what the fund paid the
  provider under its payment method), yuan;
* ``referrals`` — world × year × from-tier × to-tier counts of transfers;
* ``microdata`` — with ``output.microdata_fraction`` > 0, sampled claim rows in the claims
  format of :mod:`simulator.claims_schema` (``microdata.parquet``);
* ``summary`` — per indicator and year: mean, sd, p05, p50, p95 over worlds; and the ``risk``
  block: probability of overspend and VaR/CVaR (95%) of the fund's outlay beyond the budget.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator._version import __version__
from simulator.atomic import building_dir, replace_dir
from simulator.constants import SCHEME_NAMES, SERVICE_NAMES, TIER_NAMES
from simulator.indicators import KEYS
from simulator.outputs import PARAM_PREFIX, RISK_KEYS

STATS = ("mean", "sd", "p05", "p50", "p95")


@dataclass
class Results:
    """A run's results (what :func:`simulator.run` returns and ``mcsim run`` writes)."""

    scenario: Any                 # simulator.scenario.Scenario
    scenario_hash: str
    seed: int
    worlds: pd.DataFrame
    flows: pd.DataFrame
    referrals: pd.DataFrame
    runtime: dict[str, float] = field(default_factory=dict)
    microdata: pd.DataFrame | None = None  # claims-format sample (output.microdata_fraction > 0)
    model: Any = None             # the scenario's simulator.prepare.PreparedModel (prepared when first read)
    stopping: dict[str, Any] | None = None  # how --target-se chose the worlds (simulator.stopping)

    @property
    def prepared(self) -> Any:
        """The scenario's prepared model (settlement rules, case mix, payment cells), resolved once."""
        if self.model is None:
            from simulator.prepare import prepare

            self.model = prepare(self.scenario)
        return self.model

    # ----------------------------------------------------------------------------- statistics
    def summary(self) -> pd.DataFrame:
        """Indicators by year: mean, sd, p05, p50, p95 over worlds (tidy frame)."""
        long = self.worlds.melt(id_vars=["world", "year"], value_vars=list(KEYS),
                                var_name="indicator", value_name="value")
        grouped = long.groupby(["indicator", "year"], sort=False)["value"]
        table = grouped.agg(mean="mean", sd=lambda v: v.std(ddof=1) if len(v) > 1 else 0.0,
                            p05=lambda v: v.quantile(0.05), p50="median", p95=lambda v: v.quantile(0.95))
        return table.reset_index()

    def risk(self) -> pd.DataFrame:
        """Per year: the risk figures of :data:`~simulator.outputs.RISK_FIGURES`, each with its
        Monte Carlo standard error (``<figure>_se``; estimators in :mod:`simulator.risk`).

        The fund's extra outlay of a world is max(0, fund_payout − budget): what the fund pays
        beyond the budget after settlement; the community's loss is max(0, −community_net).
        VaR95 is the 95th percentile over worlds; CVaR95 the mean of the worst 5% of worlds (at
        least one), so a rare large outlay shows even when VaR95 is 0.
        """
        from simulator.risk import risk_by_year

        return risk_by_year(self.worlds)

    def variance_factors(self) -> dict[str, str]:
        """Each uncertain factor (a param's key, or its group) -> the worlds column of its draw."""
        table = self.scenario.uncertainty
        out: dict[str, str] = {}
        for p in table.param if table.active else ():
            column = f"{PARAM_PREFIX}{p.key}"
            if p.factor not in out and column in self.worlds.columns:
                out[p.factor] = column
        return out

    def variance_shares(self) -> pd.DataFrame:
        """Share of each headline indicator's variance over worlds explained by each uncertain
        factor, per year (:func:`simulator.risk.variance_table`); empty without uncertainty."""
        from simulator.outputs import VARIANCE_INDICATORS
        from simulator.risk import variance_table

        factors = self.variance_factors()
        if not factors:
            return pd.DataFrame(columns=["indicator", "year", "factor", "share", "se"])
        return variance_table(self.worlds, factors, VARIANCE_INDICATORS)

    def summary_dict(self) -> dict[str, Any]:
        """The ``summary.json`` document (docs/outputs.md, contract)."""
        s = self.scenario.scenario
        return {
            "mcsim_version": __version__,
            "scenario": {"name": s.name, "hash": self.scenario_hash, "seed": self.seed,
                         "replications": int(self.worlds["world"].nunique()), "years": s.years,
                         "start_year": s.start_year},
            "runtime": {k: _num(v) for k, v in self.runtime.items()},
            **self.indicators_and_risk(),
            **self._uncertainty_dict(),
            **self._cash_dict(),
            **({"target_se": self.stopping} if self.stopping is not None else {}),
        }

    def cash(self) -> pd.DataFrame:
        """Per year: the share of worlds whose community is short of cash in some month before
        year-end settlement (``prob_short``, with its Monte Carlo SE) and the 5th percentile and
        mean of the lowest monthly cash position, yuan (docs/settlement.md, "Inside the community")."""
        if "cash_short_months" not in self.worlds:
            return pd.DataFrame(columns=["year", "prob_short", "prob_short_se", "low_point_p05", "low_point_mean"])
        rows = []
        for year, part in self.worlds.groupby("year", sort=True):
            short = (part["cash_short_months"].to_numpy(dtype=float) > 0).astype(float)
            n = len(short)
            p = float(short.mean())
            rows.append({"year": int(year), "prob_short": p,
                         "prob_short_se": math.sqrt(p * (1.0 - p) / n) if n > 1 else 0.0,
                         "low_point_p05": float(part["cash_low_point"].quantile(0.05)),
                         "low_point_mean": float(part["cash_low_point"].mean())})
        return pd.DataFrame(rows)

    def _cash_dict(self) -> dict[str, Any]:
        """summary.json's ``cash`` block: per year, as :meth:`cash`."""
        table = self.cash()
        if table.empty:
            return {}
        return {"cash": {col: [_num(v) for v in table[col]] for col in table.columns if col != "year"}}

    def indicators_and_risk(self) -> dict[str, Any]:
        """summary.json's ``indicators`` ({KEY: [{year, mean, sd, p05, p50, p95}]}) and ``risk``
        ({figure: [per year]}) blocks."""
        table = self.summary()
        indicators: dict[str, list[dict[str, Any]]] = {}
        for key in KEYS:
            part = table[table["indicator"] == key].sort_values("year")
            indicators[key] = [{"year": int(r.year), **{k: _num(getattr(r, k)) for k in STATS}}
                               for r in part.itertuples()]
        risk = self.risk().sort_values("year")
        return {"indicators": indicators, "risk": {col: [_num(v) for v in risk[col]] for col in RISK_KEYS}}

    def _uncertainty_dict(self) -> dict[str, Any]:
        """``uncertainty`` (the factors drawn) and ``variance_shares`` of summary.json, with
        uncertainty on: ``{indicator: [{"year", "shares": {factor: share}, "se": {factor: se}}]}``."""
        factors = self.variance_factors()
        if not factors:
            return {}
        table = self.variance_shares()
        shares: dict[str, list[dict[str, Any]]] = {}
        for (key, year), part in table.groupby(["indicator", "year"], sort=False):
            shares.setdefault(key, []).append({
                "year": int(year), "shares": {r.factor: _num(r.share) for r in part.itertuples()},
                "se": {r.factor: _num(r.se) for r in part.itertuples()}})
        params = [{"key": p.key, "distribution": p.distribution, "factor": p.factor}
                  for p in self.scenario.uncertainty.param]
        return {"uncertainty": {"params": params, "factors": list(factors)}, "variance_shares": shares}

    # ----------------------------------------------------------------------------- arithmetic
    def numeric(self, frame: str = "worlds") -> pd.DataFrame:
        """A frame of numbers only, keyed by its index, so runs subtract and average cleanly.

        ``worlds`` keeps the output schema of the files (docs/outputs.md): its ``epidemic`` flag
        is bool, and a bool column cannot be subtracted (``b.worlds - a.worlds`` raises). This
        view indexes the rows by their keys (``world, year``; flows also ``tier, service,
        scheme``; referrals ``from_tier, to_tier``) and holds every other column as float64,
        flags as 0.0 / 1.0 (their mean is a share of world-years). So
        ``b.numeric() - a.numeric()`` is the world-by-world difference of two runs (common
        random numbers: the same seed gives the same worlds), aligned on the keys.

        Parameters
        ----------
        frame : ``"worlds"`` (default), ``"flows"`` or ``"referrals"``.
        """
        keys = {"worlds": ["world", "year"], "flows": ["world", "year", "tier", "service", "scheme"],
                "referrals": ["world", "year", "from_tier", "to_tier"]}
        if frame not in keys:
            raise ValueError(f"frame must be one of {sorted(keys)}, got {frame!r}")
        table = getattr(self, frame).set_index(keys[frame])
        return table.astype({name: np.float64 for name in table.columns})

    def compare(self, *others: "Results", names: list[str] | None = None,
                paired: bool | None = None) -> pd.DataFrame:
        """This run and ``others`` side by side: the table of ``mcsim compare`` (this run first,
        the reference of the differences; :func:`simulator.report.compare.compare_results`).

        Parameters
        ----------
        others : one or more runs.
        names : a name per run, this one first (``mcsim compare`` uses the folder names); default
            the scenario names when they differ, else ``run0``, ``run1``, ...
        paired : None pairs runs with the same seed and worlds (world by world), False never,
            True requires it.

        Returns
        -------
        pandas.DataFrame
            one row per indicator × period × run (columns
            :data:`simulator.report.compare.COLUMNS`); print it with
            :func:`simulator.report.compare.format_table`.
        """
        from simulator.report.compare import compare_results

        runs = [self, *others]
        if names is None:
            names = [r.scenario.name for r in runs]
            if len(set(names)) != len(names):
                names = None
        return compare_results(runs, names, paired=paired)

    # ----------------------------------------------------------------------------- files
    def write(self, out_dir: str | Path, *, figures: bool | None = None, report: bool | None = None,
              lang: str | None = None) -> Path:
        """Write every output into ``out_dir`` atomically: all files or none.

        Files are written into a locked temporary folder beside ``out_dir``
        (:func:`simulator.atomic.building_dir`, which first removes killed runs' leftovers) and
        swapped into place when complete; an existing ``out_dir`` is replaced only then.
        """
        from simulator.scenario import dump_scenario

        out = Path(out_dir)
        with building_dir(out) as tmp:
            (tmp / "summary.json").write_text(json.dumps(self.summary_dict(), indent=2, ensure_ascii=False)
                                              + "\n", encoding="utf-8")
            self.worlds.to_parquet(tmp / "worlds.parquet", index=False)
            self.flows.to_parquet(tmp / "flows.parquet", index=False)
            self.referrals.to_parquet(tmp / "referrals.parquet", index=False)
            if self.microdata is not None:
                self.microdata.to_parquet(tmp / "microdata.parquet", index=False)
            dump_scenario(self.scenario, tmp / "scenario.resolved.toml")
            self._write_extras(tmp, figures, report, lang)
            replace_dir(tmp, out)
        return out

    def _write_extras(self, folder: Path, figures: bool | None, report: bool | None, lang: str | None) -> None:
        """Figures and report, when the report package is present and asked for."""
        opts = self.scenario.output
        want_figures = opts.figures if figures is None else figures
        want_report = opts.report if report is None else report
        if not (want_figures or want_report):
            return
        try:
            from simulator.report import write_report
        except ImportError:
            return
        write_report(self, folder, figures=want_figures, report=want_report, lang=lang or opts.lang)

    @classmethod
    def load(cls, folder: str | Path) -> "Results":
        """Read results written by :meth:`write` (for ``mcsim report`` and ``mcsim compare``)."""
        from simulator.errors import InputError, Problem
        from simulator.scenario import load_scenario

        folder = Path(folder)
        needed = ["summary.json", "worlds.parquet", "flows.parquet", "scenario.resolved.toml"]
        missing = [n for n in needed if not (folder / n).is_file()]
        if missing:
            raise InputError(Problem(str(folder), f"not an mcsim results folder: missing {', '.join(missing)}",
                                     hint="point at the folder `mcsim run` wrote"))
        summary = _stored_summary(folder / "summary.json")
        referrals = (_stored_table(folder / "referrals.parquet") if (folder / "referrals.parquet").is_file()
                     else pd.DataFrame(columns=["world", "year", "from_tier", "to_tier", "count"]))
        microdata = (_stored_table(folder / "microdata.parquet") if (folder / "microdata.parquet").is_file()
                     else None)
        worlds, flows = _stored_table(folder / "worlds.parquet"), _stored_table(folder / "flows.parquet")
        if "county" in worlds.columns:  # a region's results: its totals (simulator.region.results)
            from simulator.region.results import region_frames

            worlds, flows, referrals = region_frames(worlds, flows, referrals)
        return cls(scenario=load_scenario(folder / "scenario.resolved.toml"), microdata=microdata,
                   scenario_hash=summary["scenario"]["hash"], seed=int(summary["scenario"]["seed"]),
                   worlds=worlds, flows=flows, referrals=referrals,
                   runtime=summary.get("runtime", {}), stopping=summary.get("target_se"))


def _stored_summary(path: Path) -> dict[str, Any]:
    """A results folder's summary.json, or :class:`InputError` naming it when it is corrupt."""
    from simulator.errors import InputError, Problem

    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
        int(summary["scenario"]["seed"]), str(summary["scenario"]["hash"])
        return summary
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise InputError(Problem("", f"corrupt or truncated results file ({type(exc).__name__})", file=str(path),
                                 hint="run `mcsim run` again to rewrite the folder")) from None


def _stored_table(path: Path) -> pd.DataFrame:
    """A results folder's parquet table, or :class:`InputError` naming it when it is corrupt."""
    from simulator.errors import InputError, Problem

    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
        raise InputError(Problem("", f"corrupt or truncated results file ({type(exc).__name__})", file=str(path),
                                 hint="run `mcsim run` again to rewrite the folder")) from None


def world_columns(output: Any, *, params: bool = True) -> dict[str, np.ndarray]:
    """The columns of :attr:`Results.worlds` from a :class:`~simulator.engine.RunOutput`.

    One row per world × year in (world, year) order: ``world``, ``year`` (int64), every
    indicator of :data:`KEYS`, the engine's extra columns (float64), ``epidemic`` (bool) and,
    with ``params``, one ``param.<key>`` column (float64) per uncertain parameter: the world's
    draw (for ``scale = true``, the multiplier), the same in every year of the world.
    Batches encode these arrays straight to parquet, without a pandas frame.
    """
    from simulator.outputs import world_columns as schema

    n_w, n_y = len(output.worlds), len(output.years)
    columns: dict[str, np.ndarray] = {"world": np.repeat(output.worlds, n_y).astype(np.int64),
                                      "year": np.tile(output.years, n_w).astype(np.int64)}
    for column in schema():  # without params: they follow
        if column.stage != "key" and column.name != "epidemic":
            columns[column.name] = output.indicators[column.name].reshape(-1)
    columns["epidemic"] = output.shocks.reshape(-1)
    if params:
        for key, values in output.params.items():
            columns[f"{PARAM_PREFIX}{key}"] = np.repeat(np.asarray(values, dtype=float), n_y)
    return columns


def from_run(scenario: Any, scenario_hash: str, output: Any, model: Any = None) -> Results:
    """Build :class:`Results` from the engine's :class:`~simulator.engine.RunOutput` (``model``:
    the prepared model that ran, when the caller has it)."""
    from simulator.engine import FLOW_FIELDS

    worlds = pd.DataFrame(world_columns(output))
    shape = output.flows.shape  # world, year, tier, service, scheme, field
    index = np.indices(shape[:5]).reshape(5, -1)
    flat = output.flows.reshape(-1, shape[5])
    flow_frame = pd.DataFrame({
        "world": output.worlds[index[0]].astype(np.int64),
        "year": output.years[index[1]].astype(np.int64),
        "tier": pd.Categorical.from_codes(index[2], TIER_NAMES),
        "service": pd.Categorical.from_codes(index[3], SERVICE_NAMES),
        "scheme": pd.Categorical.from_codes(index[4], SCHEME_NAMES),
        **{name: flat[:, k] for k, name in enumerate(FLOW_FIELDS)},
    })
    rshape = output.referrals.shape
    rindex = np.indices(rshape).reshape(4, -1)
    counts = output.referrals.reshape(-1)
    keep = counts > 0
    referrals = pd.DataFrame({
        "world": output.worlds[rindex[0][keep]].astype(np.int64),
        "year": output.years[rindex[1][keep]].astype(np.int64),
        "from_tier": pd.Categorical.from_codes(rindex[2][keep], TIER_NAMES),
        "to_tier": pd.Categorical.from_codes(rindex[3][keep], TIER_NAMES),
        "count": counts[keep],
    })
    runtime = {"seconds": output.seconds, "episodes": int(output.episodes),
               "episodes_per_second": output.episodes / output.seconds if output.seconds > 0 else 0.0,
               "threads": output.threads}
    return Results(scenario=scenario, scenario_hash=scenario_hash, seed=output.seed, worlds=worlds,
                   flows=flow_frame, referrals=referrals, runtime=runtime, microdata=output.microdata,
                   model=model)


def _num(value: Any) -> Any:
    """A JSON-safe number: NaN and infinities become null."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    value = float(value)
    return value if math.isfinite(value) else None
