"""The analyst API: the marts and per-session views as DataFrames, mirroring the CLI.

Every function takes an open connection (``quint_reports.connect()``) and runs
a fixed query from ``sql/queries/`` with bound parameters::

    con = quint_reports.connect("quint.duckdb")
    risk_by_model(con, days=30)            # last 30 days of events
    risk_fleet(con, days=30)               # the whole fleet, same definitions
    risk_by_platform_day(con, since="2026-04-01", until="2026-05-01")
    session_tree(con, "6ba7b810-9dad-11d1-80b4-00c04fd430c8")

Windows bound event time: ``since`` inclusive, ``until`` exclusive, naive
values and dates meaning UTC; ``days`` means the last N days up to now and
excludes ``since``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import duckdb
import pandas as pd

from quint_reports.exceptions import ConfigError
from quint_reports.timebounds import TimeBound, resolve_window
from quint_reports.warehouse.query import run_query


def window(
    days: int | None = None, since: TimeBound = None, until: TimeBound = None, now: datetime | None = None
) -> tuple[datetime | None, datetime | None]:
    """The UTC bounds ``(since, until)`` of :func:`quint_reports.timebounds.resolve_window`'s window."""
    resolved = resolve_window(days, since, until, now)
    return resolved.since, resolved.until


def _mart(
    con: duckdb.DuckDBPyConnection, name: str, days: int | None, since: TimeBound, until: TimeBound
) -> pd.DataFrame:
    return run_query(con, name, window(days, since, until))


def risk_by_model(
    con: duckdb.DuckDBPyConnection, days: int | None = None, since: TimeBound = None, until: TimeBound = None
) -> pd.DataFrame:
    """Risk profile per model over the window (columns as the ``risk_by_model`` view)."""
    return _mart(con, "risk_by_model", days, since, until)


def risk_by_platform(
    con: duckdb.DuckDBPyConnection, days: int | None = None, since: TimeBound = None, until: TimeBound = None
) -> pd.DataFrame:
    """Risk profile per platform over the window (columns as the ``risk_by_platform`` view)."""
    return _mart(con, "risk_by_platform", days, since, until)


def risk_by_model_platform(
    con: duckdb.DuckDBPyConnection, days: int | None = None, since: TimeBound = None, until: TimeBound = None
) -> pd.DataFrame:
    """Risk profile per (model, platform) over the window."""
    return _mart(con, "risk_by_model_platform", days, since, until)


def risk_by_model_pair(
    con: duckdb.DuckDBPyConnection, days: int | None = None, since: TimeBound = None, until: TimeBound = None
) -> pd.DataFrame:
    """Is model A riskier than model B? One row per ordered pair, with the difference's 95% interval.

    ``verdict`` is ``riskier``, ``safer`` or ``no clear difference``: a two-sided test at 5% on the
    high+critical rates, with sessions (not events) as the independent units (see the README,
    "How the statistics work").
    """
    return _mart(con, "risk_by_model_pair", days, since, until)


def risk_by_tool(
    con: duckdb.DuckDBPyConnection, days: int | None = None, since: TimeBound = None, until: TimeBound = None
) -> pd.DataFrame:
    """Per tool: volume, high+critical rate, critical events allowed, blocked share; riskiest first."""
    return _mart(con, "risk_by_tool", days, since, until)


def risk_by_action_type(
    con: duckdb.DuckDBPyConnection, days: int | None = None, since: TimeBound = None, until: TimeBound = None
) -> pd.DataFrame:
    """Per action type: volume, high+critical rate, critical events allowed, blocked share; riskiest first."""
    return _mart(con, "risk_by_action_type", days, since, until)


def risk_by_model_day(
    con: duckdb.DuckDBPyConnection, days: int | None = None, since: TimeBound = None, until: TimeBound = None
) -> pd.DataFrame:
    """Daily risk series per model over the window."""
    return _mart(con, "risk_by_model_day", days, since, until)


def risk_by_platform_day(
    con: duckdb.DuckDBPyConnection, days: int | None = None, since: TimeBound = None, until: TimeBound = None
) -> pd.DataFrame:
    """Daily risk series per platform over the window."""
    return _mart(con, "risk_by_platform_day", days, since, until)


def risk_fleet(
    con: duckdb.DuckDBPyConnection, days: int | None = None, since: TimeBound = None, until: TimeBound = None
) -> pd.DataFrame:
    """Risk profile of the whole fleet over the window: one row, or none when the window is empty.

    The columns and denominators are those of :func:`risk_by_model`, so a
    fleet of one model equals that model's row.
    """
    return _mart(con, "risk_fleet", days, since, until)


def risk_fleet_day(
    con: duckdb.DuckDBPyConnection, days: int | None = None, since: TimeBound = None, until: TimeBound = None
) -> pd.DataFrame:
    """Daily risk series of the whole fleet over the window (with the EWMA of the daily maximum)."""
    return _mart(con, "risk_fleet_day", days, since, until)


def require_session(con: duckdb.DuckDBPyConnection, session_id: object) -> str:
    """``session_id`` when it names a session of the snapshot.

    Raises:
        ConfigError: it is not a non-empty string, or no session has that id (the message names it).
    """
    if not isinstance(session_id, str) or not session_id.strip():
        raise ConfigError(f"session_id must be a session's id (text), got {session_id!r}")
    if not bool(run_query(con, "session_known", [session_id])["known"].iloc[0]):
        raise ConfigError(
            f"no session {session_id!r} in this database: check the id (sessions lists them), "
            "or sync again if it started after the last sync"
        )
    return session_id


def _ids(session_ids: str | Sequence[str]) -> list[str]:
    return [session_ids] if isinstance(session_ids, str) else [str(i) for i in session_ids]


def session_risk(con: duckdb.DuckDBPyConnection, session_id: str | Sequence[str]) -> pd.DataFrame:
    """One session's reported risk_summary beside its own and subtree figures (0 or 1 row).

    A list of ids gives one row per session found, ordered by id.
    """
    return run_query(con, "session_risk", [_ids(session_id)])


def session_tree(con: duckdb.DuckDBPyConnection, session_id: str | Sequence[str]) -> pd.DataFrame:
    """A session's ancestors (level < 0), itself (0) and descendants (level > 0).

    A list of ids gives every one's tree, ``focus_id`` naming the session each row is relative to.
    """
    return run_query(con, "session_tree", [_ids(session_id)])


def session_events(
    con: duckdb.DuckDBPyConnection, session_id: str | Sequence[str], per_session: int | None = None
) -> pd.DataFrame:
    """One session's distinct events, in time order; with ``per_session``, only its first that many.

    A list of ids gives each session's events, grouped by session id.
    """
    return run_query(con, "session_events", [_ids(session_id), per_session])


def findings(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every cross-check finding (see ``quint_reports.analysis.checks.check``)."""
    return run_query(con, "findings")
