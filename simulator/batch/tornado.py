"""Tornado chart of a one-at-a-time sweep: which parameter moves an indicator most.

For each OAT parameter, the effect of its low and of its high value is the mean of the
indicator (over counties, worlds and years) in that variant minus the mean in the ``base``
variant. Common random numbers make these differences free of sampling noise between variants.
Bars are ranked by the swing |high − low|, largest on top.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.indicators import BY_KEY, label

def oat_effects(frame: Any, sweep: Any, metric: str = "balance_rate") -> Any:
    """Per OAT parameter: base, low and high means of ``metric`` and the effects, ranked.

    Returns a frame with columns ``key``, ``low_value``, ``high_value``, ``base``, ``low``,
    ``high``, ``low_effect``, ``high_effect``, ``swing`` (largest swing first).
    """
    import pandas as pd

    means = frame.groupby("variant", observed=True)[metric].mean()
    base = next((v for v in sweep.variants if v.kind == "base"), None)
    if base is None or base.id not in means.index:
        return pd.DataFrame(columns=["key", "low_value", "high_value", "base", "low", "high",
                                     "low_effect", "high_effect", "swing"])
    centre = float(means[base.id])
    rows: dict[str, dict[str, Any]] = {}
    for v in sweep.variants:
        if v.oat is None or v.id not in means.index:
            continue
        key, side = v.oat
        row = rows.setdefault(key, {"key": key, "base": centre})
        row[f"{side}_value"] = v.params[0][1]
        row[side] = float(means[v.id])
        row[f"{side}_effect"] = float(means[v.id]) - centre
    table = pd.DataFrame([r for r in rows.values() if "low" in r and "high" in r])
    if table.empty:
        return table
    table["swing"] = (table["high"] - table["low"]).abs()
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def tornado_chart(effects: Any, path: str | Path, *, metric: str = "balance_rate",
                  lang: str = "en") -> Path:
    """Draw ``effects`` (from :func:`oat_effects`) as a tornado chart PNG at ``path``, in the
    report's figure style (Chinese labels only where a CJK font is installed)."""
    from simulator.atomic import write_atomic
    from simulator.report.figures import new_figure, png_bytes
    from simulator.report.fonts import figure_lang, figure_style

    lang = figure_lang(lang)
    name = label(metric, lang)
    unit = BY_KEY[metric].unit if metric in BY_KEY else ""
    rows = effects.iloc[::-1]  # largest swing at the top
    with figure_style(lang):
        fig = new_figure(8, 1.2 + 0.5 * max(len(rows), 1))
        ax = fig.add_subplot()
        y = range(len(rows))
        ax.barh(list(y), rows["low_effect"], color="#4C72B0", label="low" if lang == "en" else "低值")
        ax.barh(list(y), rows["high_effect"], color="#DD8452", label="high" if lang == "en" else "高值")
        ax.set_yticks(list(y))
        ax.set_yticklabels([f"{r.key}\n({_fmt(r.low_value)} → {_fmt(r.high_value)})" for r in rows.itertuples()],
                           fontsize=8)
        ax.axvline(0.0, color="black", linewidth=0.8)
        base = float(effects["base"].iloc[0]) if len(effects) else float("nan")
        if lang == "zh":
            ax.set_xlabel(f"{name}相对基准的变化（基准 {base:.4g}，{unit}）")
            ax.set_title(f"单因素敏感性分析：{name}")
        else:
            ax.set_xlabel(f"Change in {name} from base ({base:.4g}; {unit})")
            ax.set_title(f"One-at-a-time sensitivity: {name}")
        ax.legend(loc="lower right", fontsize=8)
    fig.mcsim_lang = lang
    path = Path(path)
    write_atomic(path, png_bytes(fig))
    return path


def _fmt(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)
