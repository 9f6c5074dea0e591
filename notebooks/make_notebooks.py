"""Write the tutorial notebooks (without outputs) from the cells below: ``python make_notebooks.py``.

Edit the cells here, not the ``.ipynb`` files, so the notebooks stay reviewable and output-free.
"""

from __future__ import annotations

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
]


def build(cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    nb = new_notebook(cells=[new_markdown_cell(text) if kind == "md" else new_code_cell(text)
                             for kind, text in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


def main() -> None:
    for name, cells in (("01_quickstart.ipynb", QUICKSTART), ("02_policy_comparison.ipynb", POLICY)):
        nb = build(cells)
        nbformat.validate(nb)
        nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    main()
