"""Write the tutorial notebooks (without outputs) from the cells below: ``python make_notebooks.py``.

Edit the cells here, not the ``.ipynb`` files, so the notebooks stay reviewable and output-free.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

QUICKSTART = [
    ("md", """# mcsim quickstart

Simulate the reference county's global budget (医共体医保总额付费) from Python, read the results as
pandas frames and draw a figure. The run is kept small (20,000 insured, 20 worlds, 3 years) so the
notebook runs in seconds; drop the overrides for the full scenario."""),
    ("code", """%matplotlib inline
import matplotlib.pyplot as plt

import simulator
from simulator.indicators import label

SCENARIO = "../scenarios/reference.toml"
OVERRIDES = ["population.size=20000", "scenario.years=3"]   # same syntax as `mcsim run --set`
results = simulator.run(SCENARIO, overrides=OVERRIDES, replications=20, seed=1)
print(f"{results.worlds['world'].nunique()} worlds, years {sorted(int(y) for y in results.worlds['year'].unique())}, "
      f"seed {results.seed}")"""),
    ("md", """## The frames

* `results.worlds`: one row per world × year with every indicator;
* `results.flows`: world × year × tier × service × scheme (episodes, cost, fund, oop, payment);
* `results.summary()`: mean, sd and quantiles over worlds; `results.risk()`: overspend risk."""),
    ("code", """results.worlds.head()"""),
    ("code", """summary = results.summary()
summary[summary["indicator"].isin(["balance_rate", "county_visit_share", "primary_visit_share"])]"""),
    ("code", """results.risk()"""),
    ("code", """first = results.worlds["year"].min()
flows = results.flows[results.flows["year"] == first]
by_tier = flows.groupby(["tier", "service"], observed=True)[["episodes", "fund", "payment"]].sum()
(by_tier / results.worlds["world"].nunique()).round(0)   # mean per world"""),
    ("md", """## Changing the scenario, and comparing runs

`simulator.load_scenario(path, overrides)` takes a mapping of dotted key paths to values (or the
`--set` strings above), and `scenario.with_updates({...})` returns a new, validated scenario:
the same keys, rules and messages as `mcsim run --set`, so a bad value is refused with its key
path. The scenario itself is frozen and stays as it was."""),
    ("code", """scenario = simulator.load_scenario(SCENARIO, {"population.size": 20000, "scenario.years": 3})
reserve = scenario.with_updates({"budget.risk_reserve": 0.07})   # 风险调剂金 5% -> 7%
print(scenario.budget.risk_reserve, "->", reserve.budget.risk_reserve)
try:
    scenario.with_updates({"budget.risk_reserve": 1.7})
except simulator.InputError as error:
    print(error)"""),
    ("md", """`results.compare(other)` is the table of `mcsim compare`: per indicator, period and run the
mean over worlds, and the difference from the first run with its 90% interval. Both runs share the
seed, so world *w* of each saw the same patients and the comparison is paired, world by world.
`results.numeric()` is the worlds frame as numbers only (the `epidemic` flag as 0/1), indexed by
world and year, so two runs subtract."""),
    ("code", """higher = simulator.run(reserve, replications=20, seed=1)
table = results.compare(higher, names=["reserve 5%", "reserve 7%"])
keys = ["budget", "balance_rate", "retained_surplus", "community_net"]
table[(table["period"] == "first") & table["indicator"].isin(keys)][
    ["indicator", "run", "mean", "diff", "diff_lo90", "diff_hi90", "paired"]]"""),
    ("code", """by_world = higher.numeric() - results.numeric()          # world by world, yuan
by_world[["budget", "fund_payout", "community_net"]].groupby("year").mean().round(0)"""),
    ("md", """Settling one community-year by hand gives plain floats (arrays give a frame):"""),
    ("code", """simulator.settle("county-tiered", budget=1e8, spending=9.5e7, score=80)"""),
    ("md", """## A figure of your own, and the report's figures

Labels come from `simulator.indicators` (Chinese with `lang="zh"`)."""),
    ("code", """fig, ax = plt.subplots(figsize=(6, 3))
year1 = results.worlds[results.worlds["year"] == first]
ax.hist(year1["balance_rate"] * 100, bins=15, color="0.3")
ax.axvline(0, color="black")
ax.set_xlabel(label("balance_rate", "en") + " (%)")
ax.set_ylabel("worlds")
ax.set_title(f"{label('balance_rate', 'en')}, {first}");"""),
    ("code", """from simulator.report.fan import fan_chart

fan_chart(results, "en")"""),
    ("md", """## Files

`results.write(folder)` writes summary.json, the parquet frames, `report.html` and `figures/`
(the same as `mcsim run`); `mcsim report folder --lang en` rebuilds the report later."""),
    ("code", """import tempfile
from pathlib import Path

out = results.write(Path(tempfile.mkdtemp()) / "quickstart", lang="en")
sorted(p.name for p in out.iterdir())"""),
]

POLICY = [
    ("md", """# Comparing policy designs on common random numbers

Two settlement designs — the county's tiered rules and US-style ACA risk corridors — and a smaller
reimbursement gap (a lower fund share at the county hospital for resident-scheme admissions), all
run with the **same seed**: world *w* of each run sees the same patients and the same random draws,
so differences between designs are measured world by world (paired), not blurred by the noise
between worlds."""),
    ("code", """%matplotlib inline
import simulator
from simulator.report.compare import can_pair, compare_results, comparison_figure, format_table

SCENARIO = "../scenarios/reference.toml"
SMALL = ["population.size=20000", "scenario.years=3"]
SEED, WORLDS = 7, 20

tiered = simulator.run(SCENARIO, overrides=SMALL, replications=WORLDS, seed=SEED)
corridor = simulator.run(SCENARIO, overrides=SMALL + ['settlement.rules="aca-corridor"'],
                         replications=WORLDS, seed=SEED)
gap = simulator.run(SCENARIO, overrides=SMALL + [
    "benefits.resident.inpatient.fund_share=[0.0, 0.88, 0.85, 0.65, 0.62, 0.52]"],
    replications=WORLDS, seed=SEED)
can_pair(tiered, corridor), can_pair(tiered, gap)"""),
    ("md", """## Paired differences by hand

The settlement rules do not change care, so fund spending is identical world by world; what the
fund finally pays (`fund_payout`) and what the community nets differ."""),
    ("code", """keys = ["fund_spending", "fund_payout", "community_net", "retained_surplus"]
a = tiered.worlds.set_index(["world", "year"])[keys]
b = corridor.worlds.set_index(["world", "year"])[keys]
diff = b - a   # per world and year, yuan
diff.groupby("year").agg(["mean", "std"]).round(0)"""),
    ("md", """## All indicators side by side

`compare_results` pairs runs automatically when they share seed and worlds (the same as
`mcsim compare DIR DIR...`). Intervals are 90% intervals of the difference of means."""),
    ("code", """table = compare_results([tiered, corridor, gap], ["county-tiered", "aca-corridor", "smaller gap"])
print(format_table(table, "en"))"""),
    ("code", """first = table[(table["period"] == "first") & (table["run"] != "county-tiered")]
first.set_index(["indicator", "run"])[["diff", "diff_lo90", "diff_hi90", "paired"]].loc[
    ["fund_payout", "community_net", "county_inpatient_share", "effective_reimbursement_rate"]]"""),
    ("md", """## Why pairing matters

The same comparison without pairing (as if the runs had different seeds) gives much wider
intervals for the settlement design."""),
    ("code", """unpaired = compare_results([tiered, corridor], ["county-tiered", "aca-corridor"], paired=False)
paired = compare_results([tiered, corridor], ["county-tiered", "aca-corridor"])

def width(t, key):
    row = t[(t["indicator"] == key) & (t["period"] == "first") & (t["run"] == "aca-corridor")].iloc[0]
    return row["diff_hi90"] - row["diff_lo90"]

{key: (round(width(paired, key)), round(width(unpaired, key))) for key in ["fund_payout", "community_net"]}"""),
    ("code", """comparison_figure(table, "en")"""),
    ("md", """## Which design to pick, and why the money moved

`Ranking` ranks designs by an objective under constraints in a chosen year (the mean, or a
quantile with `stat="p95"`), feasible designs first, and gives each design's probability over the
paired worlds of beating the first one (ties count ½): the same as `mcsim compare --objective
community_net:max --constraint "prob_overspend<=0.5" --constraint "county_visit_share>=0.9"`
(docs/ranking.md). `explain` splits the change of fund spending, total cost, balance and
community net, world by world, into enrolment, volume, case mix, unit price, tier shift, benefit,
payment and settlement; the parts add up to the change exactly (`mcsim explain DIR`,
docs/explain.md)."""),
    ("code", """from simulator.explain import explain
from simulator.ranking import Ranking

runs = {"county-tiered": tiered, "aca-corridor": corridor, "smaller gap": gap}
last = int(tiered.worlds["year"].max())
ranking = Ranking.parse("community_net:max", ["prob_overspend<=0.5", "county_visit_share>=0.9"])
ranking.rank([r.worlds[r.worlds["year"] == last] for r in runs.values()], list(runs))"""),
    ("code", """why = explain(tiered)   # first year -> last year of the tiered design
parts = why.table()
parts[parts["measure"] == "fund_spending"].set_index("part")[["mean", "lo90", "hi90"]].div(1e4).round(1)  # 万元"""),
    ("md", """## Inside the community (医共体内部): who gets the money, two fund accounts, monthly cash

The settlement pays the community as one purse. Its council then splits the net settlement among
the county hospital, the township centres and the village clinics (医共体内部分配), here by each
member type's fund payments with a 10% floor for villages. `budget.pooling = "separate"` budgets
and settles the resident and employee funds on their own (the community's figures are their sums).
Bundled public-health money (基本公卫资金打捆, 60 yuan per person, 95% of the package delivered)
joins the envelope with its spending. Each month the community receives 1/12 of the budget less
the withhold and pays the month's claims: the table's last columns show how often and how deep it
is short of cash before year-end settlement (docs/settlement.md, "Inside the community")."""),
    ("code", """import pandas as pd

INSIDE = ["population.size=20000", "scenario.years=3", "community.distribution.village_floor=0.1",
          "community.public_health.per_capita=60", "community.public_health.completion=0.95"]
inside = {pooling: simulator.run("../scenarios/reference.toml", overrides=INSIDE + [f"budget.pooling={pooling}"],
                                 replications=40, seed=7)
          for pooling in ("pooled", "separate")}
columns = ["community_net", "community_net_county_hospital", "community_net_township", "community_net_village",
           "balance_resident", "balance_employee", "public_health_spending"]
pd.concat({name: r.worlds.groupby("year")[columns].mean().div(1e4).round(1) for name, r in inside.items()},
          names=["pooling (万元)"])"""),
    ("code", """pd.concat({name: r.cash().set_index("year") for name, r in inside.items()}, names=["pooling"]).round(3)"""),
]


UNCERTAINTY = [
    ("md", """# Parameter uncertainty: what is not known, and what is noise

A county's global budget (医共体医保总额付费) is set before the year; whether the fund overspends
depends on two kinds of randomness:

* **process noise**: which patients fall ill, what each episode costs, whether an epidemic year
  comes. More worlds average it away in the *estimates*, never in a single county's year;
* **parameter uncertainty**: numbers the model takes as given but nobody knows well, such as the
  growth of visits and admissions, the growth of unit costs (次均费用增长), DRG coding creep
  (病组权重漂移), the size of an epidemic shock, and how strongly providers cut costs when they
  keep the surplus (结余留用 cost-control response).

`scenarios/reference.toml` declares the second kind in its `[uncertainty]` table: five
`[[uncertainty.param]]` blocks, each drawn **once per world and kept for all its years** (a
persistent unknown trend, not yearly noise). Sources: `docs/uncertainty.md`.

This notebook runs the same design twice with the same seed: with the table, and with
`uncertainty.enabled=false` (process noise alone). The county is small (20,000 insured, 100 worlds,
5 years) so the notebook runs in seconds. Process noise shrinks relative to the budget as the
county grows, so at the reference size (450,000 insured) parameter uncertainty weighs more than
it does here."""),
    ("code", """%matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown

import simulator
from simulator.report.fan import draw_fan, fan_legend
from simulator.report.labels import Labels
from simulator.risk import worlds_for_se

SCENARIO = "../scenarios/reference.toml"
SMALL = ["population.size=20000"]   # 5 years, as in the scenario
SEED, WORLDS = 11, 100

uncertain = simulator.run(SCENARIO, overrides=SMALL, replications=WORLDS, seed=SEED)
noise_only = simulator.run(SCENARIO, overrides=SMALL + ["uncertainty.enabled=false"],
                           replications=WORLDS, seed=SEED)
RUNS = {"With parameter uncertainty": uncertain, "Process noise only": noise_only}
first, last = int(uncertain.worlds["year"].min()), int(uncertain.worlds["year"].max())
print(f"{WORLDS} worlds x {last - first + 1} years, seed {SEED}; "
      f"{uncertain.runtime['seconds'] + noise_only.runtime['seconds']:.1f} s of simulation")"""),
    ("md", """## The draws

Each world's draw is in `results.worlds` as a `param.<key>` column (the same value in every
year of the world); the run without uncertainty has none. The table lists each parameter's law
and what the 100 worlds drew."""),
    ("code", """def law(param):
    given = {k: v for k, v in param.model_dump().items()
             if v is not None and k not in ("key", "distribution", "group")}
    return param.distribution + "(" + ", ".join(f"{k}={v}" for k, v in given.items()) + ")"


laws = pd.DataFrame([{"key": p.key, "law": law(p)} for p in uncertain.scenario.uncertainty.param])
draws = uncertain.worlds.loc[uncertain.worlds["year"] == first].filter(like="param.")
draws.columns = [c.removeprefix("param.") for c in draws.columns]
drawn = draws.describe(percentiles=[0.05, 0.95]).T[["mean", "5%", "95%"]]
print("param columns without uncertainty:", [c for c in noise_only.worlds if c.startswith("param.")])
laws.join(drawn, on="key").set_index("key").round(4)"""),
    ("md", """## Fan charts

The balance rate (结余率 = (budget − fund spending) / budget) over the years: median, the middle
50% (25–75%) and 90% (5–95%) of worlds. Same seed, so world *w* has the same insured persons and
the same keyed random streams in both runs; what differs is that each world of the left panel
also carries its own trend, inflation, drift, shock size and cost-control response. The fan
helpers are the report's own (`simulator.report.fan.draw_fan` and `fan_legend`)."""),
    ("code", """LABELS = Labels("en")
fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True, layout="constrained")
for ax, (name, results) in zip(axes, RUNS.items()):
    draw_fan(ax, results, "balance_rate", LABELS)
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set_title(name)
    ax.set_xlabel(LABELS.word("year"))
axes[0].set_ylabel(LABELS.axis("balance_rate"))
fan_legend(axes[1], LABELS)                 # median, 50% and 90% of worlds
legend = axes[1].get_legend()
legend.set_loc("upper left")
legend.set_bbox_to_anchor((1.02, 1.0))      # beside the panels, off the data"""),
    ("code", """def fan_numbers(results):
    by_year = results.worlds.groupby("year")["balance_rate"]
    return pd.DataFrame({"median": by_year.median(),
                         "5-95% width": by_year.quantile(0.95) - by_year.quantile(0.05)}) * 100

pd.concat({name: fan_numbers(r) for name, r in RUNS.items()}, axis=1).round(2)   # % of budget"""),
    ("md", """With parameter uncertainty the band is wider, and more so in later years: a world with a
high cost-inflation or utilisation-trend draw keeps it, so its distance from a budget that grows by
a fixed 5% a year compounds, while process noise is drawn afresh every year and keeps the band of
the right panel at about the same width. In a county this small, process noise is still most of
the width. The medians need not agree either: trend and inflation are centred on the scenario's
calibrated `[dynamics]` values, but case-mix drift (mode +1%/yr) and the cost-control response
(mean elasticity about 0.04) are centred on the evidence, not on the scenario's values of 0."""),
    ("md", """## Risk figures and their Monte Carlo error

`results.risk()` gives per year P(overspend) (基金超支概率: fund spending > budget), VaR95 and
CVaR95 of the fund's extra outlay after settlement (max(0, fund payout − budget)), and the same for
the community's loss (医共体亏损: max(0, −community net)), each with its Monte Carlo standard
error (`_se`). The SE measures how well 100 worlds pin down the figure *for this model*; it is
not the uncertainty about the county, which is what the parameter draws add."""),
    ("code", """FIGURES = {
    "prob_overspend": "P(overspend) (%)",
    "overspend_var95": "VaR95 fund extra outlay (million yuan)",
    "overspend_cvar95": "CVaR95 fund extra outlay (million yuan)",
    "prob_community_loss": "P(community loss) (%)",
    "community_loss_var95": "VaR95 community loss (million yuan)",
    "community_loss_cvar95": "CVaR95 community loss (million yuan)",
}


def risk_table(results, years):
    risk = results.risk().set_index("year")
    rows = {}
    for year in years:
        for key, name in FIGURES.items():
            scale = 100 if key.startswith("prob") else 1e-6
            rows[(year, name)] = {"estimate": risk.loc[year, key] * scale,
                                  "SE": risk.loc[year, f"{key}_se"] * scale}
    return pd.DataFrame.from_dict(rows, orient="index")


risk = pd.concat({name: risk_table(r, [first, last]) for name, r in RUNS.items()}, axis=1)
risk.index.names = ["year", "figure"]
risk.round(2)"""),
    ("code", """n = uncertain.worlds["world"].nunique()
row = uncertain.risk().set_index("year").loc[last]
p, se = row["prob_overspend"], row["prob_overspend_se"]
Markdown(
    f"With parameter uncertainty, P(overspend) in {last} is {p:.0%} with a standard error of "
    f"{se:.1%} from {n} worlds. Standard errors fall as 1/√n, so halving it takes "
    f"`worlds_for_se(se, n, se / 2)` = **{worlds_for_se(se, n, se / 2)} worlds** (four times as many); "
    f"an SE of one percentage point takes {worlds_for_se(se, n, 0.01)}. The same 4× holds for VaR95 "
    f"and CVaR95. `mcsim run --target-se prob_overspend=0.01` adds worlds until every year meets "
    f"such a target.")"""),
    ("md", """## Which unknowns drive the spread: variance shares

`results.variance_shares()` splits the variance of an indicator over worlds, per year. The
**first-order share** of a factor *f* is S_f = Var(E[Y | x_f]) / Var(Y): the part of the spread of
Y that follows *f*'s draw alone, i.e. how much of the variance would go, on average, if *f* were
known exactly. It is estimated from equal-count bins of the draws (√100 = 10 bins), corrected for
the noise within bins, so a factor that does nothing can come out slightly negative; its SE is a
bootstrap over worlds (it errs large). The last row, **interactions and process noise**, is
1 − Σ S_f: the process noise of each world-year (care use, episode costs, whether an epidemic
occurs) plus whatever the factors do only in combination. With 100 worlds the SEs are up to
a tenth: only the large shares are clearly above zero."""),
    ("code", """NAMES = {
    "dynamics.utilisation_trend": "Utilisation trend",
    "dynamics.cost_inflation": "Cost inflation",
    "dynamics.casemix_drift": "Case-mix drift",
    "dynamics.epidemic.uplift": "Epidemic uplift",
    "dynamics.cost_control_elasticity": "Cost-control elasticity",
}
shares = uncertain.variance_shares()
shares = shares[shares["indicator"] == "balance_rate"].assign(
    label=lambda t: t["factor"].map(NAMES).fillna(t["factor"].str.capitalize()))
final = shares[shares["year"] == last]

fig, ax = plt.subplots(figsize=(7.5, 3.2), layout="constrained")
colors = ["#2c7fb8"] * (len(final) - 1) + ["0.65"]
ax.barh(final["label"], final["share"] * 100, xerr=final["se"] * 100, color=colors,
        error_kw={"elinewidth": 1, "capsize": 3})
ax.axvline(0.0, color="0.3", linewidth=0.8)
ax.invert_yaxis()
ax.set_xlabel("share of the variance of the balance rate over worlds (%), ± 1 SE")
ax.set_title(f"Balance rate, {last}: first-order variance shares")
final.set_index("label")[["share", "se"]].round(3)"""),
    ("md", """By year: the remainder is largest in the first year, when the persistent draws have had
only one year to act, and the trend and inflation shares grow as their effects compound."""),
    ("code", """shares.pivot(index="year", columns="label", values="share")[list(final["label"])].round(2)"""),
    ("md", """## Balance rate against the cost-inflation draw

One world per point in the last year, coloured by the same world's utilisation-trend draw; the
line is a least-squares fit (its slope in the title). The scatter around the line is what the
other draws and process noise add: for a given inflation draw, worlds with a fast utilisation
trend tend to lie lower."""),
    ("code", """end = uncertain.worlds[uncertain.worlds["year"] == last]
x = end["param.dynamics.cost_inflation"] * 100
y = end["balance_rate"] * 100
slope, intercept = np.polyfit(x, y, 1)

fig, ax = plt.subplots(figsize=(6.5, 3.8), layout="constrained")
points = ax.scatter(x, y, c=end["param.dynamics.utilisation_trend"] * 100, cmap="viridis", s=18)
fig.colorbar(points, ax=ax, label="utilisation trend draw (%/yr)")
grid = np.linspace(x.min(), x.max(), 2)
ax.plot(grid, intercept + slope * grid, color="black", linewidth=1)
ax.axhline(0.0, color="0.3", linewidth=0.8, linestyle=":")
ax.set_xlabel("cost inflation draw (%/yr)")
ax.set_ylabel(f"balance rate {last} (% of budget)")
ax.set_title(f"Balance rate {last} vs cost inflation: slope {slope:+.2f} points per point")
print(f"correlation {np.corrcoef(x, y)[0, 1]:+.2f}; +1 point of yearly inflation moves the "
      f"{last} balance rate by {slope:+.2f} points of the budget")"""),
    ("md", """## Next

* `mcsim run scenarios/reference.toml --set uncertainty.enabled=false` for process noise alone;
  `results.write(folder)` puts `variance_shares` and the risk SEs into `summary.json`.
* Change a law in `[[uncertainty.param]]` (or add `group` / `[uncertainty.correlation]` to make
  draws move together) and rerun with the same seed: the other factors keep their draws world by
  world (common random numbers).
* `docs/uncertainty.md` gives the evidence behind each distribution; `docs/model.md`
  ("Uncertainty") the formulas."""),
]


NOTEBOOKS = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_policy_comparison.ipynb": POLICY,
    "04_uncertainty.ipynb": UNCERTAINTY,
}


def cell_ids(path: Path, count: int) -> list[str]:
    """Ids for ``count`` cells: those of the notebook already at ``path``, by position, then new
    ones derived from the file name, so regenerating an unchanged notebook leaves it unchanged."""
    ids = [cell.get("id") for cell in nbformat.read(path, as_version=4).cells] if path.is_file() else []
    ids = [i for i in ids if i][:count]
    k = 0
    while len(ids) < count:
        candidate = hashlib.sha1(f"{path.name}:{k}".encode()).hexdigest()[:8]
        if candidate not in ids:
            ids.append(candidate)
        k += 1
    return ids


def build(cells: list[tuple[str, str]], ids: list[str] | None = None) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell(text) if kind == "md" else new_code_cell(text)
                             for kind, text in cells])
    for cell, cell_id in zip(nb.cells, ids or ()):
        cell.id = cell_id
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nb = build(cells, cell_ids(HERE / name, len(cells)))
        nbformat.validate(nb)
        nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    main()
