"""Load a scenario: TOML → ``--set`` overrides → file references → validation → :class:`Scenario`.

One pass collects every problem (schema, cross-table rules, referenced files) and raises them
together as :class:`~simulator.errors.InputError`, each with file, dotted key path and line.
When the schema fails, the rules of the tables that did validate still run, so a typo in one table
does not hide a broken settlement band in another. Problems caused by ``--set`` name ``--set``
instead of the file; relative file references are taken from the scenario file's folder.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from pydantic import ValidationError

from simulator.errors import (
    InputError, Problem, did_you_mean, line_of, problems_from_pydantic, read_toml,
)
from simulator.scenario.schema import Scenario

SET_ORIGIN = "--set"
_INDEX = re.compile(r"^(?P<key>[^\[\]]+)((\[(?P<index>\d+)\])?)$")
# keys holding file references, resolved against the scenario file's folder
_FILE_KEYS = (("population", "file"), ("casemix", "file"), ("casemix", "source"), ("settlement", "rules"))


def parse_overrides(items: Iterable[str] | Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Parse ``KEY=VALUE`` overrides; values are TOML (``0.07``, ``true``, ``[1, 2]``, ``{a=1}``).

    A value that is not valid TOML but is a plain word or path (``aca-corridor``,
    ``rules/my.toml``) is taken as a string, so analysts need not quote names on the shell.
    """
    if isinstance(items, Mapping):
        return [(str(key), _plain(value)) for key, value in items.items()]
    if isinstance(items, str):
        items = [items]
    parsed: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for item in items:
        key, sep, text = item.partition("=")
        key = key.strip()
        if not sep or not key:
            problems.append(Problem(item, "expected KEY=VALUE, e.g. budget.risk_reserve=0.07",
                                    file=SET_ORIGIN))
            continue
        text = text.strip()
        try:
            document = tomllib.loads(f"v = {text}")
        except tomllib.TOMLDecodeError as exc:
            document, error = None, str(exc)
        if document is not None and list(document) != ["v"]:
            document, error = None, "one value expected"
        if document is not None:
            value = document["v"]
        elif re.fullmatch(r"[\w./:+\-]+", text):
            value = text
        else:
            problems.append(Problem(key, f"value {text!r} is not valid TOML ({error})", file=SET_ORIGIN,
                                    hint="quote strings, write lists as [..] and tables as {k = v}"))
            continue
        parsed.append((key, value))
    if problems:
        raise InputError(problems, title="invalid --set")
    return parsed


def _apply_in_place(data: dict[str, Any], overrides: Sequence[tuple[str, Any]]) -> None:
    """Apply dotted-path overrides (``a.b[2].c``) to ``data`` in place.

    Missing tables on the way are created (so an unknown key is reported by validation, with a
    did-you-mean); indexing past the end of a list or into a value that is not a table is an error.
    """
    problems = []
    for key, value in overrides:
        try:
            _set_path(data, key, value)
        except _BadPath as exc:
            problems.append(Problem(key, f"cannot set this key: {exc}", file=SET_ORIGIN,
                                    hint="keys are dotted paths of the scenario, e.g. "
                                         "budget.risk_reserve or tiers.enabled[2]"))
    if problems:
        raise InputError(problems, title="invalid --set")


class _BadPath(Exception):
    """A ``--set`` key that cannot be followed through the scenario data."""


def _set_path(root: dict[str, Any], key: str, value: Any) -> None:
    node: Any = root
    parts = key.split(".")
    walked = ""
    for i, part in enumerate(parts):
        match = _INDEX.match(part.strip())
        if match is None:
            raise _BadPath(f"bad segment {part!r}")
        name, index = match.group("key").strip(), match.group("index")
        last = i == len(parts) - 1
        if not isinstance(node, dict):
            raise _BadPath(f"{walked} is a value, not a table")
        walked = f"{walked}.{name}" if walked else name
        if index is None:
            if last:
                node[name] = value
            else:
                node = node.setdefault(name, {})
            continue
        seq = node.get(name)
        if not isinstance(seq, list):
            raise _BadPath(f"{walked} is not a list, so [{index}] cannot be used")
        if int(index) >= len(seq):
            raise _BadPath(f"index {index} is out of range; {walked} has {len(seq)} values "
                           f"(indices start at 0)")
        walked += f"[{index}]"
        if last:
            seq[int(index)] = value
        else:
            node = seq[int(index)]


def _plain(value: Any) -> Any:
    """Numpy scalars and arrays (from notebooks) as plain Python values, recursively."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        return _plain(value.tolist())
    return value


def get_path(data: Any, key: str) -> Any:
    """Value at a dotted key path with indexing (``choice.outpatient.asc[3]``) of nested tables
    and lists (TOML-shaped data, or a scenario's ``model_dump``); KeyError with a hint when absent."""
    node: Any = data
    walked = ""
    for part in key.split("."):
        match = _INDEX.match(part.strip())
        if match is None:
            raise KeyError(f"bad key segment {part!r} in {key!r}")
        name, index = match.group("key").strip(), match.group("index")
        if not isinstance(node, Mapping) or name not in node:
            options = [str(k) for k in node] if isinstance(node, Mapping) else []
            hint = did_you_mean(name, options)
            raise KeyError(f"{walked or 'the scenario'} has no key {name!r}" + (f"; {hint}" if hint else ""))
        node = node[name]
        walked = f"{walked}.{name}" if walked else name
        if index is not None:
            if not isinstance(node, list) or int(index) >= len(node):
                size = len(node) if isinstance(node, list) else 0
                raise KeyError(f"{walked} has {size} values; index {index} is out of range")
            node = node[int(index)]
            walked += f"[{index}]"
    return node


def _has_path(data: Mapping[str, Any], key: str) -> bool:
    try:
        get_path(data, key)
    except KeyError:
        return False
    return True


def load_scenario(source: str | Path | Mapping[str, Any] | Scenario,
                  overrides: Iterable[str] | Mapping[str, Any] = (),
                  *, base_dir: str | Path | None = None) -> Scenario:
    """Load, override and validate a scenario; raise :class:`InputError` listing every problem.

    Parameters
    ----------
    source : a TOML file path, a mapping shaped like the TOML (notebooks), or a
        :class:`Scenario` (returned as it is without overrides; with them, a new scenario
        validated like the TOML: :meth:`Scenario.with_updates`).
    overrides : ``["budget.risk_reserve=0.07", ...]`` or ``{"budget.risk_reserve": 0.07}``: the
        same dotted key paths, rules and messages as ``mcsim run --set``.
    base_dir : folder for relative file references when ``source`` is a mapping or a scenario.

    Shares that must sum to 1 and sum to within 1e-3 of it are renormalised with a
    :class:`~simulator.scenario.shares.SharesRenormalised` warning (:mod:`simulator.scenario.shares`);
    the scenario returned holds the renormalised values.

    Raises
    ------
    InputError
        every problem found: TOML syntax, encoding and duplicate keys (with the line), bad
        ``--set`` syntax, schema violations, cross-table rules, settlement rules, and problems of
        the referenced case-mix, population and rules files.
    """
    set_items = parse_overrides(overrides)
    if isinstance(source, Scenario):
        if not set_items:
            return source  # validated and frozen already
        # file references of a loaded scenario are absolute already
        data, lines, file = scenario_dict(source), {}, None
        folder = Path(base_dir) if base_dir else Path.cwd()
    elif isinstance(source, Mapping):
        data, lines, file = _plain(source), {}, None
        folder = Path(base_dir) if base_dir else Path.cwd()
    else:
        path = Path(source)
        data, lines = read_toml(path, what="scenario file")
        file, folder = str(path), path.resolve().parent
    # data is this call's own copy (read_toml and _plain copy): overrides go in place
    overridden = [key for key, _ in set_items]
    created = [key for key in overridden if not _has_path(data, key)]
    _apply_in_place(data, set_items)
    from simulator.scenario.shares import renormalise_scenario_shares

    def origin(key: str) -> str | None:
        touched = any(key == k or key.startswith(k + ".") or k.startswith((key + ".", key + "["))
                      for k in overridden)
        return SET_ORIGIN if touched else file

    renormalise_scenario_shares(data, where=origin)
    # a Scenario's own file references were vetted when it was loaded; only changed ones are new
    vetted = () if not isinstance(source, Scenario) else tuple(
        f"{t}.{k}" for t, k in _FILE_KEYS
        if not any(f"{t}.{k}" == o or f"{t}.{k}".startswith(o + ".") or o.startswith(f"{t}.{k}")
                   for o in overridden))
    unsafe = _resolve_file_refs(data, folder, vetted)

    def from_set(problem: Problem) -> bool:
        p = problem.path
        if any(p == k or p.startswith((k + ".", k + "[")) for k in overridden):
            return True
        # an unknown table made by --set (``--set foo.bar=1``) is reported at ``foo``
        return problem.message == "unknown key" and any(k.startswith((p + ".", p + "[")) for k in created)

    def locate(problem: Problem) -> Problem:
        if from_set(problem):
            return Problem(problem.path, problem.message, file=SET_ORIGIN, hint=problem.hint)
        if problem.file is not None and not _missing_file(problem.file):
            return problem
        # a problem of the scenario itself, or a referenced file that is missing: point at the key
        return Problem(problem.path, problem.message, file=file,
                       line=problem.line or line_of(problem.path, lines), hint=problem.hint)

    from simulator.scenario.checks import check_partial, check_scenario

    title = f"invalid scenario {file or ''}".strip()
    if unsafe:
        raise InputError([locate(p) for p in unsafe], title=title)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        problems = _drop_missing_typos(problems_from_pydantic(exc, model=Scenario))
        problems += check_partial(data)  # the other tables' rules and files, in the same pass
        raise InputError([locate(p) for p in problems], title=title) from None
    from simulator.uncertainty.checks import check_uncertainty

    problems = check_scenario(scenario)
    problems += check_uncertainty(scenario, ends=not problems)
    if problems:
        raise InputError([locate(p) for p in problems], title=title)
    return scenario


def _drop_missing_typos(problems: list[Problem]) -> list[Problem]:
    """Drop "required key is missing" for a key that an unknown key's did-you-mean points at.

    A typo (``risk_reserv``) otherwise shows twice: as an unknown key and as the missing key.
    """
    suggested = set()
    for p in problems:
        match = re.fullmatch(r"did you mean '(.+)'\?", p.hint or "")
        if p.message == "unknown key" and match:
            parent = p.path.rpartition(".")[0]
            suggested.add(f"{parent}.{match.group(1)}" if parent else match.group(1))
    return [p for p in problems if not (p.message == "required key is missing" and p.path in suggested)]


def _missing_file(name: str) -> bool:
    return name != SET_ORIGIN and not name.startswith("builtin:") and not Path(name).exists()


def _resolve_file_refs(data: dict[str, Any], folder: Path, vetted: Sequence[str] = ()) -> list[Problem]:
    """Make file references absolute (relative ones from ``folder``); with safe paths on
    (:mod:`simulator.safety`), the problems of those outside ``folder`` (except the ``vetted``
    keys: those of a loaded scenario that no override changed)."""
    from simulator.safety import HINT, MESSAGE, outside, safe_paths

    problems = []
    for table, key in _FILE_KEYS:
        section = data.get(table)
        if not isinstance(section, dict):
            continue
        value = section.get(key)
        if not isinstance(value, str) or not is_file_reference(table, key, value):
            continue
        path = Path(value).expanduser()
        section[key] = str(path if path.is_absolute() else (folder / path).resolve())
        if safe_paths() and f"{table}.{key}" not in vetted and outside(section[key], folder):
            problems.append(Problem(f"{table}.{key}", MESSAGE, hint=HINT))
            section[key] = None  # never read
    return problems


def is_file_reference(table: str, key: str, value: str) -> bool:
    """Whether a string value names a file (not a preset or a ``builtin:`` table)."""
    if value.startswith("builtin:"):
        return False
    if table == "settlement":
        return value.endswith(".toml") or "/" in value or "\\" in value
    if table == "casemix" and key == "source":
        return value not in ("file",)
    return True


def scenario_dict(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain TOML-able data (None values dropped)."""
    return _drop_none(scenario.model_dump(mode="python"))


def dump_scenario(scenario: Scenario, path: str | Path | None = None) -> str:
    """Write the resolved scenario as TOML (file references absolute); return the text.

    The dump reloads to an equal :class:`Scenario` (tested).
    """
    import tomli_w

    text = "# mcsim resolved scenario: every default filled in, file references absolute\n"
    text += tomli_w.dumps(scenario_dict(scenario))
    if path is not None:
        Path(path).write_text(text, encoding="utf-8")
    return text


def scenario_hash(scenario: Scenario) -> str:
    """Stable content hash (sha256, 16 hex digits) of the resolved scenario.

    Referenced files enter by content, not path, so moving a scenario with its files does not
    change the hash, while editing a referenced case-mix file does.
    """
    data = scenario_dict(scenario)
    for table, key in _FILE_KEYS:
        value = data.get(table, {}).get(key)
        if isinstance(value, str) and is_file_reference(table, key, value) and Path(value).is_file():
            data[table][key] = "sha256:" + hashlib.sha256(Path(value).read_bytes()).hexdigest()
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value
