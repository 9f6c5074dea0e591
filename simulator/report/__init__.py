"""Results people can read and share: figures (``figures/*.png``) and ``report.html``.

:func:`write_report` is what :meth:`simulator.results.Results.write` and ``mcsim report`` call.
Modules: :mod:`.labels` (zh/en labels from the indicator table and constants), :mod:`.fonts`
(a CJK font, the figure style context), :mod:`.figures` (registry and PNG output), :mod:`.fan`,
:mod:`.money`, :mod:`.care`, :mod:`.variance` (the figures; :mod:`.variance` also the section on
where the variance comes from), :mod:`.narrative` (plain-language reading), :mod:`.precision`
(the risk table with standard errors), :mod:`.points` (point values and providers' margins),
:mod:`.html` (the page) and :mod:`.compare` (runs side
by side, ``mcsim compare``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from simulator.results import Results

__all__ = ["write_report"]


def write_report(results: "Results", folder: Path, *, figures: bool, report: bool, lang: str) -> None:
    """Write ``figures/*.png`` (when ``figures``) and ``report.html`` (when ``report``) into ``folder``.

    Parameters
    ----------
    results : the run's results.
    folder : an existing folder (``Results.write`` passes its temporary folder).
    figures, report : which outputs to write.
    lang : ``"zh"`` or ``"en"``. Chinese figures need a CJK font; without one they fall back to
        English labels with a :class:`~simulator.report.fonts.CJKFontWarning` (the page itself
        stays Chinese: browsers bring their own fonts).
    """
    from simulator.report.figures import png_bytes, report_figures
    from simulator.report.labels import LANGS

    if lang not in LANGS:
        from simulator.errors import InputError, Problem

        raise InputError(Problem("output.lang", f"must be one of {list(LANGS)}, got {lang!r}"))
    if not (figures or report):
        return
    folder = Path(folder)
    images = {name: png_bytes(draw(results, lang)) for name, draw in report_figures(results).items()}
    if figures:
        target = folder / "figures"
        target.mkdir(parents=True, exist_ok=True)
        for name, data in images.items():
            (target / f"{name}.png").write_bytes(data)
    if report:
        from simulator.report.html import render_html

        (folder / "report.html").write_text(render_html(results, images, lang), encoding="utf-8")
