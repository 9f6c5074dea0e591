"""A plain-language reading of the results, in Chinese or English.

Each sentence is computed from the worlds (never typed in): the chance that fund spending exceeds
the budget, the chance the fund pays beyond the budget after settlement and the tail of that
extra outlay (CVaR 95%), the median retained surplus as a share of the budget, where overspend
falls, the assessment score, and the assessment indicators against their targets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from simulator.report.labels import Labels

if TYPE_CHECKING:
    from simulator.results import Results

#: sentence templates: key -> (zh, en)
SENTENCES: dict[str, tuple[str, str]] = {
    "spending": ("{year}年医保基金支出中位数为预算的{ratio:.1%}(90%的模拟世界在{lo:.1%}至{hi:.1%}之间)。",
                 "In {year}, median fund spending is {ratio:.1%} of the budget (90% of worlds between "
                 "{lo:.1%} and {hi:.1%})."),
    "overspend": ("{year}年有{p:.0%}的模拟世界基金支出超过预算;结算后基金实际拨付超过预算的世界占{q:.0%}。",
                  "In {p:.0%} of worlds fund spending exceeds the budget in {year}; after settlement "
                  "the fund pays beyond the budget in {q:.0%} of worlds."),
    "tail": ("在最差的5%世界中,基金超出预算的平均额外支出为{cvar}。",
             "In the worst 5% of worlds the fund's extra outlay beyond the budget averages {cvar}."),
    "surplus": ("结余留用中位数为预算的{median:.1%};医共体承担超支的世界占{borne:.0%}。",
                "Median retained surplus is {median:.1%} of the budget; the community bears part of an "
                "overspend in {borne:.0%} of worlds."),
    "last_year": ("到{year}年,基金支出超过预算的概率为{p:.0%},结余留用中位数为预算的{median:.1%}。",
                  "By {year}, the chance that fund spending exceeds the budget is {p:.0%} and the median "
                  "retained surplus is {median:.1%} of the budget."),
    "score": ("考核得分均值为{mean:.1f}分;低于合格线{pass_score:g}分的世界占{below:.0%}。",
              "The mean assessment score is {mean:.1f} points; {below:.0%} of worlds score below the "
              "pass mark of {pass_score:g}."),
    "target": ("{label}均值为{mean}{unit}(目标{sign}{target}{unit}),{met:.0%}的世界达标。",
               "{label} averages {mean}{unit} (target {sign} {target}{unit}); {met:.0%} of worlds meet it."),
}


def _say(labels: Labels, key: str, **values: Any) -> str:
    zh, en = SENTENCES[key]
    return (zh if labels.zh else en).format(**values)


def reading(results: "Results", lang: str = "en") -> list[str]:
    """Sentences describing the results (year 1, the last year, the assessment)."""
    from simulator.report.money import settlement_rules

    labels = Labels(lang)
    worlds = results.worlds
    years = sorted(int(y) for y in worlds["year"].unique())
    first, last = years[0], years[-1]
    one = worlds[worlds["year"] == first]
    budget = one["budget"].to_numpy(float)
    ratio = one["fund_spending"].to_numpy(float) / budget
    out = [_say(labels, "spending", year=first, ratio=float(np.median(ratio)),
                lo=float(np.quantile(ratio, 0.05)), hi=float(np.quantile(ratio, 0.95)))]
    over = float(np.mean(one["fund_spending"] > one["budget"]))
    beyond = float(np.mean(one["fund_payout"] > one["budget"]))
    out.append(_say(labels, "overspend", year=first, p=over, q=beyond))
    risk = results.risk().set_index("year")
    if beyond > 0:
        out.append(_say(labels, "tail", cvar=labels.money(float(risk.loc[first, "overspend_cvar95"]))))
    out.append(_say(labels, "surplus",
                    median=float(np.median(one["retained_surplus"].to_numpy(float) / budget)),
                    borne=float(np.mean(one["community_borne_overspend"] > 0))))
    if last != first:
        end = worlds[worlds["year"] == last]
        out.append(_say(labels, "last_year", year=last, p=float(risk.loc[last, "prob_overspend"]),
                        median=float(np.median(end["retained_surplus"] / end["budget"]))))
    rules, indicators = settlement_rules(results)
    if indicators:
        score = one["assessment_score"].to_numpy(float)
        out.append(_say(labels, "score", mean=float(np.mean(score)),
                        pass_score=rules.assessment.pass_score,
                        below=float(np.mean(score < rules.assessment.pass_score))))
    for ind in indicators:
        values = one[ind.key].to_numpy(float)
        met = values >= ind.target if ind.direction == "at_least" else values <= ind.target
        out.append(_say(labels, "target", label=labels.indicator(ind.key),
                        mean=labels.value(ind.key, float(np.nanmean(values))), unit=labels.unit(ind.key),
                        sign="≥" if ind.direction == "at_least" else "≤",
                        target=labels.value(ind.key, ind.target), met=float(np.mean(met))))
    return out
