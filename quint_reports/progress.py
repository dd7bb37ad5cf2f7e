"""Progress of a sync: a rich progress bar on a terminal, plain log lines otherwise (cron, notebooks)."""

from __future__ import annotations

import logging
import sys
import time
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from quint_reports.client import ClientStats

log = logging.getLogger("quint_reports.sync")

LOG_EVERY_SECONDS = 10.0
"""Plain mode: one progress line at most this often, so cron logs stay short."""


class SyncProgress:
    """Sessions done/total, requests and retries, shown as a bar or as log lines."""

    def __init__(self, stats: ClientStats, enabled: bool | None = None, stream: IO[str] | None = None) -> None:
        self.stats = stats
        self.stream = stream or sys.stderr
        self.bar_mode = enabled if enabled is not None else self.stream.isatty()
        self.total = 0
        self.done = 0
        self._last_log = time.monotonic()
        self._bar: Progress | None = None
        self._task: int | None = None

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
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._refresh()
            self._bar.__exit__(None, None, None)
            self._bar = None

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
        elif time.monotonic() - self._last_log >= LOG_EVERY_SECONDS:
            self._last_log = time.monotonic()
            log.info(
                "sessions %d/%d, %d requests, %d retries", self.done, self.total, self.stats.requests, self.stats.retries
            )
