"""Read everything one report shows, from one connection (one snapshot).

The marts come through :mod:`quint_reports.analysis.marts`, the findings through
:func:`quint_reports.analysis.checks.check`; the two report-only queries (the
snapshot's sync run, the riskiest sessions and their trees) live in
``sql/queries/report_*.sql`` and run with bound parameters.
"""

from __future__ import annotations

import logging
from datetime import datetime

import duckdb
import pandas as pd

from quint_reports.reporting.data import MARTS, ReportData, Window
from quint_reports.warehouse.query import run_query

log = logging.getLogger(__name__)

FLEET_TOP = 10
"""Riskiest sessions shown on the fleet overview."""

GROUP_TOP = 5
"""Riskiest sessions shown on each model and platform page."""


def snapshot_label(con: duckdb.DuckDBPyConnection) -> str:
    """Name the snapshot a report reads: the newest finished sync run in it."""
    try:
        runs = run_query(con, "report_snapshot")
    except duckdb.CatalogException:  # a database not written by sync (no _sync_runs)
        return "unknown (no sync run recorded)"
    if runs.empty:
        return "unknown (no finished sync run)"
    run = runs.iloc[0]
    finished = pd.Timestamp(run["finished_at"]).tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"sync run {run['run_id']} ({run['mode']}, {run['status']}) finished {finished}"


def incomplete_count(con: duckdb.DuckDBPyConnection) -> int:
    """Sessions of the snapshot lacking their detail or events (0 for a snapshot without the view)."""
    try:
        return int(run_query(con, "report_incomplete").iloc[0]["sessions"])
    except duckdb.CatalogException:
        return 0


def riskiest_sessions(
    con: duckdb.DuckDBPyConnection,
    window: Window | None = None,
    fleet_top: int = FLEET_TOP,
    group_top: int = GROUP_TOP,
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The riskiest sessions of the window with their trees, and who is top where.

    Args:
        con: An open connection (``quint_reports.connect()``).
        window: Event-time window (see :func:`~quint_reports.reporting.data.resolve_window`); None: all data.
        fleet_top: How many sessions to pick fleet-wide.
        group_top: How many sessions to pick per model and per platform.

    Returns:
        The sessions frame (see ``sql/queries/report_riskiest_sessions.sql``) and
        ``{"fleet": [ids], "model:<name>": [ids], "platform:<name>": [ids]}``,
        each list riskiest first.
    """
    window = window or Window()
    frame = run_query(con, "report_riskiest_sessions", [window.since, window.until, fleet_top, group_top])
    top: dict[str, list[str]] = {"fleet": frame.loc[frame["top_fleet"], "session_id"].astype(str).tolist()}
    for kind in ("model", "platform"):
        chosen = frame[frame[f"top_{kind}"]]
        for name, part in chosen.groupby(f"window_{kind}", sort=False):
            top[f"{kind}:{name}"] = part["session_id"].astype(str).tolist()
    return frame, top


def gather(con: duckdb.DuckDBPyConnection, window: Window, built_at: datetime) -> ReportData:
    """Read the marts, the findings, the riskiest sessions and the snapshot's name.

    Args:
        con: A read-only connection (``quint_reports.connect()``).
        window: The event-time window of the marts and the riskiest sessions.
        built_at: The report's build time, shown on every page.

    Returns:
        The report's data. Findings cover all data: a check is about the
        snapshot, not about a time window.
    """
    from quint_reports import analysis
    from quint_reports.analysis.checks import check, resolved

    marts = {name: getattr(analysis, name)(con, since=window.since, until=window.until) for name in MARTS}
    sessions, top = riskiest_sessions(con, window)
    data = ReportData(
        window=window,
        built_at=built_at,
        snapshot=snapshot_label(con),
        marts=marts,
        findings=check(con),
        sessions=sessions,
        top=top,
        comparisons=run_query(con, "summary_comparisons"),
        resolved=resolved(con),
        incomplete=incomplete_count(con),
    )
    log.info(
        "report data: %d models, %d platforms, %d findings, %d sessions in the riskiest trees",
        len(marts["risk_by_model"]),
        len(marts["risk_by_platform"]),
        len(data.findings),
        len(sessions),
    )
    return data
