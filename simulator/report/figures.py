"""The report's figures: registry, shared helpers, PNG output.

Each figure is a function ``f(results, lang="en") -> matplotlib.figure.Figure``; :func:`all_figures`
lists them in report order under their file names (``figures/<name>.png``), :func:`report_figures`
those that apply to a run. Figures are plain :class:`~matplotlib.figure.Figure` objects (no pyplot
state, Agg rendering), created and saved inside :func:`~simulator.report.fonts.figure_style`, so
notebooks keep their own settings.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from simulator.report.fonts import figure_lang, figure_style
from simulator.report.labels import Labels

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulator.results import Results

DPI = 110

#: colours by tier (in-county: greens and blues; outside: oranges)
TIER_COLORS = ("#a6d96a", "#66bd63", "#1a9850", "#2c7fb8", "#fdae61", "#d7191c")
FAN_COLOR = "#2c7fb8"


def report_figure(draw: Callable[..., "Figure"]) -> Callable[..., "Figure"]:
    """Decorator: resolve the figure language (English without a CJK font), draw in the report style.

    The wrapped function receives ``(results, labels)`` and returns a Figure; the Figure keeps
    its language in ``fig.mcsim_lang`` for :func:`save_png`.
    """
    @functools.wraps(draw)
    def wrapper(results: "Results", lang: str = "en") -> "Figure":
        shown = figure_lang(lang)
        with figure_style(shown):
            fig = draw(results, Labels(shown))
        fig.mcsim_lang = shown
        return fig
    return wrapper


def new_figure(width: float, height: float) -> "Figure":
    """A pyplot-free figure (inches) with constrained layout."""
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), dpi=DPI, layout="constrained")


def png_bytes(fig: "Figure") -> bytes:
    """The figure as PNG bytes (~110 dpi), rendered in the style it was drawn in."""
    buffer = io.BytesIO()
    with figure_style(getattr(fig, "mcsim_lang", "en")):
        fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def save_png(fig: "Figure", path: Path) -> bytes:
    """Write the figure to ``path`` as PNG; return the bytes written."""
    data = png_bytes(fig)
    Path(path).write_bytes(data)
    return data


# ---------------------------------------------------------------------------------- helpers
def first_year(results: "Results") -> int:
    return int(results.worlds["year"].min())


def last_year(results: "Results") -> int:
    return int(results.worlds["year"].max())


def year_values(results: "Results", key: str, year: int) -> np.ndarray:
    """Values of indicator ``key`` across worlds in ``year``."""
    frame = results.worlds
    return frame.loc[frame["year"] == year, key].to_numpy(dtype=float)


def quantiles_by_year(results: "Results", key: str, qs: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Years and an array ``[len(qs), years]`` of quantiles of ``key`` across worlds."""
    grouped = results.worlds.groupby("year")[key]
    years = np.array(sorted(grouped.groups), dtype=int)
    table = np.array([[grouped.get_group(y).quantile(q) for y in years] for q in qs], dtype=float)
    return years, table


def integer_years(ax: Any, years: np.ndarray) -> None:
    ax.set_xticks(years)
    ax.set_xticklabels([str(y) for y in years])


def all_figures() -> dict[str, Callable[..., "Figure"]]:
    """Figure name -> function, in report order (imports the figure modules)."""
    from simulator.report.care import assessment_targets, tier_flows
    from simulator.report.fan import fan_chart
    from simulator.report.money import balance_histogram, fund_waterfall
    from simulator.report.variance import variance_shares_figure

    return {
        "fan_chart": fan_chart,
        "balance_rate_histogram": balance_histogram,
        "fund_waterfall": fund_waterfall,
        "tier_flows": tier_flows,
        "assessment_targets": assessment_targets,
        "variance_shares": variance_shares_figure,
    }


def report_figures(results: "Results") -> dict[str, Callable[..., "Figure"]]:
    """The figures of :func:`all_figures` that apply to ``results``: ``variance_shares`` only
    when the scenario draws uncertain parameters."""
    figures = all_figures()
    if not results.variance_factors():
        figures.pop("variance_shares")
    return figures
