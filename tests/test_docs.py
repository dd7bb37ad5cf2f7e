"""The documentation cannot drift from the code: commands, switches, exit codes, public API."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

import quint_reports
from quint_reports.cli import build_parser
from quint_reports.commands import COMMANDS
from quint_reports.exceptions import EXIT_CODES
from quint_reports.simulator import simulate

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_readme_opens_with_the_two_commands() -> None:
    head = "\n".join(README.splitlines()[:10])
    assert "make demo" in head and "make test" in head


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_and_is_in_the_readme(command: str) -> None:
    parser = _subparsers()[command]
    assert parser.description
    assert "example" in (parser.description or "") + (parser.epilog or "")
    assert f"quint-reports {command}" in README


@pytest.mark.parametrize("command", ["sync", "check", "report", "nightly", "demo"])
def test_every_command_mirrors_a_public_function(command: str) -> None:
    assert callable(getattr(quint_reports, command))
    assert command in quint_reports.__all__


def test_simulate_mirrors_a_function_too() -> None:
    assert callable(simulate)


def test_every_exit_code_is_in_the_readme() -> None:
    for code in EXIT_CODES:
        assert re.search(rf"^\| {code} \|", README, re.M), f"exit code {code} missing from README"


def test_every_simulator_switch_is_in_the_readme() -> None:
    switches = {
        opt
        for action in _subparsers()["simulate"]._actions
        for opt in action.option_strings
        if opt.startswith("--") and opt != "--help"
    }
    missing = sorted(s for s in switches if f"`{s}" not in README)
    assert not missing, f"simulator switches not documented in README: {missing}"


def test_all_is_sorted_and_importable() -> None:
    assert quint_reports.__all__ == sorted(quint_reports.__all__)
    for name in quint_reports.__all__:
        assert hasattr(quint_reports, name), name


def test_every_documented_view_is_created_by_sql() -> None:
    documented = re.findall(r"^\| `(\w+)` \|", README.split("## Querying", 1)[1].split("\n## ", 1)[0], re.M)
    assert len(documented) >= 12
    sql_text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "sql").rglob("*.sql"))
    for view in documented:
        assert re.search(rf"create or replace view {view}\b", sql_text, re.I), view


def test_no_notebook_is_committed_with_outputs() -> None:
    import json

    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert len(notebooks) >= 3
    for path in notebooks:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        assert not any(c.get("outputs") or c.get("execution_count") for c in cells if c["cell_type"] == "code"), path
