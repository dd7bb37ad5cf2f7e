"""Progress of a sync: a rich progress bar on a terminal, plain lines otherwise (cron, notebooks).

Plain lines are written to the stream directly rather than logged: a notebook
has no handler on our logger, so logged lines would never show there.

While the bar is shown, log handlers writing to the same terminal write through the
bar's console instead (rich prints them above the bar), so that a log line never
lands glued onto the bar's last frame.
"""

from __future__ import annotations

import io
import logging
import sys
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from quint_reports.ingest.client import ClientStats

LOG_EVERY_SECONDS = 10.0
"""Plain mode: one progress line at most this often, so cron logs stay short."""


class SyncProgress:
    """Sessions done/total, requests and retries, shown as a bar or as plain lines.

    Args:
        stats: the client's live counters.
        enabled: force the bar on or off; by default it is on when ``stream`` is a terminal.
        stream: where to write; by default ``sys.stderr`` as it is when the progress starts
            (in a notebook, the kernel's stream, so the lines show in the cell).
        interval: plain mode, seconds between two lines at most (the last line is always written).
        clock: monotonic seconds, for the interval.
    """

    def __init__(
        self,
        stats: ClientStats,
        enabled: bool | None = None,
        stream: IO[str] | None = None,
        *,
        interval: float = LOG_EVERY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stats = stats
        self.stream = stream or sys.stderr
        self.bar_mode = enabled if enabled is not None else self.stream.isatty()
        self.total = 0
        self.done = 0
        self.interval = interval
        self._clock = clock
        self._last_log = clock()
        self._bar: Progress | None = None
        self._task: int | None = None
        self._rerouted: list[tuple[logging.StreamHandler[IO[str]], IO[str]]] = []

    def __enter__(self) -> SyncProgress:
        if self.bar_mode:
            self._bar = Progress(
                TextColumn("sessions"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[requests]} requests, {task.fields[retries]} retries"),
                TimeElapsedColumn(),
                console=Console(file=self.stream),
                transient=False,
            )
            self._bar.__enter__()
            self._task = self._bar.add_task("sync", total=None, requests=0, retries=0)
            proxy = _ConsoleLines(self._bar.console)
            for handler in _handlers_writing_to(self.stream):
                self._rerouted.append((handler, handler.stream))
                handler.setStream(proxy)  # type: ignore[arg-type]
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._refresh()
            for handler, stream in self._rerouted:
                handler.flush()
                handler.setStream(stream)
            self._rerouted.clear()
            self._bar.__exit__(None, None, None)
            self._bar = None
        elif not self.bar_mode:
            self._write_line()

    def add_total(self, n: int) -> None:
        """More sessions to fetch (the list, then referenced ids discovered on the way)."""
        self.total += n
        self._refresh()

    def advance(self, n: int = 1) -> None:
        """``n`` more sessions fetched."""
        self.done += n
        self._refresh()

    def _refresh(self) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.update(
                self._task,  # type: ignore[arg-type]
                total=self.total,
                completed=self.done,
                requests=self.stats.requests,
                retries=self.stats.retries,
            )
        elif not self.bar_mode and self._clock() - self._last_log >= self.interval:
            self._write_line()

    def _write_line(self) -> None:
        self._last_log = self._clock()
        stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        self.stream.write(
            f"{stamp} sync: sessions {self.done}/{self.total}, {self.stats.requests} requests, "
            f"{self.stats.retries} retries\n"
        )
        self.stream.flush()


class _ConsoleLines(io.TextIOBase):
    """A text stream that prints each whole line through a rich console, above its live display.

    Lines are plain text (no markup, control codes stripped) and never re-wrapped by rich.
    """

    def __init__(self, console: Console) -> None:
        self._console = console
        self._partial = ""

    def write(self, text: str) -> int:
        *lines, self._partial = (self._partial + text).split("\n")
        for line in lines:
            self._console.print(Text(line), soft_wrap=True)
        return len(text)

    def flush(self) -> None:
        if self._partial:
            self._console.print(Text(self._partial), soft_wrap=True)
            self._partial = ""


def _handlers_writing_to(stream: IO[str]) -> list[logging.StreamHandler[IO[str]]]:
    """Every console log handler (not a file's) that writes to ``stream``'s terminal."""

    def same(other: object) -> bool:
        if other is stream:
            return True
        try:
            return other.fileno() == stream.fileno()  # type: ignore[attr-defined]
        except (AttributeError, OSError, ValueError):
            return False

    loggers = [logging.getLogger()] + [
        logger for logger in logging.Logger.manager.loggerDict.values() if isinstance(logger, logging.Logger)
    ]
    return [
        handler
        for logger in loggers
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler)
        and not isinstance(handler, logging.FileHandler)
        and same(handler.stream)
    ]
