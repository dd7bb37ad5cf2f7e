"""Sync progress: a bar on a terminal, plain lines written to the stream otherwise, with no logging setup;
on a terminal, log lines print above the bar and the summary once."""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from quint_reports.ingest.client import ClientStats
from quint_reports.ingest.progress import SyncProgress
from quint_reports.simulator import Simulator

LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d sync: (sessions \d+/\d+, \d+ requests, \d+ retries)$")


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as stderr does in an interactive shell."""

    def isatty(self) -> bool:
        return True


def plain_lines(text: str) -> list[str]:
    lines = text.splitlines()
    assert all(LINE.match(line) for line in lines), lines
    return [LINE.match(line).group(1) for line in lines]  # type: ignore[union-attr]


def test_plain_mode_writes_lines_to_the_stream_itself() -> None:
    stats, stream = ClientStats(), io.StringIO()
    with SyncProgress(stats, stream=stream, interval=0) as progress:
        assert not progress.bar_mode  # a StringIO is no terminal
        progress.add_total(5)
        stats.requests, stats.retries = 7, 1
        progress.advance(2)
        progress.add_total(1)  # a referenced session discovered on the way
        progress.advance(4)
    assert plain_lines(stream.getvalue()) == [
        "sessions 0/5, 0 requests, 0 retries",
        "sessions 2/5, 7 requests, 1 retries",
        "sessions 2/6, 7 requests, 1 retries",
        "sessions 6/6, 7 requests, 1 retries",
        "sessions 6/6, 7 requests, 1 retries",  # the closing line
    ]


def test_plain_mode_writes_at_most_one_line_per_interval() -> None:
    now = [100.0]
    stats, stream = ClientStats(), io.StringIO()
    with SyncProgress(stats, stream=stream, interval=10, clock=lambda: now[0]) as progress:
        progress.add_total(3)
        progress.advance()
        now[0] += 9.9
        progress.advance()
        now[0] += 0.1
        progress.advance()
    assert plain_lines(stream.getvalue()) == ["sessions 3/3, 0 requests, 0 retries"] * 2


def test_bar_on_a_terminal_and_no_plain_lines() -> None:
    stats, stream = ClientStats(), Terminal()
    with SyncProgress(stats, stream=stream, interval=0) as progress:
        assert progress.bar_mode
        progress.add_total(5)
        stats.requests, stats.retries = 7, 1
        progress.advance(3)
    text = stream.getvalue()
    assert "3/5" in text and "7 requests, 1 retries" in text and "━" in text
    assert "sync: sessions" not in text


def test_forced_off_on_a_terminal_gives_plain_lines() -> None:
    stream = Terminal()
    with SyncProgress(ClientStats(), enabled=False, stream=stream, interval=0) as progress:
        progress.add_total(1)
        progress.advance()
    assert plain_lines(stream.getvalue())[-1] == "sessions 1/1, 0 requests, 0 retries"


def test_plain_mode_defaults_to_stderr_as_it_is_when_created(capsys: pytest.CaptureFixture[str]) -> None:
    with SyncProgress(ClientStats(), interval=0) as progress:
        progress.add_total(2)
    err = capsys.readouterr().err
    assert plain_lines(err)[0] == "sessions 0/2, 0 requests, 0 retries"


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def on_a_terminal(*args: str, env: dict[str, str]) -> str:
    """Run the CLI with stdout and stderr on a pseudo-terminal, as in an interactive shell; return what it showed."""
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "quint_reports", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, **env, "COLUMNS": "100", "LINES": "30"},
        close_fds=True,
    )
    os.close(follower)
    shown = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed its side
                break
            if not chunk:
                break
            shown += chunk
        elif child.poll() is not None:
            break
    os.close(leader)
    assert child.wait(timeout=120) == 0, shown.decode(errors="replace")
    return shown.decode()


def visible_lines(shown: str) -> list[str]:
    """What the terminal shows on each line: colours dropped, each line as its last redraw left it."""
    text = ANSI.sub("", shown).replace("\r\n", "\n")
    return [line.split("\r")[-1] for line in text.split("\n")]


@pytest.mark.slow
def test_a_terminal_shows_log_lines_above_the_bar_and_the_summary_once(
    quint_simulator: Callable[..., Simulator], tmp_path: Path
) -> None:
    sim = quint_simulator(seed=4, sessions=120, defects=True)
    token_file = tmp_path / "token"
    token_file.write_text(sim.token)
    token_file.chmod(0o600)
    db = str(tmp_path / "quint.duckdb")
    env = {"QUINT_API_URL": sim.base_url}
    first = on_a_terminal("sync", "--db", db, "--token-file", str(token_file), env=env)
    lines = visible_lines(first)
    # Every log line starts a line of its own; none is glued onto a frame of the bar.
    logged = [line for line in lines if " INFO quint_reports" in line]
    assert logged and all(re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO ", line) for line in logged), logged
    for at in re.finditer(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} INFO ", first):
        # ... and is written after a line break, or a carriage return that the bar's line was cleared after.
        before = ANSI.sub("", first[: at.start()])
        assert not before or before.endswith(("\n", "\r")), first[at.start() - 80 :]
    assert any("(full): " in line and "listed" in line for line in logged), "a first sync is labelled full"
    assert "━" in first and any(re.search(r"\b(\d+)/\1 \d+ requests", line) for line in lines)  # the bar, complete
    assert sum("sync success (full): sessions" in line for line in lines) == 1
    assert sim.token not in first

    sim.add_sessions(3)
    again = visible_lines(on_a_terminal("sync", "--db", db, "--token-file", str(token_file), env=env))
    assert sum("sync success (incremental): sessions 3 new" in line for line in again) == 1
