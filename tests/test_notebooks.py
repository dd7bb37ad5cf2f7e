"""The analyst notebooks: committed clean, and run top to bottom in a real kernel."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import papermill
import pytest
from report_db import simulated_db

from quint_reports.metrics import metric
from quint_reports.simulator import default_token

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
NAMES = ["risk_overview", "session_drilldown", "model_comparison"]
PARAMETERS = {
    "risk_overview": {"db", "days", "since", "until"},
    "session_drilldown": {"db", "session_id"},
    "model_comparison": {"db", "days", "since", "until", "models"},
}
FIGURES = {"risk_overview": 7, "session_drilldown": 3, "model_comparison": 3}
"""Plotly figures each notebook shows."""

SQL = re.compile(r"\bselect\b[\s\S]*\bfrom\b|\.sql\(|\.execute\(|read_sql|run_query", re.IGNORECASE)


def run_notebook(name: str, out: Path, parameters: dict[str, object]) -> nbformat.NotebookNode:
    """Execute a notebook with papermill in a real kernel and return the executed notebook."""
    output = out / f"{name}.out.ipynb"
    papermill.execute_notebook(
        str(NOTEBOOKS / f"{name}.ipynb"),
        str(output),
        parameters=parameters,
        kernel_name="python3",
        execution_timeout=180,
        progress_bar=False,
        cwd=str(out),
    )
    return nbformat.read(output, as_version=4)


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
    nb = run_notebook(name, tmp_path, parameters)
    output = tmp_path / f"{name}.out.ipynb"
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


def table_index(nb: nbformat.NotebookNode, heading: str) -> list[str]:
    """The row labels of the first HTML table output whose header row holds ``heading``."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            html = out.get("data", {}).get("text/html", "")
            if html and f"<th>{heading}</th>" in html:
                return re.findall(r"<tr>\s*<th>([^<]+)</th>", html.split("</thead>", 1)[1])
    raise AssertionError(f"no table with a {heading!r} column")


@pytest.mark.slow
def test_model_comparison_takes_a_model_string_and_a_since_until_window(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """`-p models "gpt-4o, o3-mini"` is two models; since/until narrow the marts; headings come from the catalogue."""
    db = simulated_db(tmp_path_factory.getbasetemp())
    whole = run_notebook("model_comparison", tmp_path, {"db": str(db), "models": "gpt-4o, o3-mini, no-such-model"})
    heading = metric("high_critical_rate", "risk_by_model").heading
    assert heading != "high_critical_rate"
    assert sorted(table_index(whole, heading)) == ["gpt-4o", "o3-mini"]
    printed = "".join(o.get("text", "") for c in whole.cells for o in c.get("outputs", []))
    assert "no events in this window for: no-such-model" in printed
    # A window after every event: no model has events, and the notebook still runs to the end.
    later = run_notebook("model_comparison", tmp_path, {"db": str(db), "models": "gpt-4o", "since": "2100-01-01"})
    assert "no events in this window for: gpt-4o" in "".join(
        o.get("text", "") for c in later.cells for o in c.get("outputs", [])
    )


@pytest.mark.slow
def test_days_with_since_is_refused_in_the_first_cells(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = simulated_db(tmp_path_factory.getbasetemp())
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        run_notebook("risk_overview", tmp_path, {"db": str(db), "days": 7, "since": "2026-04-01"})
    assert caught.value.ename == "ConfigError" and "not both" in caught.value.evalue
    assert "analysis.window(days, since, until)" in caught.value.source  # the setup cell, before any figure


@pytest.mark.slow
def test_an_unknown_session_id_is_named_before_any_plot(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    db = simulated_db(tmp_path_factory.getbasetemp())
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        run_notebook("session_drilldown", tmp_path, {"db": str(db), "session_id": "no-such-session"})
    assert caught.value.ename == "ConfigError"
    assert "no session 'no-such-session' in this database" in caught.value.evalue
    executed = nbformat.read(tmp_path / "session_drilldown.out.ipynb", as_version=4)
    plotted = [
        o for c in executed.cells for o in c.get("outputs", []) if "application/vnd.plotly.v1+json" in o.get("data", {})
    ]
    assert plotted == []
