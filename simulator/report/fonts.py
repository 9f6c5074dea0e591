"""A CJK font for Chinese figure labels, and the style context figures are drawn in.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs: Chinese labels would render as
boxes. :func:`cjk_font` looks for an installed CJK family (Noto Sans CJK, Source Han Sans,
WenQuanYi, ...) through :mod:`matplotlib.font_manager`; :func:`figure_style` is the
``rc_context`` every report figure is created *and* saved in. Nothing here sets global
``rcParams``: a notebook that imports mcsim keeps its own style.
"""

from __future__ import annotations

import contextlib
import functools
import re
import warnings
from typing import Iterator

#: CJK families in order of preference (simplified Chinese first).
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Noto Sans CJK TC", "Noto Sans CJK JP",
    "Source Han Sans", "Noto Serif CJK SC", "Source Han Serif SC", "Microsoft YaHei", "SimHei",
    "PingFang SC", "Heiti SC", "Hiragino Sans GB", "Noto Sans CJK HK", "Noto Sans CJK KR",
)
# file names of CJK fonts, for a font cache built before the fonts were installed
_CJK_FILES = re.compile(r"(NotoSans(Mono)?CJK|NotoSerifCJK|NotoSansSC|SourceHan|wqy|WenQuanYi)", re.I)

#: fallback family after the CJK one (Latin glyphs, digits, minus sign)
LATIN_FAMILY = "DejaVu Sans"


class CJKFontWarning(UserWarning):
    """No CJK font is installed: a Chinese report falls back to English labels."""


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Family name of an installed CJK font, or None when there is none."""
    from matplotlib import font_manager

    found = _first_family(font_manager.fontManager)
    if found is None:
        # matplotlib's font list is cached on disk and misses fonts installed after it was
        # built: register CJK font files found on the system, then look again
        for path in font_manager.findSystemFonts():
            if _CJK_FILES.search(path):
                with contextlib.suppress(Exception):  # an unreadable font file is no font
                    font_manager.fontManager.addfont(path)
        found = _first_family(font_manager.fontManager)
    return found


def _first_family(manager) -> str | None:
    names = {entry.name for entry in manager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            return family
    return None


@functools.lru_cache(maxsize=1)
def _warn_missing_once() -> None:
    warnings.warn("no CJK font found (install fonts-noto-cjk or fonts-wqy-microhei); "
                  "the report's figures use English labels", CJKFontWarning, stacklevel=3)


def figure_lang(lang: str) -> str:
    """The language figures can be labelled in: ``lang``, or ``"en"`` for ``"zh"`` without a CJK font.

    Warns (once per process, :class:`CJKFontWarning`) when Chinese was asked for and no CJK font
    is installed.
    """
    if lang == "zh" and cjk_font() is None:
        _warn_missing_once()
        return "en"
    return lang


@contextlib.contextmanager
def figure_style(lang: str) -> Iterator[None]:
    """Temporary matplotlib settings for report figures (restored on exit).

    With ``lang == "zh"`` the text artists get the concrete families ``[CJK font, DejaVu Sans]``
    (not the generic ``sans-serif``, which would be looked up again in whatever rcParams are
    active when a notebook later draws the figure); DejaVu Sans fills in missing glyphs.
    """
    import matplotlib

    family = cjk_font() if lang == "zh" else None
    rc = {
        "font.family": [family, LATIN_FAMILY] if family else [LATIN_FAMILY],
        "font.size": 9.0,
        "axes.titlesize": 10.0,
        "axes.labelsize": 9.0,
        "legend.fontsize": 8.0,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 110,
        "savefig.dpi": 110,
    }
    with matplotlib.rc_context(rc):
        yield
