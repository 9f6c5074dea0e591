"""Fan charts over the years: the median and the 50% / 90% bands of worlds.

Three panels: the fund balance (budget − fund spending); the budget against fund spending; and
how the settlement splits the result (surplus the community keeps, overspend the fund shares,
overspend the community bears). Money in 万元 / million yuan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from simulator.report.figures import FAN_COLOR, integer_years, new_figure, quantiles_by_year, report_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulator.report.labels import Labels
    from simulator.results import Results

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
SETTLEMENT_KEYS = (("retained_surplus", "#1a9850"), ("fund_shared_overspend", "#fdae61"),
                   ("community_borne_overspend", "#d7191c"))


def draw_fan(ax: Any, results: "Results", key: str, labels: "Labels", color: str = FAN_COLOR,
             *, bands: bool = True, band90: bool = True, label: str | None = None) -> None:
    """Median line of ``key`` over the years with its 50% and 90% bands across worlds."""
    years, q = quantiles_by_year(results, key, QUANTILES)
    q = q / labels.scale(key)
    name = label or labels.indicator(key)
    if bands:
        if band90:
            ax.fill_between(years, q[0], q[4], color=color, alpha=0.15, linewidth=0)
        ax.fill_between(years, q[1], q[3], color=color, alpha=0.30, linewidth=0)
    ax.plot(years, q[2], color=color, linewidth=1.8, marker="o", markersize=3, label=name)
    integer_years(ax, years)


def fan_legend(ax: Any, labels: "Labels", band90: bool = True) -> None:
    """Legend: one line per indicator (its median) and grey swatches for the bands."""
    from matplotlib.patches import Patch

    handles, names = ax.get_legend_handles_labels()
    handles.append(Patch(color="0.5", alpha=0.45))
    names.append(labels.word("band50"))
    if band90:
        handles.append(Patch(color="0.5", alpha=0.15))
        names.append(labels.word("band90"))
    ax.legend(handles, names, loc="best", frameon=False, fontsize=7,
              title=labels.word("median"), title_fontsize=7)


def fit_title(text: str, limit: int = 36) -> str:
    """A panel title broken after its " / " when longer than ``limit`` characters (a third of the
    figure's width holds about 40 at 10 pt): long English labels would be clipped at the edge."""
    return text.replace(" / ", " /\n", 1) if len(text) > limit else text


@report_figure
def fan_chart(results: "Results", labels: "Labels") -> "Figure":
    """Fan chart of the fund balance, budget vs fund spending, and the settlement over the years."""
    fig = new_figure(11.0, 3.8)
    axes = fig.subplots(1, 3)

    ax = axes[0]
    draw_fan(ax, results, "balance", labels)
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    ax.set_title(labels.indicator("balance"))
    ax.set_ylabel(labels.axis("balance"))

    ax = axes[1]
    draw_fan(ax, results, "fund_spending", labels)
    draw_fan(ax, results, "budget", labels, color="0.25", bands=False)
    ax.lines[-1].set_linestyle("--")
    ax.set_title(f"{labels.indicator('budget')} / {labels.indicator('fund_spending')}")
    ax.set_ylabel(labels.money_unit)

    ax = axes[2]
    for key, color in SETTLEMENT_KEYS:
        draw_fan(ax, results, key, labels, color=color, band90=False)  # three 90% bands would hide each other
    ax.axhline(0.0, color="0.3", linewidth=0.8)
    # one short title for the three series (the legend names them); long ones were clipped
    ax.set_title(fit_title(labels.word("settlement_split", surplus=labels.indicator("retained_surplus"))))
    ax.set_ylabel(labels.money_unit)

    for k, ax in enumerate(axes):
        ax.set_xlabel(labels.word("year"))
        fan_legend(ax, labels, band90=k < 2)
    return fig
