"""`make demo` runs this: the nightly job against a fresh simulator, summarised."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from quint_reports.cli import main
from quint_reports.jobs.demo import terminal_safe
from quint_reports.simulator import Simulator


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


def test_the_simulated_history_ends_where_it_is_told_and_is_reproducible() -> None:
    end = datetime(2026, 11, 30, 8, 30, tzinfo=timezone.utc)
    first, again = (
        Simulator(seed=5, sessions=80, defects=True, end=end),
        Simulator(seed=5, sessions=80, defects=True, end=end),
    )
    assert first.truth() == again.truth() and first.manifest == again.manifest  # same seed and end, same data
    assert first.now == "2026-11-30T08:30:00Z"
    generated = [
        s for s in first.truth()["sessions"].values() if s["id"] not in {"6ba7b810-9dad-11d1-80b4-00c04fd430c8"}
    ]
    starts = sorted(datetime.fromisoformat(s["started_at"].replace("Z", "+00:00")) for s in generated)
    stamps = [
        datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00"))
        for events in first.truth()["events"].values()
        for e in events
        if isinstance(e.get("timestamp"), str) and e["timestamp"] >= "2026-10"  # the docs' examples sit in April
    ]
    assert starts[-1] <= end and max(stamps) <= end and end - max(stamps) < timedelta(days=2)
    assert sum(start > end - timedelta(days=30) for start in starts) > len(starts) / 2
    # The default stays where every test and example expects it.
    assert Simulator(seed=5, sessions=80).now == "2026-05-01T00:00:00Z"
    assert Simulator(seed=5, sessions=80, end="2026-05-01").truth() == Simulator(seed=5, sessions=80).truth()
