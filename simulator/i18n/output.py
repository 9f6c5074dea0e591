"""Translate what commands print, line by line, on the way to stdout and stderr.

Commands print English (``click.echo(f"wrote {target}/ — ...")``). While ``mcsim`` runs, its
standard streams are wrapped (:func:`translated_streams`): when the invocation speaks Chinese,
each written line that the catalogue knows — exactly or by a template — is replaced by its
translation; every other line (tables, JSON, data, progress bars) passes unchanged. A line
``- PROBLEM`` (a problem listed by ``mcsim batch``) has its message and hint translated. English
output is never touched.
"""

from __future__ import annotations

import contextlib
import re
import sys
from typing import Any, Callable, Iterator

from simulator.i18n.catalogue import lookup

# leading whitespace (and the carriage return of a progress line), the text, trailing whitespace
_LINE = re.compile(r"(?P<lead>[\r\s]*)(?P<core>.*?)(?P<trail>\s*)", re.DOTALL)
#: lines longer than this are data, not messages: not looked up
_MAX_LINE = 500
#: a write of more lines than this is a table or a CSV (``mcsim settle --input`` to stdout): passed as is
_MAX_LINES = 200


def translate_output(text: str, lang: str) -> str:
    """``text`` (one write: whole lines or a partial one) with each known line translated."""
    if lang == "en" or not text or text.count("\n") > _MAX_LINES:
        return text
    out = []
    for line in text.splitlines(keepends=True):
        match = _LINE.fullmatch(line)
        core = match.group("core") if match else ""
        if not core or len(core) > _MAX_LINE:
            out.append(line)
            continue
        if core.startswith("- "):  # a listed problem: location, message, hint
            found = _problem_line(core[2:], lang)
            found = None if found is None else "- " + found
        else:
            found = lookup(core, lang)
        out.append(line if found is None else match.group("lead") + found + match.group("trail"))
    return "".join(out)


def _problem_line(text: str, lang: str) -> str | None:
    """``file:line: path: message (hint)`` (:class:`~simulator.errors.Problem`'s form) with the
    message and hint translated; None when no split of ``text`` gives a catalogued message."""
    starts = [0] + [m.end() for m in re.finditer(": ", text)]
    for start in starts:
        rest = text[start:]
        if rest.endswith(")"):  # "message (hint)" before "message": a message may end in "(...)"
            for cut in (m.start() for m in re.finditer(r" \(", rest)):
                message = lookup(rest[:cut], lang)
                if message is not None:
                    hint = rest[cut + 2:-1]
                    return f"{text[:start]}{message}（{lookup(hint, lang) or hint}）"
        found = lookup(rest, lang)
        if found is not None:
            return text[:start] + found
    return None


class TranslatingStream:
    """A text stream that translates what is written when ``lang()`` says zh; everything else
    (``isatty``, ``fileno``, ``encoding``, ``buffer``, ...) is the wrapped stream's."""

    def __init__(self, stream: Any, lang: Callable[[], str]):
        self._stream = stream
        self._lang = lang

    def write(self, text: Any) -> int:
        if isinstance(text, str):
            text = translate_output(text, self._lang())
        return self._stream.write(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def translated_streams(lang: Callable[[], str]) -> Iterator[None]:
    """Wrap ``sys.stdout`` and ``sys.stderr`` in :class:`TranslatingStream` while the block runs;
    the streams found on entry are put back on exit."""
    before = sys.stdout, sys.stderr
    if before[0] is not None:
        sys.stdout = TranslatingStream(before[0], lang)
    if before[1] is not None:
        sys.stderr = TranslatingStream(before[1], lang)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = before
