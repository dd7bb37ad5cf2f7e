"""Time, one way: ISO 8601 read and written, window bounds turned into UTC, the window rule.

Everything that reads a timestamp from the API or the user, writes one to the API or
the database, or resolves ``days`` / ``since`` / ``until`` goes through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from quint_reports.exceptions import ConfigError

TimeBound = datetime | date | str | None
"""A window bound: a datetime, a date (midnight UTC), an ISO 8601 string, or None (open)."""


def _from_iso(text: str) -> datetime:
    # Python 3.10's fromisoformat does not read a trailing Z.
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def parse_iso(value: Any) -> datetime | None:
    """An ISO 8601 datetime (API text) as an aware UTC datetime, or None when it is not one.

    A bare date (``2026-04-12``) is not a datetime. A value without an offset is taken as UTC.
    """
    if not isinstance(value, str) or len(value) <= 10:
        return None
    try:
        parsed = _from_iso(value)
    except ValueError:
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def is_iso(value: Any) -> bool:
    """Whether ``value`` is ISO 8601 datetime text: :func:`parse_iso` without building the result."""
    if not isinstance(value, str) or len(value) <= 10:
        return False
    try:
        _from_iso(value)
    except ValueError:
        return False
    return True


def iso_z(ts: datetime) -> str:
    """``2026-04-12T09:30:00Z``: whole seconds in UTC, the form the API documents and the state table keeps.

    isoformat pads the year to four digits, where strftime("%Y") writes year 1 as "1".
    """
    return ts.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0).isoformat() + "Z"


def utc_label(ts: datetime, seconds: bool = False) -> str:
    """``2026-04-12 09:30 UTC`` (with ``:SS`` when ``seconds``): how pages and messages show a time."""
    return ts.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC" if seconds else "%Y-%m-%d %H:%M UTC")


def end_time(value: str | None) -> datetime | None:
    """A ``--end`` option: ``now`` is the current time (whole seconds), else as ``to_utc``."""
    if value == "now":
        return datetime.now(timezone.utc).replace(microsecond=0)
    return to_utc(value, "--end")


def to_utc(value: TimeBound, name: str) -> datetime | None:
    """Return ``value`` as an aware UTC datetime (naive values and dates mean UTC).

    Args:
        value: The bound; None or "" is an open bound.
        name: What the bound is called where the user gave it (``since``, ``--until``), for the error.

    Raises:
        ConfigError: The text is not an ISO 8601 date or datetime.
    """
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = _from_iso(value)
        except ValueError as exc:
            raise ConfigError(f"{name} {value!r} is not an ISO 8601 date or datetime, e.g. 2026-04-01") from exc
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    try:
        utc = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    except OverflowError:
        utc = None
    if utc is None or utc.year > 9998:
        raise ConfigError(f"{name} {value.isoformat()} is out of range: give a date between 0001 and 9998")
    return utc


@dataclass(frozen=True)
class Window:
    """An event-time window: ``since`` inclusive, ``until`` exclusive, ``None`` open; ``days`` when given so."""

    since: datetime | None = None
    until: datetime | None = None
    days: int | None = None

    @property
    def label(self) -> str:
        """Human text such as ``last 30 days (2026-10-29 00:00 UTC to now)`` or ``all data``."""
        if self.since is None and self.until is None:
            return "all data"
        start = utc_label(self.since) if self.since else "the start"
        span = f"{start} to {utc_label(self.until) if self.until else 'now'}"
        return f"last {self.days} days ({span})" if self.days else span


def resolve_window(
    days: int | None = None, since: TimeBound = None, until: TimeBound = None, now: datetime | None = None
) -> Window:
    """The one window rule of the CLI, the reports, the mart functions and the notebooks.

    Args:
        days: The last N days up to now; excludes ``since`` and ``until``.
        since: Inclusive lower bound on event time (naive means UTC).
        until: Exclusive upper bound on event time (naive means UTC).
        now: The clock, for tests.

    Raises:
        ConfigError: ``days`` combined with ``since``/``until``, ``days`` < 1,
            an unreadable bound, or ``since`` not before ``until``.
    """
    if days is not None:
        if since is not None or until is not None:
            raise ConfigError("use either days (--days) or since/until (--since/--until), not both")
        if days < 1:
            raise ConfigError(f"days (--days) must be at least 1, got {days}")
        try:
            start = (now or datetime.now(timezone.utc)) - timedelta(days=days)
        except OverflowError:
            raise ConfigError(f"--days {days} reaches back before year 1: give a smaller number") from None
        return Window(since=start, days=days)
    lower, upper = to_utc(since, "since"), to_utc(until, "until")
    if lower is not None and upper is not None and lower >= upper:
        raise ConfigError(f"since ({lower.isoformat()}) must be before until ({upper.isoformat()})")
    return Window(since=lower, until=upper)
