"""The example notebook runs top to bottom on the shared ICEWS18 data (nbclient, the python3 kernel of this venv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import REPO

NOTEBOOK = REPO / "examples" / "russia-india-pakistan.ipynb"


def test_the_example_notebook_runs(shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    monkeypatch.setenv("FULCRUM_SHARED_DATA", str(shared_data))
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOK.parent)}}
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = [o.get("data", {}) for o in outputs if o.output_type in ("execute_result", "display_data")]
    # The charts came out as SVG, the answers as HTML tables.
    assert sum("image/svg+xml" in d for d in shown) == 2
    assert any("text/html" in d and "RUS between IND and PAK" in d["text/html"] for d in shown)
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "read 468558 = stored 468558" in printed
