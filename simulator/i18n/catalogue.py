"""Look English messages up in a language's catalogue: exact texts, then templates.

A catalogue module (:mod:`simulator.i18n.zh`) has ``MESSAGES``, a dict from English text to its
translation, and ``PATTERNS``, pairs of templates for messages with dynamic parts::

    ("must be >= {low}, got {value}", "必须 ≥ {low}，实际为 {value}")

``{name}`` in the English template matches any text (at least one character); the translation
repeats it, itself translated when it is a catalogued message (a ``{what}`` of ``"rules file"``
becomes ``规则文件``). Braces that do not hold a bare name (``{k = v}``) are literal text. A
message ending in `` (got VALUE)`` — what the schema check appends — is translated by its head.
A template whose own text has no word (``"{message}: {file}"``) applies only when one of its
parts is catalogued. Text that nothing matches stays English: the fallback, never an error.
"""

from __future__ import annotations

import functools
import importlib
import re
from dataclasses import dataclass

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_GOT = re.compile(r"(?P<head>.+) \(got (?P<value>.*)\)", re.DOTALL)
#: how deep translated parts are themselves translated ("{text} (got ...)" of a catalogued text)
_DEPTH = 3
#: the template's ``got`` suffix in each language
_GOT_TEMPLATE = {"zh": "{head}（实际为 {value}）"}
_WORDS = re.compile(r"[A-Za-z]{2}")


def compile_template(template: str) -> re.Pattern[str]:
    """The regular expression that fully matches the messages ``template`` describes."""
    out: list[str] = []
    seen: set[str] = set()
    pos = 0
    for match in _PLACEHOLDER.finditer(template):
        out.append(re.escape(template[pos:match.start()]))
        name = match.group(1)
        out.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
        seen.add(name)
        pos = match.end()
    out.append(re.escape(template[pos:]))
    return re.compile("".join(out), re.DOTALL)


def fill(template: str, values: dict[str, str]) -> str:
    """``template`` with each ``{name}`` replaced by ``values[name]`` (other braces untouched)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), template)


@dataclass(frozen=True)
class Catalogue:
    """One language's messages (:func:`catalogue` builds it from the language's module)."""

    lang: str
    exact: dict[str, str]
    #: (regular expression, translation, the template's longest literal part — a quick pre-test —,
    #: whether the template's own text has a word)
    patterns: tuple[tuple[re.Pattern[str], str, str, bool], ...]

    def lookup(self, text: str, depth: int = 0) -> str | None:
        """The translation of ``text``, or None when the catalogue does not know it."""
        found = self.exact.get(text)
        if found is not None:
            return found
        got = _GOT.fullmatch(text)
        if got is not None and self.lang in _GOT_TEMPLATE:
            head = self.lookup(got.group("head"), depth)
            if head is not None:
                return fill(_GOT_TEMPLATE[self.lang], {"head": head, "value": got.group("value")})
        stripped = text.strip()
        if stripped != text and stripped:  # " sheets: ..." (an empty did-you-mean before it)
            found = self.lookup(stripped, depth)
            return None if found is None else text[: text.index(stripped[0])] + found
        for pattern, template, literal, worded in self.patterns:
            if literal not in text:
                continue
            match = pattern.fullmatch(text)
            if match is None:
                continue
            raw = match.groupdict()
            values = {k: self.lookup(v, depth + 1) or v for k, v in raw.items()} if depth < _DEPTH else raw
            if not worded and values == raw:
                continue  # "{message}: {file}" says nothing itself: only a carrier of known parts
            return fill(template, values)
        return None

    def translate(self, text: str) -> str:
        """``text`` translated, or ``text`` itself."""
        found = self.lookup(text)
        return text if found is None else found


@functools.cache
def catalogue(lang: str) -> Catalogue:
    """The catalogue of ``lang`` (``"zh"``); patterns with more literal text are tried first, so a
    specific template wins over a general one."""
    module = importlib.import_module(f"simulator.i18n.{lang}")
    entries = [(compile_template(en), target, max(_PLACEHOLDER.split(en)[::2], key=len),
                bool(_WORDS.search(_PLACEHOLDER.sub("", en)))) for en, target in module.PATTERNS]
    order = sorted(range(len(entries)), key=lambda k: -len(_PLACEHOLDER.sub("", module.PATTERNS[k][0])))
    return Catalogue(lang, dict(module.MESSAGES), tuple(entries[k] for k in order))


def translate(text: str, lang: str | None = None) -> str:
    """``text`` in ``lang`` (default :func:`~simulator.i18n.lang.current_lang`); English unchanged."""
    if lang is None:
        from simulator.i18n.lang import current_lang

        lang = current_lang()
    if lang == "en" or not text:
        return text
    return catalogue(lang).translate(text)


def lookup(text: str, lang: str) -> str | None:
    """The translation of ``text`` in ``lang``, or None when there is none (English: None)."""
    if lang == "en" or not text:
        return None
    return catalogue(lang).lookup(text)
