"""The naive peer: a sequential httpx loop with row-by-row inserts into DuckDB.

This is the loader most people write first: list the sessions, then for each
one fetch its detail, events and children one request after another, and
insert each row as it comes (``execute`` per session, ``executemany`` per
session's events, which DuckDB runs row by row). It keeps the same fields our
landing keeps, flattened into typed columns.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import httpx

SCHEMA = """
create table if not exists sessions (
    id varchar, session_name varchar, model varchar, signing_id varchar, state varchar,
    platform varchar, parent_id varchar, started_at varchar, ended_at varchar,
    total_events integer, max_risk double, avg_risk double, detail json
);
create table if not exists events (
    session_id varchar, id varchar, action_type varchar, tool_name varchar, arguments json,
    risk_score varchar, decision varchar, agent_id varchar, "timestamp" varchar
);
create table if not exists session_children (parent_id varchar, child_id varchar, child json);
"""


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def load(api_url: str, token: str, db: Path) -> None:
    """Load every session, its detail, events and children from ``api_url`` into ``db``."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=api_url, headers=headers, timeout=60.0) as client, duckdb.connect(str(db)) as con:
        con.execute(SCHEMA)
        listing = client.get("/v1/sessions")
        listing.raise_for_status()
        for record in listing.json()["sessions"]:
            session_id = record.get("id")
            if not isinstance(session_id, str):
                continue
            detail_response = client.get(f"/v1/sessions/{session_id}")
            if detail_response.status_code != 200:
                continue
            detail = detail_response.json()
            summary = detail.get("risk_summary") or {}
            con.execute(
                "insert into sessions values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    session_id,
                    _text(detail.get("session_name")),
                    _text(detail.get("model")),
                    _text(detail.get("signing_id")),
                    _text(detail.get("state")),
                    _text(detail.get("platform")),
                    _text(detail.get("parent_id")),
                    _text(detail.get("started_at")),
                    _text(detail.get("ended_at")),
                    summary.get("total_events") if isinstance(summary.get("total_events"), int) else None,
                    summary.get("max_risk") if isinstance(summary.get("max_risk"), (int, float)) else None,
                    summary.get("avg_risk") if isinstance(summary.get("avg_risk"), (int, float)) else None,
                    json.dumps(detail),
                ],
            )
            events = client.get(f"/v1/sessions/{session_id}/events")
            if events.status_code == 200:
                rows = [
                    [
                        session_id,
                        _text(event.get("id")),
                        _text(event.get("action_type")),
                        _text(event.get("tool_name")),
                        json.dumps(event.get("arguments")),
                        _text(event.get("risk_score")),
                        _text(event.get("decision")),
                        _text(event.get("agent_id")),
                        _text(event.get("timestamp")),
                    ]
                    for event in events.json()["events"]
                ]
                if rows:
                    con.executemany("insert into events values (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            children = client.get(f"/v1/sessions/{session_id}/children")
            if children.status_code == 200:
                for child in children.json()["children"]:
                    con.execute(
                        "insert into session_children values (?, ?, ?)",
                        [session_id, _text(child.get("id")), json.dumps(child)],
                    )


def count(db: Path) -> dict[str, int]:
    """Sessions and events the naive loader landed."""
    with duckdb.connect(str(db), read_only=True) as con:
        sessions = con.sql("select count(*) from sessions").fetchone()
        events = con.sql("select count(*) from events").fetchone()
    return {"sessions": int(sessions[0]) if sessions else 0, "events": int(events[0]) if events else 0}
