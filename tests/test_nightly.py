"""``quint-reports nightly``: one exit code per outcome, a log file, never the token."""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from quint_reports.cli import main
from quint_reports.simulator import Faults
from quint_reports.warehouse.publish import lock_path


def _nightly(tmp_path: Path, *extra: str) -> int:
    return main(
        [
            "nightly",
            "--db",
            str(tmp_path / "q.duckdb"),
            "--out",
            str(tmp_path / "report"),
            "--log-file",
            str(tmp_path / "nightly.log"),
            *extra,
        ]
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_clean_organisation_exits_0(quint_simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sim = quint_simulator(seed=3, sessions=60, defects=False, doc_examples=False)
    monkeypatch.setenv("QUINT_API_TOKEN", sim.token)
    assert _nightly(tmp_path, "--api-url", sim.base_url) == 0
    assert (tmp_path / "report" / "index.html").is_file()
    log = (tmp_path / "nightly.log").read_text()
    assert "nightly run done" in log and "exit 0" in log
    assert log.count("sync success (full): sessions") == 1  # the first sync, summarised once
    assert sim.token not in log
    for path in (tmp_path / "report").rglob("*"):
        if path.is_file() and path.suffix in (".html", ".csv"):
            assert sim.token not in path.read_text(), path


def test_unwritable_report_folder_exits_2_after_a_sync(
    quint_simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = quint_simulator(seed=3, sessions=20, defects=False, doc_examples=False)
    monkeypatch.setenv("QUINT_API_TOKEN", sim.token)
    (tmp_path / "blocker").write_text("a file where the report's parent folder should be")
    code = main(
        [
            "nightly",
            "--db",
            str(tmp_path / "q.duckdb"),
            "--out",
            str(tmp_path / "blocker" / "report"),
            "--log-file",
            str(tmp_path / "nightly.log"),
            "--api-url",
            sim.base_url,
        ]
    )
    assert code == 2
    assert (tmp_path / "q.duckdb").is_file(), "the sync itself was published"
    assert "failed (exit 2)" in (tmp_path / "nightly.log").read_text()


def test_findings_exit_1_and_still_report(quint_simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sim = quint_simulator(seed=4, sessions=60, defects=True)
    monkeypatch.setenv("QUINT_API_TOKEN", sim.token)
    assert _nightly(tmp_path, "--api-url", sim.base_url) == 1
    index = tmp_path / "report" / "index.html"
    assert index.is_file() and "data/check_findings.csv" in index.read_text()
    log = (tmp_path / "nightly.log").read_text()
    findings = pd.read_csv(tmp_path / "report" / "data" / "check_findings.csv")
    assert (findings["severity"] == "error").any()
    for check_id, count in findings["check"].value_counts().items():
        assert f"finding {check_id}: {count}\n" in log
    assert sim.token not in log
    # The same data, judged with --fail-on never, is a clean run (incremental, nothing new).
    assert _nightly(tmp_path, "--api-url", sim.base_url, "--fail-on", "never") == 0


def test_bad_token_exits_3_without_a_report(quint_simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sim = quint_simulator(seed=5, sessions=10, defects=False)
    monkeypatch.setenv("QUINT_API_TOKEN", "qt_sk_not-the-right-one")
    assert _nightly(tmp_path, "--api-url", sim.base_url) == 3
    assert not (tmp_path / "report").exists()
    log = (tmp_path / "nightly.log").read_text()
    assert "failed (exit 3)" in log and "qt_sk_not-the-right-one" not in log


def test_unreachable_api_exits_4(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUINT_API_TOKEN", "qt_sk_whatever")
    assert _nightly(tmp_path, "--api-url", f"http://127.0.0.1:{_free_port()}") == 4
    assert "failed (exit 4)" in (tmp_path / "nightly.log").read_text()


def test_missing_token_exits_2(tmp_path: Path) -> None:
    assert _nightly(tmp_path, "--api-url", "http://127.0.0.1:9") == 2


def test_lock_held_by_another_process_exits_6(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUINT_API_TOKEN", "qt_sk_whatever")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import fcntl, os, sys, time
            fd = os.open({str(lock_path(tmp_path / "q.duckdb"))!r}, os.O_RDWR | os.O_CREAT, 0o644)
            fcntl.flock(fd, fcntl.LOCK_EX)
            print("held", flush=True)
            time.sleep(60)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert _nightly(tmp_path, "--api-url", "http://127.0.0.1:9") == 6
    finally:
        holder.kill()
        holder.communicate()  # reaps it and closes its pipe
    assert "failed (exit 6)" in (tmp_path / "nightly.log").read_text()


def test_partial_sync_exits_5_and_still_reports(
    quint_simulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Every attempt of a path fails with probability 0.6, up to any number of times: with 6
    # attempts per request some sessions fail for good (the seed makes it deterministic).
    faults = Faults(error_rate=0.6, max_faults_per_path=1000)
    sim = quint_simulator(seed=11, sessions=30, defects=False, doc_examples=False, faults=faults)
    monkeypatch.setenv("QUINT_API_TOKEN", sim.token)
    assert _nightly(tmp_path, "--api-url", sim.base_url) == 5
    assert (tmp_path / "report" / "index.html").is_file()
    log = (tmp_path / "nightly.log").read_text()
    assert "sync finished partially" in log and "exit 5" in log
