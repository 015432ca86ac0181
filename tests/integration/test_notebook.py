"""examples/notebook.ipynb runs in a real Jupyter kernel (issue 23.5): every cell executes,
progress and results show as HTML (no terminal escapes in a cell's output), and the run it
makes is an ordinary run of its archive."""

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import galapagos as gp

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "notebook.ipynb"


def execute(tmp_path: Path, model: str, timeout: int) -> nbformat.NotebookNode:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    os.environ["GALAPAGOS_MODEL"] = model
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        del os.environ["GALAPAGOS_MODEL"]
    return nb


def outputs(nb: nbformat.NotebookNode) -> list[dict]:
    return [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]


def test_the_notebook_executes_with_html_progress_and_result(tmp_path):
    nb = execute(tmp_path, "fake/deterministic", timeout=300)
    outs = outputs(nb)
    assert not [o for o in outs if o.output_type == "error"]
    text = "".join(str(o.get("text", "")) + str(o.get("data", {})) for o in outs)
    assert "\x1b[" not in text and "\\x1b[" not in text
    html = [o["data"]["text/html"] for o in outs if "text/html" in o.get("data", {})]
    assert any("metric calls" in h and "iteration" in h for h in html)  # the progress line
    assert any("<table>" in h and "seed val" in h for h in html)        # the result
    run = gp.open(tmp_path / "notebook-runs.db").run()
    assert run.row.status == "finished" and run.row.task == "python:capitals"


@pytest.mark.local_llm
def test_the_notebook_runs_on_the_embedded_model(tmp_path):
    nb = execute(tmp_path, "local/gemma3-270m", timeout=900)
    assert not [o for o in outputs(nb) if o.output_type == "error"]
    row = gp.open(tmp_path / "notebook-runs.db").run().row
    assert row.status == "finished" and row.best_val is not None and row.search_calls <= 40
