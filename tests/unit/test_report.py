"""simulator.report: figures (PNG, labels from the indicator table, CJK font), report.html, mcsim report."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import matplotlib
import pytest
from click.testing import CliRunner
from matplotlib.text import Text

import simulator
from simulator.constants import TIER_LABELS_ZH
from simulator.errors import InputError
from simulator.indicators import BY_KEY, INDICATORS
from simulator.report import write_report
from simulator.report.figures import all_figures, png_bytes
from simulator.report.fonts import cjk_font
from simulator.payment.registry import REGISTRY
from simulator.report.labels import TIER_LABELS_EN, UNITS_ZH, Labels, number
from simulator.report.money import claims_by_group
from simulator.settlement.resolve import resolve_settlement

REFERENCE = Path(__file__).resolve().parents[2] / "scenarios" / "reference.toml"
PNG = b"\x89PNG\r\n\x1a\n"
MIN_PNG_BYTES = 8_000


@pytest.fixture(scope="module")
def results() -> simulator.Results:
    return simulator.run(REFERENCE, overrides=["population.size=5000", "scenario.years=2"],
                         replications=8, seed=3)


def _langs() -> list:
    reason = "no CJK font installed (apt-get install fonts-noto-cjk): Chinese figures fall back to English"
    return ["en", pytest.param("zh", marks=pytest.mark.skipif(cjk_font() is None, reason=reason))]


def _texts(fig) -> list[str]:
    """Every title, axis label and tick label of a figure."""
    out = [fig.get_suptitle()] if hasattr(fig, "get_suptitle") else []
    for ax in fig.axes:
        out += [ax.get_title(), ax.get_title("left"), ax.get_xlabel(), ax.get_ylabel()]
        out += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    return [t for t in out if t]


# ------------------------------------------------------------------------------------- figures
@pytest.mark.parametrize("lang", _langs())
@pytest.mark.parametrize("name", list(all_figures()))
def test_figure_is_a_non_empty_png(results, name, lang):
    data = png_bytes(all_figures()[name](results, lang))
    assert data.startswith(PNG)
    assert len(data) > MIN_PNG_BYTES


@pytest.mark.parametrize("lang", _langs())
def test_figure_labels_come_from_the_indicator_table(results, lang):
    figures = {name: draw(results, lang) for name, draw in all_figures().items()}
    texts = {name: " | ".join(_texts(fig)) for name, fig in figures.items()}
    for key in ("balance", "budget", "fund_spending", "retained_surplus"):
        assert BY_KEY[key].label(lang) in texts["fan_chart"], key
    assert BY_KEY["balance_rate"].label(lang) in texts["balance_rate_histogram"]
    for key in ("budget", "fund_spending", "fund_payout"):
        assert BY_KEY[key].label(lang) in texts["fund_waterfall"], key
    tiers = TIER_LABELS_ZH if lang == "zh" else TIER_LABELS_EN
    assert all(t in texts["tier_flows"] for t in tiers)
    _, indicators = resolve_settlement(results.scenario)
    assert indicators, "the reference scenario has assessment indicators"
    for ind in indicators:
        assert BY_KEY[ind.key].label(lang) in texts["assessment_targets"], ind.key


def test_english_figures_have_no_chinese(results):
    for name, draw in all_figures().items():
        text = " ".join(_texts(draw(results, "en")))
        assert not re.search(r"[\u4e00-\u9fff]", text.replace(results.scenario.name, "")), name


def test_chinese_figures_use_the_cjk_font(results):
    family = cjk_font()
    if family is None:
        pytest.skip("no CJK font installed (apt-get install fonts-noto-cjk or fonts-wqy-microhei)")
    from matplotlib import font_manager

    cjk_file = font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
    for name, draw in all_figures().items():
        fig = draw(results, "zh")
        chinese = [t for t in fig.findobj(Text) if re.search(r"[\u4e00-\u9fff]", t.get_text())]
        assert chinese, f"{name}: no Chinese text"
        for text in chinese:
            props = text.get_fontproperties()
            assert props.get_family()[0] == family, (name, text.get_text())
            assert font_manager.findfont(props) == cjk_file, (name, text.get_text())


def test_figures_leave_global_rcparams_alone(results):
    before = dict(matplotlib.rcParams)
    for draw in all_figures().values():
        png_bytes(draw(results, "zh" if cjk_font() else "en"))
    assert dict(matplotlib.rcParams) == before


def test_waterfall_claims_add_up_to_fund_spending(results):
    year = int(results.worlds["year"].min())
    total = sum(value for _, _, value in claims_by_group(results, year))
    spending = results.worlds.loc[results.worlds["year"] == year, "fund_spending"].mean()
    assert total == pytest.approx(spending, rel=1e-9)


def test_missing_cjk_font_falls_back_to_english_with_one_warning(results, monkeypatch):
    from simulator.report import fonts

    monkeypatch.setattr(fonts, "cjk_font", lambda: None)
    fonts._warn_missing_once.cache_clear()
    with pytest.warns(fonts.CJKFontWarning, match="no CJK font"):
        fig = all_figures()["fan_chart"](results, "zh")
    assert BY_KEY["balance"].en in _texts(fig)
    fonts._warn_missing_once.cache_clear()


# ------------------------------------------------------------------------------------- labels
def test_label_tables_cover_constants_and_units():
    assert all(Labels(lang).method(code) for code in REGISTRY.codes for lang in ("zh", "en"))
    assert {ind.unit for ind in INDICATORS} <= set(UNITS_ZH) | {"share", "share of budget", "yuan"}
    zh, en = Labels("zh"), Labels("en")
    assert zh.indicator("county_visit_share") == "县域内就诊率"
    assert en.unit("balance_rate") == "%" and zh.unit("budget") == "万元"
    with pytest.raises(ValueError):
        Labels("fr")


@pytest.mark.parametrize(("value", "text"), [(0.0, "0"), (12345.6, "12,346"), (52.14, "52.1"),
                                             (1.234, "1.23"), (0.01234, "0.0123"), (float("nan"), "–")])
def test_number_precision_suits_the_size(value, text):
    assert number(value) == text


# ------------------------------------------------------------------------------------- report
def _images(page: str) -> list[str]:
    return re.findall(r'<img\b[^>]*\bsrc="([^"]*)"', page)


def test_write_report_embeds_every_figure_and_links_nothing(results, tmp_path):
    write_report(results, tmp_path, figures=True, report=True, lang="en")
    files = sorted((tmp_path / "figures").glob("*.png"))
    assert [f.stem for f in files] == sorted(all_figures())
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    sources = _images(page)
    assert len(sources) == len(all_figures())
    embedded = {base64.b64decode(s.split(",", 1)[1]) for s in sources if s.startswith("data:image/png;base64,")}
    assert embedded == {f.read_bytes() for f in files}
    assert "http" not in page and 'src="http' not in page
    assert "<script" not in page.lower() and "<link" not in page.lower()
    for ind in INDICATORS:
        assert ind.en in page, ind.key
    for text in (results.scenario.name, str(results.seed), results.scenario_hash, simulator.__version__):
        assert text in page


def test_report_reads_in_chinese(results, tmp_path):
    write_report(results, tmp_path, figures=False, report=True, lang="zh")
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert not (tmp_path / "figures").exists()
    assert 'lang="zh-CN"' in page and "县域内就诊率" in page and "结果解读" in page
    assert len(_images(page)) == len(all_figures())


def test_write_report_rejects_an_unknown_language(results, tmp_path):
    with pytest.raises(InputError, match="output.lang"):
        write_report(results, tmp_path, figures=True, report=True, lang="fr")


def test_results_write_includes_report_and_figures(results, tmp_path):
    out = results.write(tmp_path / "run", lang="en")
    assert (out / "report.html").is_file()
    assert len(list((out / "figures").glob("*.png"))) == len(all_figures())


def test_narrative_is_computed_from_the_worlds(results):
    from simulator.report.narrative import reading

    year = int(results.worlds["year"].min())
    one = results.worlds[results.worlds["year"] == year]
    share = (one["fund_spending"] > one["budget"]).mean()
    lines = reading(results, "en")
    assert any(f"In {share:.0%} of worlds fund spending exceeds the budget in {year}" in s for s in lines)
    assert all(re.search(r"[\u4e00-\u9fff]", s) for s in reading(results, "zh"))


# ------------------------------------------------------------------------------------- mcsim report
def test_mcsim_report_rebuilds_in_another_language(results, tmp_path):
    from simulator.cli import mcsim

    out = results.write(tmp_path / "run", lang="en")
    assert 'lang="en"' in (out / "report.html").read_text(encoding="utf-8")
    lang = "zh" if cjk_font() else "en"
    result = CliRunner().invoke(mcsim, ["report", str(out), "--lang", lang])
    assert result.exit_code == 0, result.output
    page = (out / "report.html").read_text(encoding="utf-8")
    assert ('lang="zh-CN"' if lang == "zh" else 'lang="en"') in page
    assert len(list((out / "figures").glob("*.png"))) == len(all_figures())
    assert not [p for p in out.iterdir() if p.name.startswith(".")], "temporary files left behind"


@pytest.mark.parametrize("make", ["missing", "empty", "file"])
def test_mcsim_report_bad_folder_exits_2_naming_it(tmp_path, make):
    from simulator.cli import mcsim

    target = tmp_path / "not-results"
    if make == "empty":
        target.mkdir()
    elif make == "file":
        target.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(mcsim, ["report", str(target)])
    assert result.exit_code == 2
    assert str(target) in result.output
