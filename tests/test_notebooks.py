"""The example notebooks run top to bottom on the installed package (so they cannot drift)."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "examples" / "notebooks").glob("*.ipynb"))


def test_there_are_two_example_notebooks():
    assert [p.name for p in NOTEBOOKS] == ["market_scenarios.ipynb", "openness_policy.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes_without_error(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    # every code cell ran, and the figures were drawn
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code")
    assert any("image/png" in o.get("data", {}) for o in outputs)
