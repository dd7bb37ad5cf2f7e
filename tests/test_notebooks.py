"""The analyst notebooks: committed clean, and run top to bottom in a real kernel."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest
from report_db import simulated_db

from quint_reports.simulator import default_token

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ["risk_overview", "session_drilldown", "model_comparison"]
PARAMETERS = {
    "risk_overview": {"db", "days"},
    "session_drilldown": {"db", "session_id"},
    "model_comparison": {"db", "days", "models"},
}
FIGURES = {"risk_overview": 7, "session_drilldown": 3, "model_comparison": 3}
"""Plotly figures each notebook shows."""

SQL = re.compile(r"\bselect\b[\s\S]*\bfrom\b|\.sql\(|\.execute\(|read_sql|run_query", re.IGNORECASE)


@pytest.mark.parametrize("name", NAMES)
def test_committed_without_outputs_with_a_parameters_cell(name: str) -> None:
    path = NOTEBOOKS / f"{name}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert [c for c in code if "parameters" in c.metadata.get("tags", [])] == [code[0]]
    params = papermill.inspect_notebook(str(path))
    assert set(params) == PARAMETERS[name]
    assert not any("token" in p.lower() for p in params)
    source = "\n".join(c.source for c in code)
    assert not SQL.search(source), "notebooks use the Python API, not SQL"
    assert "quint_reports.connect(db)" in source


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_runs_top_to_bottom_against_a_simulated_database(
    name: str, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = simulated_db(tmp_path_factory.getbasetemp())
    parameters: dict[str, object] = {"db": str(db)}
    if name == "model_comparison":
        parameters["models"] = ["openai/gpt-4o", "gpt-4o", "<script>window.__pwned=1</script>"]
    output = tmp_path / f"{name}.out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(output),
        parameters=parameters,
        kernel_name="python3",
        execution_timeout=180,
        progress_bar=False,
        cwd=str(tmp_path),
    )
    nb = nbformat.read(output, as_version=4)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [o for o in outputs if "application/vnd.plotly.v1+json" in o.get("data", {})]
    assert len(figures) == FIGURES[name]
    for figure in figures:
        assert figure["data"]["application/vnd.plotly.v1+json"]["data"], "every figure has traces"
    text = output.read_text()
    assert default_token(7) not in text
    if name == "model_comparison":
        shown = json.dumps([f["data"]["application/vnd.plotly.v1+json"] for f in figures])
        assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in shown and "<script>window" not in shown
