"""Figure layout, measured with matplotlib's renderer: every title fits inside its figure, the
compare legend covers no panel title, the waterfall's settlement steps are visible, and a
disabled tier appears in no legend, heat map or table of the report."""

from __future__ import annotations

from pathlib import Path

import pytest

import simulator
from simulator.report.care import tier_flows
from simulator.report.compare import compare_results, comparison_figure
from simulator.report.design import design_table
from simulator.report.fonts import cjk_font
from simulator.report.labels import Labels
from simulator.report.money import fund_waterfall
from simulator.report.points import margin_table
from simulator.report.figures import all_figures

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"
SMALL = ["population.size=5000", "scenario.years=2"]
SUBCENTER = 2


@pytest.fixture(scope="module")
def results() -> simulator.Results:
    return simulator.run(REFERENCE, overrides=SMALL, replications=6, seed=3)


@pytest.fixture(scope="module")
def no_subcenter() -> simulator.Results:
    return simulator.run(REFERENCE, overrides=SMALL + ["tiers.enabled[2]=false"], replications=6, seed=3)


def _langs() -> list:
    reason = "no CJK font installed: Chinese figures fall back to English"
    return ["en", pytest.param("zh", marks=pytest.mark.skipif(cjk_font() is None, reason=reason))]


def _rendered(fig):
    """The figure drawn as it is saved (Agg, its own style, layout resolved) and its renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from simulator.report.fonts import figure_style

    canvas = FigureCanvasAgg(fig)
    with figure_style(getattr(fig, "mcsim_lang", "en")):
        canvas.draw()
    return canvas.get_renderer()


def _titles(fig) -> list:
    out = [fig._suptitle] if fig._suptitle is not None else []
    for ax in fig.axes:
        out += [t for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]
    return out


def _outside(fig) -> list[str]:
    renderer = _rendered(fig)
    box = fig.bbox
    bad = []
    for text in _titles(fig):
        b = text.get_window_extent(renderer)
        if b.x0 < box.x0 - 0.5 or b.x1 > box.x1 + 0.5 or b.y0 < box.y0 - 0.5 or b.y1 > box.y1 + 0.5:
            bad.append(text.get_text())
    return bad


@pytest.mark.parametrize("lang", _langs())
@pytest.mark.parametrize("name", list(all_figures()))
def test_every_title_fits_inside_its_figure(results, name, lang):
    fig = all_figures()[name](results, lang)
    assert not _outside(fig), f"{name} ({lang}): titles cut at the edge: {_outside(fig)}"


def test_the_fit_check_catches_a_clipped_title(results):
    fig = all_figures()["fan_chart"](results, "en")
    fig.axes[2].set_title("Retained surplus / Overspend shared by the fund / Overspend borne by the community")
    assert _outside(fig)  # the test can fail: a long one-line title runs past the edge


@pytest.mark.parametrize("lang", _langs())
def test_compare_legend_covers_no_panel_title(results, no_subcenter, lang):
    table = compare_results([results, no_subcenter], ["reference", "no-subcenter"])
    fig = comparison_figure(table, lang)
    renderer = _rendered(fig)
    legend = fig.legends[0].get_window_extent(renderer)
    for text in _titles(fig):
        assert not legend.overlaps(text.get_window_extent(renderer)), text.get_text()
    for ax in fig.axes:
        if ax.axison:
            assert not legend.overlaps(ax.get_window_extent(renderer))


@pytest.mark.parametrize("lang", _langs())
def test_waterfall_settlement_steps_are_visible_in_the_zoom(results, lang):
    fig = fund_waterfall(results, lang)
    main, zoom = fig.axes
    low, high = zoom.get_ylim()
    assert low > 0  # a broken axis: the zoom does not start at 0
    steps = [p for p in zoom.patches if abs(p.get_height()) > 0][1:-1]  # between spending and payout
    assert steps, "no settlement step in the zoom panel"
    span = high - low
    main_span = main.get_ylim()[1] - main.get_ylim()[0]
    for bar in steps:  # each step is a visible share of the zoom, however small of the main scale
        assert abs(bar.get_height()) / span > 0.02
    assert max(abs(p.get_height()) for p in steps) / main_span < 0.05  # why the zoom is needed


@pytest.mark.parametrize("lang", _langs())
def test_a_disabled_tier_is_in_no_legend_or_heat_map(no_subcenter, lang):
    labels = Labels(lang if lang != "zh" or cjk_font() else "en")
    name = labels.tier(SUBCENTER)
    fig = tier_flows(no_subcenter, lang)
    left, right = fig.axes[0], fig.axes[1]
    legend = [t.get_text() for t in left.get_legend().get_texts()]
    assert name not in legend and labels.tier(1) in legend
    ticks = [t.get_text() for t in right.get_xticklabels() + right.get_yticklabels()]
    assert name not in ticks and labels.tier(3) in ticks
    assert right.images[0].get_array().shape == (5, 5)


def test_an_enabled_tier_is_in_the_legend(results):
    legend = [t.get_text() for t in tier_flows(results, "en").axes[0].get_legend().get_texts()]
    assert Labels("en").tier(SUBCENTER) in legend


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_design_and_margin_tables_leave_a_disabled_tier_out(results, no_subcenter, lang):
    labels = Labels(lang)
    name = labels.tier(SUBCENTER)
    assert name in design_table(results, labels) and name not in design_table(no_subcenter, labels)
    assert name in margin_table(results, labels) and name not in margin_table(no_subcenter, labels)
    from simulator.report.design import limit_rows

    assert name in dict(limit_rows(no_subcenter, labels))[labels.zh and "机构层级" or "Tiers"]


def test_settings_show_payment_methods_and_benefits_per_tier(results):
    from simulator.report.html import render_html

    page = render_html(results, {}, "zh")
    s = results.scenario
    assert "支付方式与待遇" in page and "住院封顶线" in page
    methods = {Labels("zh").method(getattr(s.payment, service)[t]) for service in ("outpatient", "inpatient")
               for t in range(6)}
    assert all(m in page for m in methods)
    ip = s.benefits.resident.inpatient
    assert f"{ip.deductible[3]:,.0f} / {ip.fund_share[3]:.0%}" in page
