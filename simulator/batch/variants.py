"""Variants of a sweep: the designs its ``[[vary]]`` blocks make, each checked on the base scenario.

Order: the product of the grid blocks; then, when there are OAT blocks, a ``base`` variant and a
low and a high variant per OAT block; then the draws of each sample block (the sweep file format
is in :mod:`simulator.batch.spec`).
"""

from __future__ import annotations

import itertools
import json
import re
from typing import Any, Mapping

from simulator.batch.sampling import draw_sample
from simulator.batch.sweep import MAX_VALIDATED, County, Variant
from simulator.errors import InputError, Problem, did_you_mean


def make_variants(blocks: list[Any], seed: int, dump: dict[str, Any]) -> list[Variant]:
    """The variants of the validated ``blocks``, ids ``v0000``, ``v0001``, ... (``dump``: the base
    scenario as a dict, for the types of sampled keys)."""
    made: list[tuple[str, str, tuple, tuple | None]] = []
    grids = [b for b in blocks if b.kind == "grid"]
    if grids:
        for combo in itertools.product(*[b.values for b in grids]):
            params = tuple((b.key, v) for b, v in zip(grids, combo))
            made.append(("grid", _label(params), params, None))
    oats = [b for b in blocks if b.kind == "oat"]
    if oats:
        made.append(("base", "base", (), None))
        for b in oats:
            made.append(("oat", f"{b.key}=low({_show(b.low)})", ((b.key, b.low),), (b.key, "low")))
            made.append(("oat", f"{b.key}=high({_show(b.high)})", ((b.key, b.high),), (b.key, "high")))
    for index, b in enumerate(x for x in blocks if x.kind == "sample"):
        for params in draw_sample(b, seed, index, dump):
            made.append(("sample", _label(params), params, None))
    if not made:
        made.append(("base", "base", (), None))
    width = max(4, len(str(len(made) - 1)))
    return [Variant(f"v{i:0{width}d}", label, kind, params, oat)
            for i, (kind, label, params, oat) in enumerate(made)]


def check_variants(variants: list[Variant], county: County, sweep_overrides: dict, file: str,
                   where: dict[str, int | None], validated: dict[tuple[str, str], Any],
                   base: Any) -> list[Variant]:
    """Load the base scenario with each variant's values; keep the problems of those that fail.

    A problem with a varied key is reported at the ``[[vary]]`` block that sets it. The first
    :data:`MAX_VALIDATED` valid scenarios go into ``validated`` (``base``: the county's own)."""
    from simulator.scenario.load import SET_ORIGIN, load_scenario

    def place(p: Problem) -> Problem:
        if p.file != SET_ORIGIN:
            return p
        key = next((k for k in where if p.path == k or p.path.startswith((k + ".", k + "["))), None)
        return Problem(p.path, p.message, file=file, line=where.get(key) if key else None, hint=p.hint)

    out = []
    for v in variants:
        scenario = base
        if v.params:
            try:
                scenario = load_scenario(county.scenario, sweep_overrides | dict(county.overrides) | dict(v.params))
            except InputError as exc:
                v = Variant(v.id, v.label, v.kind, v.params, v.oat, tuple(place(p) for p in exc.problems))
                scenario = None
        if scenario is not None and len(validated) < MAX_VALIDATED:
            validated[(v.id, county.name)] = scenario
        out.append(v)
    return out


def key_problem(dump: Mapping[str, Any], key: str) -> tuple[str, str | None] | None:
    """Why ``key`` is not a dotted key of the scenario (with a did-you-mean), or None."""
    node: Any = dump
    walked = ""
    for part in key.split("."):
        m = re.fullmatch(r"([^\[\]]+)(?:\[(\d+)\])?", part.strip())
        if node is None:
            return None  # inside an optional table left empty: loading the variant decides
        if m is None:
            return f"bad key segment {part!r} in {key!r}", "keys are dotted paths, e.g. budget.risk_reserve"
        if not isinstance(node, Mapping):
            return f"{walked} is a value, not a table", None
        name = m.group(1)
        if name not in node:
            where = f"'{walked}'" if walked else "the scenario"
            return (f"unknown scenario key {key!r} ({name!r} is not in {where})",
                    did_you_mean(name, [str(k) for k in node]))
        walked = f"{walked}.{name}" if walked else name
        node = node[name]
        if m.group(2) is not None:
            if not isinstance(node, list) or int(m.group(2)) >= len(node):
                size = len(node) if isinstance(node, list) else 0
                return f"{walked}[{m.group(2)}] is out of range ({walked} has {size} values)", None
            node = node[int(m.group(2))]
    return None


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value


def _label(params: tuple[tuple[str, Any], ...]) -> str:
    return ", ".join(f"{k}={_show(v)}" for k, v in params)
