"""The docs the code cites are in the repository: every ``docs/NAME.md`` a docstring, comment or
preset names exists, and every section it quotes (``docs/NAME.md, "Section"``) is a heading there.
Nothing cites the design notes outside the repository (``spec/``, ``domain/``, ``DESIGN``)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [p for pattern in ("*.py", "*.toml") for p in (ROOT / "simulator").rglob(pattern)]
CITATION = re.compile(r"docs/([\w-]+\.md)`{0,2}(?:(?:,\s*|\s*\(\s*)\"([^\"]+)\")?")
OUTSIDE = re.compile(r"spec/settlement\.md|domain/facts\.md|(?<![\w/-])facts\.md|DESIGN(?:\.md)? ?\d")


def flattened(path: Path) -> str:
    """The file's text with line breaks, indentation and comment markers folded into spaces, so
    that a quoted section split over two lines reads as one."""
    return re.sub(r"\s*\n\s*(?:#\s*)?", " ", path.read_text(encoding="utf-8"))


def headings(name: str) -> list[str]:
    text = (ROOT / "docs" / name).read_text(encoding="utf-8")
    return [line.lstrip("#").strip().lower() for line in text.splitlines() if line.startswith("#")]


def citations() -> list[tuple[Path, str, str | None]]:
    return [(path, m.group(1), m.group(2)) for path in SOURCES for m in CITATION.finditer(flattened(path))]


def test_the_code_cites_docs() -> None:
    names = {name for _, name, _ in citations()}
    assert {"settlement.md", "data-sources.md", "model.md", "outputs.md"} <= names


def test_every_cited_page_and_section_exists() -> None:
    missing = []
    for path, name, section in citations():
        page = ROOT / "docs" / name
        if not page.is_file():
            missing.append(f"{path.relative_to(ROOT)}: docs/{name} does not exist")
        elif section and not any(section.lower() in h for h in headings(name)):
            missing.append(f"{path.relative_to(ROOT)}: docs/{name} has no heading {section!r}")
    assert not missing, "\n".join(missing)


def test_nothing_cites_notes_outside_the_repository() -> None:
    outside = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in SOURCES for m in OUTSIDE.finditer(flattened(p))]
    assert not outside, "\n".join(outside)
