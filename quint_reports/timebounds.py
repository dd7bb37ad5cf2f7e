"""Window bounds given as datetimes, dates or ISO 8601 text, turned into UTC datetimes."""

from __future__ import annotations

from datetime import date, datetime, timezone

from quint_reports.exceptions import ConfigError

TimeBound = datetime | date | str | None
"""A window bound: a datetime, a date (midnight UTC), an ISO 8601 string, or None (open)."""


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
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
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
