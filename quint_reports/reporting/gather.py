"""Read everything one report shows, from one connection (one snapshot).

The marts come through :mod:`quint_reports.analysis.marts`, the findings through
:func:`quint_reports.analysis.checks.check`; the two report-only queries (the
snapshot's sync run, the riskiest sessions and their trees) live in
``sql/queries/report_*.sql`` and run with bound parameters. Each session page reads
its session with the session notebook's queries (``analysis.session_tree``,
``session_events``, ``session_risk``).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import duckdb
import pandas as pd

from quint_reports.reporting.data import (
    MARTS,
    TOP_FINDINGS,
    TURN_LOOKBACK,
    ReportData,
    SessionDetail,
    Window,
    findings_first,
)
from quint_reports.warehouse.query import run_query

log = logging.getLogger(__name__)

FLEET_TOP = 10
"""Riskiest sessions shown on the fleet overview."""

GROUP_TOP = 5
"""Riskiest sessions shown on each model and platform page."""

ATTENTION_GROUPS, ATTENTION_SESSIONS = 12, 3
"""Rows of the index's "needs attention" table, and session ids listed in each."""

MAX_SESSION_PAGES = 200
"""Most session pages one report writes, so that a huge organisation's report stays bounded: the
riskiest sessions first (fleet, then per model and platform), then the rest of their trees, then the
sessions the findings table names. A session past the cap keeps its id, as text without a link."""

EVENTS_PER_PAGE = 500
"""Most events one session page lists (its first, in time order); the page says how many it leaves out."""


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


def turned_trends(
    con: duckdb.DuckDBPyConnection,
    window: Window,
    built_at: datetime,
    marts: dict[str, pd.DataFrame],
    lookback: timedelta = TURN_LOOKBACK,
) -> pd.DataFrame:
    """Models and platforms whose trend verdict now differs from the verdict over the window
    ``lookback`` earlier (an open end is the build time); 'insufficient data' on either side is no turn.

    The earlier verdicts come from the trend alone (``sql/queries/report_earlier_trends.sql``), not
    from the whole marts, which would read every event three times as often."""

    def earlier(bound: datetime | None) -> datetime | None:
        return bound - lookback if bound else None

    since, until = earlier(window.since), earlier(window.until or built_at)
    rows: list[dict[str, object]] = []
    if since and until and since >= until:  # a window starting after the build time has no earlier one
        return pd.DataFrame(rows, columns=["kind", "name", "before", "now", "trend_slope"])
    before = run_query(con, "report_earlier_trends", [since, until])
    verdicts = dict(zip(zip(before["kind"], before["name"], strict=True), before["trend"], strict=True))
    for kind in ("model", "platform"):
        now = marts[f"risk_by_{kind}"]
        for name, trend, slope in zip(now[kind], now["trend"], now["trend_slope"], strict=True):
            was = verdicts.get((kind, name))
            if was and was != trend and "insufficient data" not in (was, trend):
                rows.append({"kind": kind, "name": name, "before": was, "now": trend, "trend_slope": slope})
    return pd.DataFrame(rows, columns=["kind", "name", "before", "now", "trend_slope"])


def page_sessions(
    sessions: pd.DataFrame,
    top: dict[str, list[str]],
    findings: pd.DataFrame,
    attention: list[str] | None = None,
    cap: int = MAX_SESSION_PAGES,
) -> list[str]:
    """The ids of the sessions the report mentions, most important first, at most ``cap`` of them.

    Order: the riskiest sessions (fleet-wide, then per model and per platform), the sessions the
    "needs attention" table lists, the other members of the riskiest trees, then the sessions named
    by the findings the index lists.
    """
    chosen: dict[str, None] = {}
    named = [*[i for ids in top.values() for i in ids], *(attention or []), *sessions["session_id"]]
    named += list(findings_first(findings).head(TOP_FINDINGS)["session_id"]) if len(findings) else []
    for sid in named:
        if sid is None or (isinstance(sid, float) and sid != sid):
            continue
        chosen.setdefault(str(sid))
    return list(chosen)[:cap]


def session_details(
    con: duckdb.DuckDBPyConnection, session_ids: list[str], findings: pd.DataFrame, limit: int = EVENTS_PER_PAGE
) -> dict[str, SessionDetail]:
    """What the page of each of ``session_ids`` shows, in their order; ids the snapshot lacks are left out.

    Three queries for all the pages (the session notebook's, given the list): trees, the first
    ``limit`` events of each session, risk summaries.
    """
    from quint_reports import analysis

    if not session_ids:
        return {}
    trees = {str(k): part for k, part in analysis.session_tree(con, session_ids).groupby("focus_id", sort=False)}
    all_events = analysis.session_events(con, session_ids, limit)
    all_risks = analysis.session_risk(con, session_ids)
    events = {str(k): part for k, part in all_events.groupby("session_id")}
    risks = {str(k): part for k, part in all_risks.groupby("session_id")}
    owners = findings["session_id"].astype(str) if len(findings) else pd.Series([], dtype=str)
    # A session without events or a risk row gets the empty frame of the same read, not a query of its
    # own: an empty list still evaluates the whole session_risk view (0.6-1.1 s at 100,000 sessions).
    no_events, no_risk = all_events.iloc[0:0], all_risks.iloc[0:0]
    details = {}
    for sid in session_ids:
        tree = trees.get(sid)
        if tree is None or not (tree["level"] == 0).any():
            continue
        risk = risks.get(sid, no_risk)
        mine = events.get(sid, no_events)
        own = risk["own_events"].iloc[0] if len(risk) else None
        details[sid] = SessionDetail(
            session_id=sid,
            tree=tree.reset_index(drop=True),
            events=mine.reset_index(drop=True),
            event_count=len(mine) if own is None or pd.isna(own) else int(own),
            risk=risk.reset_index(drop=True),
            findings=findings[owners == sid] if len(findings) else findings,
        )
    return details


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
    findings = check(con)
    attention = run_query(
        con, "report_needs_attention", [window.since, window.until, ATTENTION_GROUPS, ATTENTION_SESSIONS]
    )
    named = [str(sid) for ids in attention["session_ids"] for sid in ids]
    data = ReportData(
        window=window,
        built_at=built_at,
        snapshot=snapshot_label(con),
        marts=marts,
        findings=findings,
        sessions=sessions,
        top=top,
        comparisons=run_query(con, "summary_comparisons"),
        resolved=resolved(con),
        incomplete=incomplete_count(con),
        session_details=session_details(con, page_sessions(sessions, top, findings, named), findings),
        attention=attention,
        turned=turned_trends(con, window, built_at, marts),
    )
    log.info(
        "report data: %d models, %d platforms, %d findings, %d sessions in the riskiest trees, %d session pages",
        len(marts["risk_by_model"]),
        len(marts["risk_by_platform"]),
        len(data.findings),
        len(sessions),
        len(data.session_details),
    )
    return data
