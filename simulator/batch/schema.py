"""Sweep-file schema: the tables of ``[sweep]``, ``[[vary]]`` blocks and ``[[county]]``, and block checks.

The pydantic models reject unknown keys and wrong types (:func:`check_top`);
:func:`check_blocks` validates each ``[[vary]]`` block by its ``kind`` (so one bad block does not
hide the others) and :func:`param_lines` numbers the lines of ``[[vary.params]]`` tables within
each block.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError

from simulator.batch.sampling import check_sample
from simulator.distributions import DistributionBlock
from simulator.errors import ProblemList, did_you_mean, problems_from_pydantic
from simulator.scenario.fields import Replications, SeedInt, StrictTable

DEFAULT_METRICS = ("balance_rate", "fund_spending", "retained_surplus", "community_net",
                   "county_visit_share", "primary_visit_share", "effective_reimbursement_rate")
KINDS = ("grid", "oat", "sample")


class _SweepTable(StrictTable):
    name: str = Field(min_length=1)
    base: str = Field(min_length=1)
    replications: Replications | None = None
    seed: SeedInt | None = None
    chunk_worlds: Replications = 10
    metrics: list[str] = Field(default=list(DEFAULT_METRICS), min_length=1)
    overrides: dict[str, Any] = Field(default_factory=dict)


class _Grid(StrictTable):
    kind: Literal["grid"]
    key: str
    values: list[Any] = Field(min_length=1)


class _Oat(StrictTable):
    kind: Literal["oat"]
    key: str
    low: Any
    high: Any


class _Param(DistributionBlock):
    """One drawn key of a sample block (fields: :class:`~simulator.distributions.DistributionBlock`)."""


#: most variants one sample block may draw: each is a whole scenario run, and the design matrix
#: (n × params floats) is built at load time, so an unbounded n could not even be validated
MAX_SAMPLE = 100_000


class _Sample(StrictTable):
    kind: Literal["sample"]
    method: Literal["lhs", "sobol"] = "lhs"
    n: int = Field(ge=1, le=MAX_SAMPLE)
    params: list[_Param] = Field(min_length=1)


class _County(StrictTable):
    name: str
    scenario: str | None = None
    overrides: dict[str, Any] = Field(default_factory=dict)


class _SweepFile(StrictTable):
    sweep: _SweepTable
    vary: list[dict[str, Any]] = Field(default_factory=list)
    county: list[_County] = Field(default_factory=list)


_BLOCKS = {"grid": _Grid, "oat": _Oat, "sample": _Sample}


def check_top(data: Any, file: str, lines: dict[str, int], problems: ProblemList) -> _SweepFile | None:
    """The whole file against the schema, or None with its problems added (those inside
    ``[[vary]]`` blocks are left to :func:`check_blocks`, which checks each block by its kind)."""
    try:
        return _SweepFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(p for p in problems_from_pydantic(exc, file=file, lines=lines, model=_SweepFile)
                        if not p.path.startswith("vary["))
        return None


def check_blocks(raw: Any, add, file: str, lines: dict[str, int],
                 problems: ProblemList) -> list[tuple[int, Any]]:
    """Validate each ``[[vary]]`` block by its kind; return (index, block) of the valid ones."""
    if not isinstance(raw, list):
        return []  # reported by the schema ("vary" must be an array of tables)
    blocks = []
    for i, item in enumerate(raw):
        at = f"vary[{i}]"
        if not isinstance(item, dict):
            add(at, "must be a table [[vary]]")
            continue
        kind = item.get("kind")
        if not isinstance(kind, str) or kind not in _BLOCKS:
            hint = did_you_mean(str(kind), KINDS) if isinstance(kind, str) else None
            add(f"{at}.kind", "required key is missing" if kind is None else f"unknown kind {kind!r}",
                hint or f"one of {', '.join(KINDS)}")
            continue
        model = _BLOCKS[kind]
        try:
            block = model.model_validate(item)
        except ValidationError as exc:
            problems.extend(problems_from_pydantic(exc, file=file, prefix=at, lines=lines, model=model))
            continue
        before = len(problems.items)
        if isinstance(block, _Sample):
            check_sample(block, at, add)
        if len(problems.items) == before:
            blocks.append((i, block))
    return blocks


def block_keys(block: Any) -> list[tuple[int | None, str]]:
    """(index in ``params`` or None, dotted scenario key) of each key a block varies."""
    if isinstance(block, _Sample):
        return [(j, p.key) for j, p in enumerate(block.params)]
    return [(None, block.key)]


def param_lines(text: str) -> dict[str, int]:
    """Lines of ``[[vary.params]]`` tables and their keys as ``vary[i].params[j].key``.

    (The generic scanner numbers ``vary.params`` across all blocks, not within each ``[[vary]]``.)
    """
    out: dict[str, int] = {}
    i, j, table = -1, -1, ""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if line == "[[vary]]":
            i, j, table = i + 1, -1, ""
        elif line == "[[vary.params]]" and i >= 0:
            j += 1
            table = f"vary[{i}].params[{j}]"
            out.setdefault(f"vary[{i}].params", number)
            out[table] = number
        elif line.startswith("["):
            table = ""
        elif table and "=" in line:
            out[f"{table}.{line.split('=', 1)[0].strip()}"] = number
    return out
