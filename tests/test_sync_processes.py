"""Sync with real processes: kill -9 mid-run, a second sync, readers holding the file, the CLI, a notebook kernel."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from test_sync import assert_truth, settings_for

from quint_reports import connect, sync
from quint_reports.simulator import Faults, Simulator
from quint_reports.warehouse.publish import lock_path, work_path

SimFactory = Callable[..., Simulator]
DUCKDB_CLI = Path(sys.executable).with_name("duckdb")
NOTEBOOK = Path(__file__).parent / "notebooks" / "sync_in_notebook.ipynb"


def cli(sim: Simulator, *args: str, token: str | None = None, **popen: object) -> subprocess.Popen[str]:
    """Start ``quint-reports`` in a child process, token in its environment only."""
    env = {**os.environ, "QUINT_API_TOKEN": token or sim.token, "QUINT_API_URL": sim.base_url}
    return subprocess.Popen(
        [sys.executable, "-m", "quint_reports", *args],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **popen,  # type: ignore[call-overload]
    )


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def detail_rows(db: Path) -> int:
    with connect(db) as con:
        return con.execute("select count(*) from raw.raw_session_bodies where kind = 'detail'").fetchone()[0]  # type: ignore[index]


def test_kill_9_mid_sync_leaves_the_published_file_intact(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=21, sessions=150)
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    sim.add_sessions(40)
    sim.advance(0.5)
    sim.faults = Faults(latency_ms=60)  # slow enough that the run is surely killed half way
    before = db.read_bytes()
    wal = Path(f"{work_path(db)}.wal")

    writer = cli(sim, "sync", "--db", str(db), "--concurrency", "1", "--batch-size", "5", "--no-progress")
    wait_for(lambda: wal.exists() or writer.poll() is not None, "the first batch in the work file")
    assert writer.poll() is None, writer.communicate()

    second = cli(sim, "sync", "--db", str(db), "--no-progress")
    out, err = second.communicate(timeout=60)
    assert second.returncode == 6, err
    assert str(lock_path(db)) in err and f"PID {writer.pid}" in err

    assert db.read_bytes() == before  # readers meanwhile see the last complete snapshot
    assert detail_rows(db) > 0
    assert writer.poll() is None
    writer.send_signal(signal.SIGKILL)
    writer.communicate(timeout=30)  # reaps it and closes its pipes
    assert db.read_bytes() == before

    sim.faults = Faults()
    sync(settings=settings_for(sim, db))
    assert_truth(db, sim)
    assert not work_path(db).exists() and not wal.exists()


def test_readers_holding_the_file_never_block_the_sync(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=22, sessions=100)
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    old = detail_rows(db)
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import sys, quint_reports\n"
                f"con = quint_reports.connect({str(db)!r})\n"
                "q = \"select count(*) from raw.raw_session_bodies where kind = 'detail'\"\n"
                "print(con.execute(q).fetchone()[0], flush=True)\n"
                "sys.stdin.readline()\n"
                f"print(con.execute(q).fetchone()[0], quint_reports.connect({str(db)!r}).execute(q).fetchone()[0])\n"
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    terminal = subprocess.Popen(
        [str(DUCKDB_CLI), "-readonly", "-csv", "-noheader", str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    query = "select count(*) from raw.raw_session_bodies where kind = 'detail';\n"
    try:
        assert reader.stdout is not None and int(reader.stdout.readline()) == old
        assert terminal.stdin is not None and terminal.stdout is not None
        terminal.stdin.write(query)
        terminal.stdin.flush()
        assert int(terminal.stdout.readline()) == old  # the shell has the file open before the sync starts
        sim.add_sessions(15)
        result = sync(settings=settings_for(sim, db))
        assert result.status == "success" and result.sessions_new >= 15
        new = detail_rows(db)
        assert new > old
        held_old, reconnected = reader.communicate("go\n", timeout=60)[0].split()
        assert (int(held_old), int(reconnected)) == (old, new)
        shell_out, shell_err = terminal.communicate(query, timeout=60)
        assert terminal.returncode == 0, shell_err
        assert int(shell_out.strip()) == old  # the shell opened before the sync keeps its snapshot
    finally:
        for proc in (reader, terminal):
            if proc.poll() is None:
                proc.kill()
    cli_now = subprocess.run(
        [
            str(DUCKDB_CLI),
            "-readonly",
            "-csv",
            "-noheader",
            str(db),
            "-c",
            "select count(*) from raw.raw_session_bodies where kind = 'detail'",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(cli_now.stdout.strip()) == new
    assert_truth(db, sim)


def test_cli_sync_exit_codes_and_no_token_in_its_output(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(
        seed=23, sessions=40, defects=True, faults=Faults(error_rate=0.2, rate_limit_rate=0.1, retry_after=0)
    )
    db = tmp_path / "quint.duckdb"
    ok = cli(sim, "-v", "sync", "--db", str(db), "--progress")
    out, err = ok.communicate(timeout=120)
    assert ok.returncode == 0, err
    assert "sync success" in out and "requests" in out and "retries" in out
    assert sim.token not in out + err and "Authorization" not in err
    assert sim.token.encode() not in db.read_bytes()

    wrong = "qt_sk_not_the_right_one_123"
    refused = cli(sim, "sync", "--db", str(db), token=wrong)
    out, err = refused.communicate(timeout=60)
    assert refused.returncode == 3 and "QUINT_API_TOKEN" in err and wrong not in out + err

    insecure = cli(sim, "sync", "--db", str(db), "--api-url", "http://api.example.com")
    _, err = insecure.communicate(timeout=60)
    assert insecure.returncode == 2 and "plain http" in err

    token_file = tmp_path / "token"
    token_file.write_text(sim.token + "\n")
    env = {k: v for k, v in os.environ.items() if k != "QUINT_API_TOKEN"}
    by_file = subprocess.run(
        [
            sys.executable,
            "-m",
            "quint_reports",
            "sync",
            "--db",
            str(db),
            "--api-url",
            sim.base_url,
            "--token-file",
            str(token_file),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert by_file.returncode == 0, by_file.stderr
    assert "0 new, 0 updated" in by_file.stdout and sim.token not in by_file.stdout + by_file.stderr

    helped = subprocess.run([sys.executable, "-m", "quint_reports", "sync", "--help"], capture_output=True, text=True)
    for code in ("2", "3", "4", "5", "6", "7"):
        assert f"\n  {code}  " in helped.stdout


@pytest.mark.slow
def test_sync_runs_in_a_notebook_kernel(
    quint_simulator: SimFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = quint_simulator(seed=24, sessions=60)
    db = tmp_path / "quint.duckdb"
    monkeypatch.setenv("QUINT_API_URL", sim.base_url)
    monkeypatch.setenv("QUINT_API_TOKEN", sim.token)
    monkeypatch.setenv("QUINT_DB", str(db))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")  # committed clean
    NotebookClient(nb, kernel_name="python3", timeout=300, resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "".join(out.get("text", "") for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs)
    total = len(sim.truth()["sessions"]) + len(sim.truth()["missing"])
    assert f"first success {total}" in text
    assert re.search(r"second success 0 0 [1-9]\d*\n", text)  # incremental: open sessions refetched, unchanged
    assert f"landed {total}" in text
    assert sim.token not in nbformat.writes(nb)
    assert_truth(db, sim)
