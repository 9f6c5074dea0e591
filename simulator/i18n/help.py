"""``--help`` in Chinese: a click help formatter that translates as it renders.

The English help strings stay in the command modules (they are the message ids); the formatter
looks up each paragraph of a command's help, each option's help, the section headings and the
usage line in the catalogue (:mod:`simulator.i18n.zh_help`) and wraps Chinese text by display
width (a Han character takes two columns). ``\\b`` blocks (examples) keep their lines; a
``# comment`` on an example line is translated. Anything not catalogued stays English.
"""

from __future__ import annotations

import re
import unicodedata

import click

from simulator.i18n.catalogue import lookup

_PARAGRAPHS = re.compile(r"\n[ \t]*\n")
_EXTRA = re.compile(r"(?P<help>.*?)  \[(?P<extra>[^\[\]]*)\]", re.DOTALL)
_USAGE_WORDS = (("[OPTIONS]", "[选项]"), ("COMMAND [ARGS]...", "命令 [参数]..."))
_HEADINGS = {"Options": "选项", "Commands": "命令", "Arguments": "参数"}
# a Han character, a full-width form or CJK punctuation: each may end a line
_WIDE = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u3000-\u303f"
_TOKENS = re.compile(f"[ ]+|[{_WIDE}]|[^ {_WIDE}]+")
#: punctuation that may not start a line (the character before it goes down with it)
_NO_START = set("，。；：、）》」』！？%…")


def display_width(text: str) -> int:
    """Terminal columns of ``text``: two for wide (East Asian W/F) characters, one otherwise."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, width: int, indent: str = "") -> str:
    """``text`` as lines of at most ``width`` columns (``indent`` included), broken at spaces or
    between wide characters; a word longer than a line stands on its own line."""
    avail = max(width - display_width(indent), 10)
    lines: list[str] = []
    line, used = "", 0
    for token in _TOKENS.findall(" ".join(text.split())):
        if token.startswith(" "):
            if line:
                line, used = line + " ", used + 1
            continue
        size = display_width(token)
        if used + size > avail and line.strip():
            carried = ""
            if token in _NO_START and len(line.rstrip()) > 1:  # the mark takes a character along
                carried, line = line.rstrip()[-1], line.rstrip()[:-1]
            lines.append(line.rstrip())
            line, used = carried, display_width(carried)
        line, used = line + token, used + size
    if line.strip():
        lines.append(line.rstrip())
    return "\n".join(indent + piece for piece in lines)


def _text(text: str, lang: str) -> str | None:
    """A paragraph or option help in ``lang``, looked up with its whitespace collapsed."""
    return lookup(" ".join(text.split()), lang)


def _example_line(line: str, lang: str) -> str:
    """A line of a ``\\b`` block: translated whole, or its ``# comment`` translated."""
    found = lookup(line.strip(), lang)
    if found is not None:
        return line[: len(line) - len(line.lstrip())] + found
    code, sep, comment = line.partition("# ")
    found = lookup(comment.strip(), lang) if sep else None
    return f"{code}# {found}" if found is not None else line


def _help_cell(text: str, lang: str) -> str:
    """An option's help with click's ``  [default: x; required]`` suffix, both translated."""
    match = _EXTRA.fullmatch(text)
    body, extra = (match.group("help"), match.group("extra")) if match else (text, None)
    out = _text(body, lang) or body if body else ""
    if extra is not None:
        items = [lookup(item, lang) or item for item in extra.split("; ")]
        out = f"{out}  [{'；'.join(items)}]" if out else f"[{'；'.join(items)}]"
    return out


class TranslatingHelpFormatter(click.HelpFormatter):
    """click's help formatter, translating into ``lang`` (English: click's own output)."""

    def __init__(self, *args, lang: str = "en", **kwargs):
        super().__init__(*args, **kwargs)
        self.lang = lang

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        if self.lang == "en":
            return super().write_usage(prog, args, prefix)
        for english, chinese in _USAGE_WORDS:
            args = args.replace(english, chinese)
        if prefix is None:
            prefix = "用法："
        self.write(f"{'':>{self.current_indent}}{prefix}{prog} {args}".rstrip() + "\n")

    def write_heading(self, heading: str) -> None:
        if self.lang == "en":
            return super().write_heading(heading)
        self.write(f"{'':>{self.current_indent}}{_HEADINGS.get(heading, heading)}：\n")

    def write_text(self, text: str) -> None:
        if self.lang == "en":
            return super().write_text(text)
        indent = " " * self.current_indent
        blocks = []
        for paragraph in _PARAGRAPHS.split(text):
            if paragraph.startswith("\b"):
                lines = paragraph.splitlines()[1:]
                blocks.append("\n".join(indent + _example_line(line, self.lang) for line in lines))
            else:
                found = _text(paragraph, self.lang)
                blocks.append(wrap(found if found is not None else paragraph, self.width, indent))
        self.write("\n\n".join(blocks) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        if self.lang == "en":
            return super().write_dl(rows, col_max, col_spacing)
        rows = [(first, _help_cell(second, self.lang)) for first, second in rows]
        first_col = min(max((display_width(first) for first, _ in rows), default=0), col_max) + col_spacing
        pad = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if display_width(first) <= first_col - col_spacing:
                self.write(" " * (first_col - display_width(first)))
            else:
                self.write("\n" + pad)
            lines = wrap(second, max(self.width - first_col - self.current_indent, 20)).splitlines()
            self.write("\n".join([lines[0]] + [pad + line for line in lines[1:]]) + "\n")


def short_help(command: click.Command, lang: str) -> str | None:
    """A command's one-line help in ``lang`` for ``mcsim --help``'s list: its short_help
    translated, else the first sentence of its first paragraph's translation; None if none."""
    import inspect

    if command.short_help:
        return _text(command.short_help, lang)
    if not command.help:
        return None
    first = _PARAGRAPHS.split(inspect.cleandoc(command.help).partition("\f")[0])[0]
    found = _text(first, lang)
    if found is None:
        return None
    sentence = re.match(r"[^。；]*[。；]?", found).group(0)
    return sentence.rstrip("。；")


class McsimContext(click.Context):
    """The context of ``mcsim`` and its commands: help in the invocation's language, and a
    command's own ``--lang`` kept for the messages printed after the command ends (an error)."""

    def make_formatter(self) -> click.HelpFormatter:
        from simulator.i18n.lang import current_lang

        return TranslatingHelpFormatter(width=self.terminal_width, max_width=self.max_content_width,
                                        lang=current_lang())

    def __exit__(self, *exc) -> None:
        from simulator.i18n.lang import active_invocation, command_lang_of

        given = command_lang_of(self)
        inv = active_invocation()
        if given is not None and inv is not None:
            inv.command = given
        return super().__exit__(*exc)
