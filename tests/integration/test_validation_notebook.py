"""notebooks/03_validation.ipynb runs top to bottom (small sizes, well under 60 s) and is stored without outputs."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "03_validation.ipynb"


def test_validation_notebook_runs() -> None:
    nbformat = pytest.importorskip("nbformat", reason="nbformat not installed (pip install -e .[notebooks])")
    nbclient = pytest.importorskip("nbclient", reason="nbclient not installed (pip install -e .[notebooks])")
    pytest.importorskip("ipykernel", reason="ipykernel not installed (pip install -e .[notebooks])")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    started = time.perf_counter()
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    assert time.perf_counter() - started < 60


def test_validation_notebook_has_no_outputs() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None
