"""Figures of where care goes and how the community scores.

* :func:`tier_flows` — left: shares of visits (outpatient + chronic care) and admissions
  (inpatient + long stay) by tier in year 1, in-county tiers first; right: the referral matrix
  (from-tier → to-tier, mean transfers per world in year 1) from ``results.referrals``.
* :func:`assessment_targets` — one panel per assessment indicator of the scenario: mean and the
  90% range across worlds in year 1 and the last year, against the target (full credit) and the
  tolerance band (partial credit, linear to 0).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from simulator.constants import IN_COUNTY_TIERS, N_TIERS, TIER_NAMES
from simulator.report.figures import TIER_COLORS, first_year, last_year, new_figure, report_figure, year_values

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from simulator.report.labels import Labels
    from simulator.results import Results

SERVICE_GROUPS = (("visits", ("outpatient", "chronic")), ("admissions", ("inpatient", "long_stay")))


def episodes_by_tier(results: "Results", year: int) -> dict[str, np.ndarray]:
    """Mean episodes per world in ``year`` by tier, for visits and admissions (arrays of N_TIERS)."""
    flows = results.flows[results.flows["year"] == year]
    n_worlds = max(int(flows["world"].nunique()), 1)
    out = {}
    for group, services in SERVICE_GROUPS:
        part = flows[flows["service"].astype(str).isin(services)]
        by_tier = part.groupby(part["tier"].astype(str))["episodes"].sum()
        out[group] = np.array([by_tier.get(name, 0.0) for name in TIER_NAMES], dtype=float) / n_worlds
    return out


def referral_matrix(results: "Results", year: int) -> np.ndarray:
    """Mean transfers per world in ``year``, ``[from_tier, to_tier]``."""
    matrix = np.zeros((N_TIERS, N_TIERS))
    refs = results.referrals
    n_worlds = max(int(results.worlds.loc[results.worlds["year"] == year, "world"].nunique()), 1)
    if len(refs):
        part = refs[refs["year"] == year]
        for (src, dst), count in part.groupby([part["from_tier"].astype(str),
                                               part["to_tier"].astype(str)])["count"].sum().items():
            matrix[TIER_NAMES.index(src), TIER_NAMES.index(dst)] = count / n_worlds
    return matrix


def enabled_tiers(results: "Results") -> list[int]:
    """Tier codes the scenario enables (a disabled tier has no care: legends and the heat map
    leave it out)."""
    return [t for t, on in enumerate(results.scenario.tiers.enabled) if on]


@report_figure
def tier_flows(results: "Results", labels: "Labels") -> "Figure":
    """Stacked shares of visits and admissions by tier, and the from→to referral heatmap."""
    year = first_year(results)
    tiers = enabled_tiers(results)
    fig = new_figure(11.0, 4.2)
    left, right = fig.subplots(1, 2, width_ratios=[1.25, 1.0])

    episodes = episodes_by_tier(results, year)
    rows = [labels.word(group) for group, _ in SERVICE_GROUPS]
    for row, (group, _) in enumerate(SERVICE_GROUPS):
        counts = episodes[group]
        shares = counts / counts.sum() * 100 if counts.sum() > 0 else counts
        start = 0.0
        for tier in tiers:
            left.barh(row, shares[tier], left=start, color=TIER_COLORS[tier], height=0.6,
                      label=labels.tier(tier) if row == 0 else None)
            if shares[tier] >= 6:
                left.text(start + shares[tier] / 2, row, f"{shares[tier]:.0f}%", ha="center",
                          va="center", fontsize=7, color="white" if tier in (2, 3, 5) else "black")
            start += shares[tier]
        inside = shares[list(IN_COUNTY_TIERS)].sum()
        left.text(101, row, f"{labels.word('in_county')} {inside:.1f}%\n"
                  f"{labels.word('out_of_county')} {100 - inside:.1f}%", va="center", fontsize=7)
    left.set_yticks(range(len(rows)))
    left.set_yticklabels(rows)
    left.invert_yaxis()
    left.set_xlim(0, 125)
    left.set_xticks([0, 25, 50, 75, 100])
    left.set_xlabel(f"{labels.word('share_of_episodes')} (%)")
    left.set_title(f"{labels.word('tier_flows')} — {year}")
    left.legend(loc="upper center", bbox_to_anchor=(0.45, -0.18), ncol=3, frameon=False, fontsize=7)

    matrix = referral_matrix(results, year)[np.ix_(tiers, tiers)]
    image = right.imshow(matrix, cmap="Blues", aspect="auto")
    for i in range(len(tiers)):
        for j in range(len(tiers)):
            if matrix[i, j] > 0:
                dark = matrix[i, j] > 0.6 * matrix.max()
                right.text(j, i, f"{matrix[i, j]:,.0f}" if matrix[i, j] >= 10 else f"{matrix[i, j]:.1f}", ha="center", va="center", fontsize=7,
                           color="white" if dark else "black")
    names = [labels.tier(t) for t in tiers]
    right.set_xticks(range(len(tiers)))
    right.set_xticklabels(names, rotation=35, ha="right", fontsize=7)
    right.set_yticks(range(len(tiers)))
    right.set_yticklabels(names, fontsize=7)
    right.set_xlabel(labels.word("referral_to"))
    right.set_ylabel(labels.word("referral_from"))
    right.set_title(f"{labels.word('referrals')} — {year}")
    right.spines[["top", "right"]].set_visible(True)
    fig.colorbar(image, ax=right, label=labels.word("referrals_per_world"), shrink=0.85)
    return fig


@report_figure
def assessment_targets(results: "Results", labels: "Labels") -> "Figure":
    """Assessment indicators: mean and 90% range of worlds vs target and tolerance band."""
    from simulator.report.money import settlement_rules

    _, indicators = settlement_rules(results)
    if not indicators:
        fig = new_figure(6.0, 1.5)
        ax = fig.subplots()
        ax.axis("off")
        ax.text(0.5, 0.5, labels.word("no_assessment"), ha="center", va="center")
        return fig
    years = sorted({first_year(results), last_year(results)})
    fig = new_figure(8.0, 1.0 + 1.25 * len(indicators))
    axes = np.atleast_1d(fig.subplots(len(indicators), 1, squeeze=False)[:, 0])
    for ax, ind in zip(axes, indicators):
        scale = labels.scale(ind.key)
        target, tol = ind.target / scale, ind.tolerance / scale
        edge = target - tol if ind.direction == "at_least" else target + tol
        ax.axvspan(min(target, edge), max(target, edge), color="#fee08b", alpha=0.6, linewidth=0,
                   label=labels.word("tolerance"))
        ax.axvline(target, color="#1a9850", linewidth=2, label=labels.word("target"))
        low_all, high_all = [min(target, edge)], [max(target, edge)]
        for row, year in enumerate(years):
            values = year_values(results, ind.key, year) / scale
            values = values[np.isfinite(values)]
            if not values.size:
                continue
            mean, low, high = values.mean(), np.quantile(values, 0.05), np.quantile(values, 0.95)
            ax.errorbar([mean], [row], xerr=[[mean - low], [high - mean]], fmt="o", color="#08519c",
                        capsize=4, label=labels.word("interval90") if row == 0 else None)
            low_all.append(low)
            high_all.append(high)
        span = max(high_all) - min(low_all) or 1.0
        ax.set_xlim(min(low_all) - 0.1 * span, max(high_all) + 0.1 * span)
        ax.set_yticks(range(len(years)))
        ax.set_yticklabels([str(y) for y in years])
        ax.set_ylim(-0.6, len(years) - 0.4)
        sign = "≥" if ind.direction == "at_least" else "≤"
        ax.set_title(f"{labels.indicator(ind.key)} {sign} {labels.value(ind.key, ind.target)}"
                     f"{labels.unit(ind.key)}  ({labels.word('weight')} {ind.weight:g})",
                     loc="left", fontsize=9)
        ax.set_xlabel(labels.unit(ind.key), fontsize=8)
    axes[0].legend(loc="upper right", bbox_to_anchor=(1.0, 1.45), ncol=3, frameon=False, fontsize=7)
    return fig
