"""Figures of the fund's money in year 1: the balance-rate distribution and the waterfall.

* :func:`balance_histogram` — year-1 ``balance_rate`` across worlds, over the scenario's
  settlement bands (``docs/settlement.md``): surplus bands on positive balance rates (shaded by
  the share the community keeps), overspend bands on negative ones (shaded by the share the fund
  bears), minimum rates as dotted lines.
* :func:`fund_waterfall` — budget, then the fund's claims by tier group and payment method adding
  up to fund spending S, then the settlement steps to the fund payout:
  payout = S + R − L − U (R retained surplus, L overspend borne by the community, U withhold not
  released; the overspend the fund shares, F, is already part of S above the budget).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.constants import COUNTY, PRIMARY_TIERS, SERVICE_NAMES, TIER_NAMES
from simulator.report.figures import first_year, new_figure, report_figure, year_values

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulator.report.labels import Labels
    from simulator.results import Results

SURPLUS_COLOR = "#1a9850"
OVERSPEND_COLOR = "#d7191c"
CLAIM_COLORS = {"primary": "#66bd63", "county": "#2c7fb8", "outside": "#fdae61"}


def settlement_rules(results: "Results") -> tuple[Any, list[Any]]:
    """The scenario's resolved settlement rules and assessment indicators."""
    model = results.prepared
    return model.rules, list(model.indicators)


def band_edges(bands: Any) -> list[tuple[float, float, float]]:
    """Bands as ``(lower, upper, share)`` rates (upper may be inf)."""
    out, lower = [], 0.0
    for band in bands:
        share = band.retain if hasattr(band, "retain") else band.fund_share
        out.append((lower, band.upto, share))
        lower = band.upto
    return out


@report_figure
def balance_histogram(results: "Results", labels: "Labels") -> "Figure":
    """Histogram of year-1 balance rate (%) across worlds, with the settlement bands behind it."""
    from matplotlib.ticker import MaxNLocator
    from matplotlib.transforms import blended_transform_factory

    rules, _ = settlement_rules(results)
    year = first_year(results)
    rates = year_values(results, "balance_rate", year)
    surplus, overspend = band_edges(rules.surplus.bands), band_edges(rules.overspend.bands)
    finite = [u for _, u, _ in surplus + overspend if math.isfinite(u)]
    reach = max(finite, default=0.1)
    lo = min(float(np.nanmin(rates)), -reach) if rates.size else -reach
    hi = max(float(np.nanmax(rates)), reach) if rates.size else reach
    pad = 0.06 * (hi - lo)
    lo, hi = lo - pad, hi + pad

    fig = new_figure(8.0, 4.0)
    ax = fig.subplots()
    text_at = blended_transform_factory(ax.transData, ax.transAxes)
    for sign, edges, color, word in ((1, surplus, SURPLUS_COLOR, "surplus_band"),
                                     (-1, overspend, OVERSPEND_COLOR, "overspend_band")):
        for lower, upper, share in edges:
            a, b = sign * lower * 100, sign * min(upper, 10.0) * 100
            ax.axvspan(min(a, b), max(a, b), color=color, alpha=0.06 + 0.3 * share, linewidth=0)
            visible = min(upper, hi if sign > 0 else -lo)  # the part of the band inside the axes
            middle = (lower + visible) / 2 * sign * 100
            if visible > lower:
                ax.text(middle, 0.97, labels.word(word, share=share), transform=text_at, rotation=90,
                        ha="center", va="top", fontsize=7, color="0.2")
    for rate, sign in ((rules.surplus.min_rate, 1), (rules.overspend.min_rate, -1)):
        if rate > 0:
            ax.axvline(sign * rate * 100, color="0.2", linestyle=":", linewidth=1)
            ax.text(sign * rate * 100, 0.5, labels.word("min_rate"), transform=text_at, rotation=90,
                    ha="right", va="center", fontsize=7)
    bins = np.linspace(lo * 100, hi * 100, 41)
    counts, _, _ = ax.hist(rates * 100, bins=bins, color="0.25", alpha=0.85)
    ax.set_ylim(0, max(float(np.max(counts)), 1.0) * 1.45)  # headroom for the band labels
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.axvline(0.0, color="black", linewidth=0.8)
    ax.set_xlim(lo * 100, hi * 100)
    ax.set_xlabel(labels.axis("balance_rate"))
    ax.set_ylabel(labels.word("worlds"))
    ax.set_title(f"{labels.indicator('balance_rate')} — {year} ({rules.name})")
    return fig


def claims_by_group(results: "Results", year: int) -> list[tuple[str, str, float]]:
    """Mean fund payment per world in ``year`` by tier group and payment method (non-zero only)."""
    flows = results.flows[results.flows["year"] == year]
    payment = results.scenario.payment
    groups = {t: ("primary" if t in PRIMARY_TIERS else "county" if t == COUNTY else "outside")
              for t in range(len(TIER_NAMES))}
    methods = {(TIER_NAMES[t], s): getattr(payment, s)[t]
               for s in SERVICE_NAMES for t in range(len(TIER_NAMES))}
    n_worlds = max(int(results.worlds.loc[results.worlds["year"] == year, "world"].nunique()), 1)
    totals = flows.groupby(["tier", "service"], observed=True)["payment"].sum()
    out: dict[tuple[str, str], float] = {}
    for (tier, service), value in totals.items():
        key = (groups[TIER_NAMES.index(str(tier))], methods[(str(tier), str(service))])
        out[key] = out.get(key, 0.0) + float(value) / n_worlds
    from simulator.payment.registry import REGISTRY

    order = [(g, m) for g in ("primary", "county", "outside") for m in REGISTRY.codes]
    return [(g, m, out[(g, m)]) for g, m in order if abs(out.get((g, m), 0.0)) > 0.0]


@report_figure
def fund_waterfall(results: "Results", labels: "Labels") -> "Figure":
    """Year-1 waterfall: budget, claims by tier group × payment method, settlement, fund payout."""
    year = first_year(results)
    mean = {k: float(np.mean(year_values(results, k, year))) for k in
            ("budget", "fund_spending", "retained_surplus", "fund_shared_overspend",
             "community_borne_overspend", "withheld_unreleased", "fund_payout")}
    scale = labels.money_scale
    steps: list[tuple[str, float, float, str]] = [("budget", 0.0, mean["budget"], "0.55")]  # label, bottom, height
    level = 0.0
    for group, method, value in claims_by_group(results, year):
        steps.append((f"{labels.word(group)}·{labels.method(method)}", level, value, CLAIM_COLORS[group]))
        level += value
    steps.append(("fund_spending", 0.0, level, "#08519c"))
    for key, sign, color in (("retained_surplus", 1, SURPLUS_COLOR),
                             ("community_borne_overspend", -1, OVERSPEND_COLOR),
                             ("withheld_unreleased", -1, OVERSPEND_COLOR)):
        value = mean[key]
        if value > 1e-9 * max(mean["budget"], 1.0):
            steps.append((key, level, sign * value, color))
            level += sign * value
    steps.append(("fund_payout", 0.0, level, "#54278f"))

    names = [labels.indicator(n) if n in ("budget", "fund_spending", "retained_surplus",
                                          "community_borne_overspend", "withheld_unreleased",
                                          "fund_payout") else n for n, *_ in steps]
    fig = new_figure(12.0, 4.8)
    ax, zoom = fig.subplots(1, 2, width_ratios=[3.4, 1.0])
    _bars(ax, steps, names, labels)
    ax.axhline(mean["budget"] / scale, color="0.3", linestyle="--", linewidth=0.8)
    tops = [(b + max(h, 0.0)) / scale for _, b, h, _ in steps]
    if max(tops) > 0:
        ax.set_ylim(top=max(tops) * 1.1)  # headroom: the value labels stay below the title
    title = labels.word("waterfall", year=year)
    if mean["fund_shared_overspend"] > 0:  # part of fund spending above the budget, not a step
        title += (f"\n{labels.indicator('fund_shared_overspend')}: "
                  f"{labels.money(mean['fund_shared_overspend'])}")
    ax.set_ylabel(labels.money_unit)
    ax.set_title(title)

    # the settlement steps are a few per cent of the budget: invisible on the main scale, so a
    # second panel shows fund spending -> fund payout on an axis that does not start at 0
    first = next(i for i, (n, *_) in enumerate(steps) if n == "fund_spending")
    part = steps[first:]
    _bars(zoom, part, names[first:], labels)
    ends = [v / scale for _, b, h, _ in part[1:-1] for v in (b, b + h)]
    ends += [part[0][2] / scale, part[-1][2] / scale, mean["budget"] / scale]
    lo, hi = min(ends), max(ends)
    pad = max(0.25 * (hi - lo), 0.002 * abs(hi), 1e-9)
    zoom.set_ylim(lo - pad, hi + pad)
    zoom.axhline(mean["budget"] / scale, color="0.3", linestyle="--", linewidth=0.8)
    zoom.set_title(labels.word("settlement_zoom"), fontsize=9)
    zoom.set_xlabel(labels.word("axis_not_zero"), fontsize=7, color="0.35")
    _break_marks(zoom)
    return fig


def _bars(ax: Any, steps: list[tuple[str, float, float, str]], names: list[str], labels: "Labels") -> None:
    """The waterfall's bars with their values; totals (from 0) unsigned, steps signed."""
    scale = labels.money_scale
    x = np.arange(len(steps))
    bottoms = np.array([b for _, b, _, _ in steps]) / scale
    heights = np.array([h for _, _, h, _ in steps]) / scale
    ax.bar(x, heights, bottom=bottoms, color=[c for *_, c in steps], width=0.7)
    for i, (name, bottom, height) in enumerate(zip((n for n, *_ in steps), bottoms, heights)):
        total = name in ("budget", "fund_spending", "fund_payout")
        ax.text(i, bottom + max(height, 0.0), f"{height:,.1f}" if total else f"{height:+,.1f}",
                ha="center", va="bottom", fontsize=7, clip_on=True)
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=35, ha="right")


def _break_marks(ax: Any) -> None:
    """Two short diagonal strokes on the left axis near the bottom: the axis is broken there."""
    kw = dict(transform=ax.transAxes, color="0.2", clip_on=False, linewidth=1.0)
    for dy in (0.0, 0.025):
        ax.plot([-0.04, 0.04], [0.03 + dy, 0.06 + dy], **kw)
