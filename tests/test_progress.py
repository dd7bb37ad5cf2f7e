"""Sync progress: a bar on a terminal, plain lines written to the stream otherwise, with no logging setup."""

from __future__ import annotations

import io
import re

import pytest

from quint_reports.ingest.client import ClientStats
from quint_reports.ingest.progress import SyncProgress

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
