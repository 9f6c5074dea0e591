"""The output schema is the one description of worlds, flows and referrals (simulator.outputs)."""

from __future__ import annotations

from pathlib import Path

import pytest

import simulator
from simulator.indicators import KEYS, PRE_SETTLEMENT
from simulator.outputs import FLOW_COLUMNS, REFERRAL_COLUMNS, markdown, world_columns

DOCS = Path(__file__).resolve().parents[2] / "docs" / "outputs.md"


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    from tests.conftest import REFERENCE

    return simulator.run(REFERENCE, overrides=["population.size=2000", "scenario.years=1"],
                         replications=2, seed=4)


def _dtype(series) -> str:
    return "category" if str(series.dtype) == "category" else str(series.dtype)


@pytest.mark.parametrize("frame, schema", [("worlds", world_columns), ("flows", lambda _: FLOW_COLUMNS),
                                           ("referrals", lambda _: REFERRAL_COLUMNS)])
def test_written_tables_follow_the_schema(small, frame, schema) -> None:
    table = getattr(small, frame)
    columns = schema(tuple(p.key for p in small.scenario.uncertainty.param))
    assert list(table.columns) == [c.name for c in columns]
    assert {c.name: _dtype(table[c.name]) for c in columns} == {c.name: c.dtype for c in columns}


def test_stages_follow_the_indicator_table() -> None:
    stages = {c.name: c.stage for c in world_columns()}
    assert {k for k in KEYS if stages[k] == "pre"} == set(PRE_SETTLEMENT)
    assert stages["community_net"] == "post" and stages["world"] == "key"
    assert all(c.zh and c.en and c.unit for c in world_columns())


def test_docs_page_is_generated_from_the_schema() -> None:
    assert DOCS.read_text(encoding="utf-8") == markdown(), \
        "docs/outputs.md is stale: python -m simulator.outputs > docs/outputs.md"
