"""The tutorial notebooks run top to bottom (nbclient, a fresh kernel, cwd = notebooks/).

They use small runs and must stay fast (well under 90 s each on 2 cores). Skipped where nbclient
or ipykernel is not installed (``pip install -e .[notebooks]``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ("01_quickstart.ipynb", "02_policy_comparison.ipynb", "04_uncertainty.ipynb")


@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs(name):
    nbformat = pytest.importorskip("nbformat", reason="nbformat not installed (pip install -e .[notebooks])")
    nbclient = pytest.importorskip("nbclient", reason="nbclient not installed (pip install -e .[notebooks])")
    pytest.importorskip("ipykernel", reason="ipykernel not installed (pip install -e .[notebooks])")
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError with the failing cell and traceback
    errors = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_without_outputs(name):
    import json

    nb = json.loads((NOTEBOOKS / name).read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [] and cell.get("execution_count") is None
