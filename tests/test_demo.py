"""`make demo` runs this: the nightly job against a fresh simulator, summarised."""

from __future__ import annotations

from pathlib import Path

import pytest

from quint_reports.cli import main
from quint_reports.jobs.demo import terminal_safe


@pytest.mark.slow
def test_demo_runs_nightly_and_prints_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "demo"
    assert main(["demo", "--folder", str(folder), "--sessions", "200", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    index = folder / "report" / "index.html"
    assert index.is_file() and (folder / "quint.duckdb").is_file()
    assert "sessions by model" in out and "sessions by platform" in out
    # planted defects are found, and the nightly exit code says so
    assert "hierarchy.cycle=" in out and "data.duplicate_event=" in out
    assert "nightly exit code: 1" in out
    assert out.rstrip().endswith(str(index.resolve()))
    token = (folder / "simulator.token").read_text()
    assert token not in out and token not in (folder / "quint.duckdb.nightly.log").read_text()


def test_terminal_safe_neutralises_control_characters() -> None:
    assert terminal_safe("evil\x1b[2Jname\n") == "evil\\x1b[2Jname\\x0a"
    assert terminal_safe("x" * 50, width=10) == "x" * 9 + "…"
    assert terminal_safe("منصة 🤖") == "منصة 🤖"
