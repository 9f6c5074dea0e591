"""report.html renders in headless Chromium; every image is an embedded, valid PNG; nothing is fetched.

The screenshot is kept at ``tests/artifacts/report_screenshot.png`` (git-ignored) for a person to
look at. Skipped where Chromium is not installed.
"""

from __future__ import annotations

import base64
import io
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

import simulator
from simulator.report import write_report
from simulator.report.figures import all_figures
from simulator.report.fonts import cjk_font

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "scenarios" / "reference.toml"
SCREENSHOT = REPO / "tests" / "artifacts" / "report_screenshot.png"
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def _chromium() -> str | None:
    fixed = Path("/usr/bin/chromium")
    if fixed.is_file():
        return str(fixed)
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


class _Page(HTMLParser):
    """Collects the attributes of the page that could reference something."""

    def __init__(self) -> None:
        super().__init__()
        self.images: list[str | None] = []
        self.references: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.tags: set[str] = set()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        values = dict(attrs)
        if tag == "img":
            self.images.append(values.get("src"))
        for name, value in attrs:
            if name in ("src", "href", "srcset", "action", "poster", "data") and value is not None:
                self.references.append((tag, name, value))


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    results = simulator.run(REFERENCE, overrides=["population.size=5000", "scenario.years=2"],
                            replications=8, seed=3)
    folder = tmp_path_factory.mktemp("report")
    write_report(results, folder, figures=False, report=True, lang="zh" if cjk_font() else "en")
    return folder / "report.html"


def _read_png(data: bytes):
    import matplotlib.image as mpimg

    return mpimg.imread(io.BytesIO(data), format="png")


def test_every_image_is_an_embedded_valid_png_and_nothing_is_external(report):
    text = report.read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    assert len(page.images) == len(all_figures())
    for src in page.images:
        assert src and src.startswith("data:image/png;base64,"), (src or "")[:60]
        data = base64.b64decode(src.split(",", 1)[1], validate=True)
        assert data.startswith(b"\x89PNG\r\n\x1a\n")
        pixels = _read_png(data)
        assert pixels.shape[0] > 100 and pixels.shape[1] > 100
    assert all(value.startswith(("data:", "#")) for _, _, value in page.references), page.references
    assert not ({"script", "link", "iframe", "object", "embed"} & page.tags)
    assert not re.search(r"(https?:|ftp:)?//[\w.-]+\.\w", text.replace("data:image/png;base64,", ""))
    assert "url(" not in text and "@import" not in text


def test_report_renders_in_headless_chromium(report, tmp_path):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}",
               f"--screenshot={SCREENSHOT}", "--window-size=1280,4000", report.resolve().as_uri()]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert SCREENSHOT.is_file(), f"no screenshot; chromium said:\n{done.stderr[-2000:]}"
    data = SCREENSHOT.read_bytes()
    assert data.startswith(b"\x89PNG") and len(data) > 100_000
    pixels = _read_png(data)
    assert pixels.shape[:2] == (4000, 1280)
    # a rendered page: text and figures make the image far from one flat colour
    assert float(pixels[..., :3].std()) > 0.05
    assert float((pixels[..., :3].mean(axis=2) < 0.5).mean()) > 0.005  # some dark ink (text, bars)
