"""Errors a user can cause, reported as actionable problems.

Every problem names the file, the dotted key path (``budget.risk_reserve``), the line where it is
known, what was expected and, for unknown keys, the nearest valid key. The CLI turns an
:class:`InputError` into its message and exit code 2; anything else is an internal error (exit 1).
"""

from __future__ import annotations

import difflib
import os
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's input.

    Parameters
    ----------
    path : dotted key path inside the input (``"tiers.capability"``, ``"casemix[3].weight"``),
        or a column / row reference for tabular files (``"row 12, column base_cost"``).
    message : what is wrong and what was expected.
    file : the file the input came from, if any.
    line : 1-based line of the file where the key or row stands, if known.
    hint : how to fix it (e.g. a did-you-mean).
    """

    path: str
    message: str
    file: str | None = None
    line: int | None = None
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where = f"{where or '<input>'}:{self.line}"
        parts = [p for p in (where, self.path) if p]
        text = ": ".join(parts + [self.message])
        if self.hint:
            text += f" ({self.hint})"
        return text

    def render(self, lang: str = "en") -> str:
        """The problem as a line in ``lang``: ``str(self)`` in English; in Chinese the message and
        the hint are translated (:mod:`simulator.i18n`), the file, line and key path stay."""
        if lang == "en":
            return str(self)
        from simulator.i18n import translate

        where = self.file or ""
        if self.line is not None:
            where = f"{where or '<input>'}:{self.line}"
        parts = [p for p in (where, self.path) if p]
        text = ": ".join(parts + [translate(self.message, lang)])
        if self.hint:
            text += f"（{translate(self.hint, lang)}）"
        return text


#: largest TOML file read (scenarios, rules and sweeps are a few kilobytes)
MAX_TOML_BYTES = 10 * 2**20
#: problems an error message lists before it says how many more there are
SHOWN_PROBLEMS = 50


class InputError(Exception):
    """Bad user input: one or more :class:`Problem` s, all reported at once (exit code 2)."""

    exit_code = 2

    def __init__(self, problems: Problem | Sequence[Problem], title: str = "invalid input"):
        self.problems = [problems] if isinstance(problems, Problem) else list(problems)
        self.title = title
        super().__init__(self.format())

    def format(self, limit: int = SHOWN_PROBLEMS, lang: str = "en") -> str:
        """The title, then each problem on a line: at most ``limit`` of them, then how many more
        (an error repeated for 200,000 cells is summarised, not printed 200,000 times). ``lang``
        ``"zh"`` writes it in Chinese (:meth:`Problem.render`)."""
        n = len(self.problems)
        if lang == "en":
            head = f"{self.title}: {n:,} problem{'s' if n != 1 else ''}"
            more = f"  ... and {n - limit:,} more (fix the ones above and validate again)"
        else:
            from simulator.i18n import translate

            head = f"{translate(self.title, lang)}：{n:,} 个问题"
            more = f"  …… 另有 {n - limit:,} 个（请先修正以上问题，再重新校验）"
        lines = [head] + [f"  - {p.render(lang)}" for p in self.problems[:limit]]
        if n > limit:
            lines.append(more)
        return "\n".join(lines)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Return ``"did you mean 'x'?"`` for the nearest of ``choices``, or None."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None


def dotted(loc: Sequence[Any]) -> str:
    """Format a location tuple as a dotted key path: ``("a", 0, "b") -> "a[0].b"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


# ---------------------------------------------------------------------------------------------
# Line numbers of keys in a TOML text (tomllib does not keep them).
# ---------------------------------------------------------------------------------------------

def toml_key_lines(text: str) -> dict[str, int]:
    """Map dotted key paths of a TOML document to the 1-based line where they are written.

    A light scanner, not a parser: it follows ``[table]`` and ``[[array]]`` headers (numbering
    array elements) and ``key = value`` lines, which covers how scenario and rule files are
    written. Keys it cannot place are simply absent; callers fall back to the table's line.
    """
    lines: dict[str, int] = {}
    table = ""
    array_counts: dict[str, int] = {}
    depth = 0  # bracket depth of a multi-line value; keys inside it are not top-level keys
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = _strip_comment(raw).strip()
        if not stripped:
            continue
        if depth == 0 and stripped.startswith("[[") and stripped.endswith("]]"):
            name = stripped[2:-2].strip()
            index = array_counts.get(name, 0)
            array_counts[name] = index + 1
            table = f"{name}[{index}]"
            lines.setdefault(name, number)
            lines[table] = number
            continue
        if depth == 0 and stripped.startswith("[") and stripped.endswith("]"):
            table = stripped[1:-1].strip()
            # a sub-table of the last array element: [[a]] then [a.b] belongs to a[i].b
            for name, count in array_counts.items():
                if table.startswith(name + "."):
                    table = f"{name}[{count - 1}]" + table[len(name):]
            lines[table] = number
            continue
        if depth == 0 and "=" in stripped:
            key = stripped.split("=", 1)[0].strip().strip('"').strip("'")
            full = f"{table}.{key}" if table else key
            lines[full] = number
        bare = _STRINGS.sub('""', stripped)  # brackets inside strings do not open a value
        depth += bare.count("[") + bare.count("{") - bare.count("]") - bare.count("}")
        depth = max(depth, 0)
    return lines


# strings of a TOML line (the unrolled form: linear time on a long string, no backtracking)
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|\'[^\']*\'')
_SPECIAL = re.compile(r"[\"'#]")


def _strip_comment(line: str) -> str:
    """``line`` without its ``# comment`` (a ``#`` inside quotes is not one); jumps from quote to
    quote with ``str.find``, so a 50 MB string costs a scan, not a Python loop per character."""
    i = 0
    while True:
        match = _SPECIAL.search(line, i)
        if match is None:
            return line
        ch = match.group()
        if ch == "#":
            return line[:match.start()]
        end = line.find(ch, match.start() + 1)
        if end < 0:
            return line
        i = end + 1


def _key_at_line(text: str, line: int) -> str:
    """Dotted key or table written at ``line`` of a TOML text, or "" (for messages)."""
    found = [key for key, number in toml_key_lines(text).items() if number == line]
    return max(found, key=len) if found else ""


def line_of(path: str, lines: dict[str, int]) -> int | None:
    """Line of ``path`` or of its nearest enclosing key/table in ``lines``."""
    probe = path
    while probe:
        if probe in lines:
            return lines[probe]
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return None


def read_toml(path: Path, what: str = "file") -> tuple[dict[str, Any], dict[str, int]]:
    """Read a TOML file; return its data and key lines, or raise :class:`InputError`.

    Non-UTF-8 bytes, syntax errors and duplicate keys become problems naming the file and line.
    Parsed files are remembered by (path, modification time, size) — batches load the same
    scenario and rule files thousands of times — and every caller gets its own copy.
    """
    path = Path(path)
    stamp = file_stamp(path)
    if stamp is None:
        return _read_toml(path, what)
    data, lines = _read_toml_cached(stamp, what)
    return copy_tree(data), dict(lines)


def copy_tree(value: Any) -> Any:
    """A deep copy of TOML-shaped data: new dicts and lists, shared immutable leaves.

    About 5x faster than :func:`copy.deepcopy` (no memo, no dispatch), which matters when a
    sweep validates and runs hundreds of variants of one cached scenario file.
    """
    if type(value) is dict:
        return {k: copy_tree(v) for k, v in value.items()}
    if type(value) is list:
        return [copy_tree(v) for v in value]
    return value


def file_stamp(path: Path) -> tuple[str, int, int] | None:
    """(path, modification time in ns, size) of an existing regular file, else None.

    The cache key of parsed input files: an edited file gets a new stamp, so it is read again.
    """
    try:
        stat = path.stat()
    except OSError:
        return None
    return (str(path), stat.st_mtime_ns, stat.st_size) if path.is_file() else None


@functools.lru_cache(maxsize=64)
def _read_toml_cached(stamp: tuple[str, int, int], what: str) -> tuple[dict[str, Any], dict[str, int]]:
    return _read_toml(Path(stamp[0]), what)


def not_a_file(path: Path, what: str = "file") -> str:
    """Why ``path`` is not a regular file to read, in words: "not found", "is a folder",
    "is a named pipe (FIFO)" — reading one would block for ever —, "is a device", "is a socket",
    "is a symbolic-link loop"; "" when it is a regular file."""
    import errno
    import stat

    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return "is a symbolic-link loop" if exc.errno == errno.ELOOP else "not found"
    if stat.S_ISREG(mode):
        return ""
    if stat.S_ISDIR(mode):
        return f"is a folder, not a {what}"
    if stat.S_ISFIFO(mode):
        return "is a named pipe (FIFO), not a file: reading it would wait for a writer"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "is a device, not a file"
    return "is a socket or other special file, not a file"


def _read_toml(path: Path, what: str) -> tuple[dict[str, Any], dict[str, int]]:
    import tomllib

    path = Path(path)
    why = not_a_file(path, what)
    if why:
        raise InputError(Problem("", f"{what} {why}", file=str(path),
                                 hint="check the path; relative paths are taken from the current directory"))
    if path.stat().st_size > MAX_TOML_BYTES:
        raise InputError(Problem("", f"{what} is {path.stat().st_size / 2**20:.0f} MiB; at most "
                                 f"{MAX_TOML_BYTES // 2**20} MiB is read", file=str(path),
                                 hint="a scenario or rules file is a few kilobytes: is this the right file?"))
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(Problem("", f"not valid UTF-8 (byte {exc.start})", file=str(path), line=line,
                                 hint="save the file as UTF-8")) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        match = re.search(r"line (\d+)", msg)
        line = int(match.group(1)) if match else None
        duplicate = "overwrite" in msg.lower() or "twice" in msg.lower()
        hint = "each key may appear once per table" if duplicate else "check the TOML syntax"
        key = _key_at_line(text, line) if duplicate and line is not None else ""
        if duplicate:
            msg = f"duplicate key or table ({msg})"
        raise InputError(Problem(key, f"TOML error: {msg}", file=str(path), line=line, hint=hint)) from None
    except RecursionError:  # arrays or inline tables nested thousands deep
        raise InputError(Problem("", "TOML nested too deeply to read", file=str(path),
                                 hint="a scenario nests tables a few levels deep; check the file")) from None
    try:
        return data, toml_key_lines(text)
    except RecursionError:
        raise InputError(Problem("", "TOML nested too deeply to read", file=str(path))) from None


def problems_from_pydantic(exc: Any, *, file: str | None = None, prefix: str = "",
                           lines: dict[str, int] | None = None, model: Any = None) -> list[Problem]:
    """Turn a ``pydantic.ValidationError`` into problems with dotted paths, lines and hints.

    ``model`` (the root model class) lets unknown-key errors suggest the nearest allowed key.
    """
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        path = dotted(([prefix] if prefix else []) + list(loc))
        kind = err["type"]
        hint = None
        if kind == "extra_forbidden":
            allowed = _allowed_keys(model, loc[:-1]) if model is not None else []
            message = "unknown key"
            hint = did_you_mean(str(loc[-1]), allowed) if allowed else None
            if allowed and not hint:
                hint = "allowed keys: " + ", ".join(sorted(allowed))
        elif kind == "missing":
            message = "required key is missing"
        else:
            message = err["msg"]
            if "input" in err and kind not in ("value_error", "assertion_error"):
                value = err["input"]
                shown = repr(value)
                if len(shown) < 60:
                    message += f" (got {shown})"
            message = message.removeprefix("Value error, ")
        problems.append(Problem(path, message, file=file,
                                line=line_of(path, lines or {}), hint=hint))
    return problems


def _allowed_keys(model: Any, loc: Sequence[Any]) -> list[str]:
    """Field names (and aliases) of the sub-model of ``model`` reached by ``loc``."""
    import typing

    current = model
    for part in loc:
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if not fields:
            return []
        info = fields.get(part) or next((f for f in fields.values() if f.alias == part), None)
        if info is None:
            return []
        current = _unwrap_model(info.annotation, typing)
    fields = getattr(current, "model_fields", None) or {}
    return [info.alias or name for name, info in fields.items()]


def _unwrap_model(annotation: Any, typing: Any) -> Any:
    if hasattr(annotation, "model_fields"):
        return annotation
    for arg in typing.get_args(annotation):
        found = _unwrap_model(arg, typing)
        if found is not None and hasattr(found, "model_fields"):
            return found
    return None


@dataclass
class ProblemList:
    """Collects problems during one validation pass; raises them together."""

    title: str = "invalid input"
    items: list[Problem] = field(default_factory=list)

    def add(self, path: str, message: str, **kw: Any) -> None:
        self.items.append(Problem(path, message, **kw))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.items.extend(problems)

    def raise_if_any(self) -> None:
        if self.items:
            raise InputError(self.items, title=self.title)
