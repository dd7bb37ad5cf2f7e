"""What a report shows, gathered once from the marts: the window, the snapshot, the frames.

The report and the pages never query the database themselves: :func:`gather`
reads everything through :mod:`quint_reports.analysis.marts` and
:mod:`quint_reports.analysis.checks`, and the pages render the :class:`ReportData`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

import pandas as pd

from quint_reports.exceptions import ConfigError
from quint_reports.timebounds import to_utc

MARTS: tuple[str, ...] = (
    "risk_by_model",
    "risk_by_platform",
    "risk_by_model_day",
    "risk_by_platform_day",
    "risk_by_model_platform",
    "risk_fleet",
    "risk_fleet_day",
)
"""The marts every report exports to ``data/`` (plus ``check_findings``)."""


@dataclass(frozen=True)
class Window:
    """The event-time window a report covers; ``None`` bounds are open."""

    since: datetime | None = None
    until: datetime | None = None
    days: int | None = None

    @property
    def label(self) -> str:
        """Human text such as ``last 30 days (since 2026-10-29 00:00 UTC)`` or ``all data``."""

        def fmt(ts: datetime) -> str:
            return ts.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

        if self.since is None and self.until is None:
            return "all data"
        span = f"{fmt(self.since) if self.since else 'the start'} to {fmt(self.until) if self.until else 'now'}"
        return f"last {self.days} days ({span})" if self.days else span


def resolve_window(
    days: int | None = None,
    since: datetime | date | str | None = None,
    until: datetime | date | str | None = None,
    now: datetime | None = None,
) -> Window:
    """Turn ``--days`` or ``--since/--until`` into a :class:`Window`.

    Args:
        days: The last N days up to now; excludes ``since``/``until``.
        since: Inclusive lower bound on event time (naive means UTC).
        until: Exclusive upper bound on event time (naive means UTC).
        now: The clock, for tests.

    Returns:
        The window.

    Raises:
        ConfigError: ``days`` combined with ``since``/``until``, ``days`` < 1,
            an unreadable date, or ``since`` not before ``until``.
    """
    if days is not None:
        if since is not None or until is not None:
            raise ConfigError("use either --days or --since/--until, not both")
        if days < 1:
            raise ConfigError(f"--days must be at least 1, got {days}")
        end = now or datetime.now(timezone.utc)
        try:
            since_at = end - timedelta(days=days)
        except OverflowError:
            raise ConfigError(f"--days {days} reaches back before year 1: give a smaller number") from None
        return Window(since=since_at, until=None, days=days)
    lower, upper = to_utc(since, "--since"), to_utc(until, "--until")
    if lower is not None and upper is not None and lower >= upper:
        raise ConfigError(f"--since ({lower.isoformat()}) must be before --until ({upper.isoformat()})")
    return Window(since=lower, until=upper)


@dataclass
class ReportData:
    """Everything one report renders, read once from one snapshot."""

    window: Window
    built_at: datetime
    snapshot: str
    marts: dict[str, pd.DataFrame]
    findings: pd.DataFrame
    sessions: pd.DataFrame
    """The riskiest sessions and every member of their trees (see :func:`gather`)."""
    top: dict[str, list[str]]
    """Riskiest session ids: key ``fleet``, ``model:<name>`` or ``platform:<name>``."""
    comparisons: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["status", "reason", "sessions"]))
    """Risk summaries compared or not, and why (``sql/queries/summary_comparisons.sql``)."""
    resolved: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["check", "session_id"]))
    """Findings the latest sync no longer saw (``quint_reports.analysis.checks.resolved``)."""
    extra: dict[str, Any] = field(default_factory=dict)

    def trees(self, key: str) -> tuple[pd.DataFrame, list[str]]:
        """The sessions of the trees holding the riskiest sessions under ``key``, and those ids."""
        ids = [str(i) for i in self.top.get(key, [])]
        if not ids or self.sessions.empty:
            return self.sessions.iloc[0:0], ids
        frame = self.sessions
        chosen = frame["session_id"].astype(str).isin(ids)
        roots = set(frame.loc[chosen, "root_id"].dropna().astype(str))
        return frame[chosen | frame["root_id"].astype(str).isin(roots)], ids

    @property
    def fleet(self) -> dict[str, Any]:
        """The ``risk_fleet`` row as a dict; every value NaN when the window holds no event."""
        frame = self.marts["risk_fleet"]
        if frame.empty:
            return {column: math.nan for column in frame.columns}
        return dict(frame.iloc[0].to_dict())
