"""DuckDB landing: the ``raw`` tables, bulk upserts, ``internal._sync_runs`` and ``internal._fetch_state``.

Every write goes through an Arrow table registered on the connection and a
``MERGE INTO`` from ``sql/landing/`` (latest wins per key, duplicates within a
batch collapsed first), one transaction per batch. No row-by-row inserts.
The store knows nothing of HTTP; it is handed plain rows (``ingest/rows.py``).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import duckdb
import pyarrow as pa

from quint_reports.ingest.rows import Batch, BodyRow, ListRow, QuarantineRow
from quint_reports.timebounds import parse_iso
from quint_reports.warehouse.migrations import migrate
from quint_reports.warehouse.sqlfiles import read_sql, split_statements
from quint_reports.warehouse.views import LANDED, type_events

log = logging.getLogger(__name__)

WATERMARK_KEY = "sessions.started_at"
"""The _fetch_state key of the latest session start seen in a list response."""

_TS = pa.timestamp("us", tz="UTC")
_BODY_SCHEMA = pa.schema(
    [
        ("kind", pa.string()),
        ("seq", pa.int64()),
        ("session_id", pa.string()),
        ("run_id", pa.string()),
        ("fetched_at", _TS),
        ("endpoint", pa.string()),
        ("http_status", pa.int32()),
        ("body", pa.string()),
        ("body_raw", pa.binary()),
        ("rejected", pa.string()),
        ("body_md5", pa.string()),
    ]
)
_LIST_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("record_key", pa.string()),
        ("session_id", pa.string()),
        ("run_id", pa.string()),
        ("fetched_at", _TS),
        ("endpoint", pa.string()),
        ("record", pa.string()),
    ]
)
_QUARANTINE_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()),
        ("endpoint", pa.string()),
        ("record_key", pa.string()),
        ("reason", pa.string()),
        ("run_id", pa.string()),
        ("fetched_at", _TS),
        ("raw", pa.string()),
        ("raw_bytes", pa.binary()),
    ]
)


@dataclass
class ChangeTally:
    """New, updated and unchanged sessions over a whole run, whatever batches they landed in."""

    seen: dict[str, str] = field(default_factory=dict)

    def add(self, session_id: str, is_new: bool, is_changed: bool) -> None:
        """Classify a session; a session new earlier in the run stays new, a change is never undone."""
        before = self.seen.get(session_id)
        if before == "new" or (before is None and is_new):
            self.seen[session_id] = "new"
        elif before == "updated" or is_changed:
            self.seen[session_id] = "updated"
        else:
            self.seen[session_id] = "unchanged"

    def count(self, kind: str) -> int:
        """How many sessions are ``new``, ``updated`` or ``unchanged``."""
        return sum(1 for v in self.seen.values() if v == kind)


class Store:
    """The landing tables of one open (work) database."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def ensure_schema(self) -> list[int]:
        """Apply the schema migrations the database lacks (``sql/migrations/``); return those applied.

        Raises:
            DatabaseError: a migration failed (named), or the file is from a newer release.
        """
        return migrate(self.con)

    def record_findings(self, run_id: str, now: datetime) -> None:
        """Record the findings of the views just applied in ``_findings`` (first, last seen; resolved)."""
        params = {"run_id": run_id, "now": now}
        self.con.begin()
        try:
            for statement in split_statements(read_sql("landing/record_findings.sql")):
                self.con.execute(statement, {k: v for k, v in params.items() if f"${k}" in statement})
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    def type_events(self, run_id: str, bodies: list[BodyRow]) -> bool:
        """Type events bodies just written into ``staging.stg_events``, in a transaction of its own.

        Read from ``bodies`` themselves (the later body of a session wins, as in the upsert): a scan of the
        landed table would read every landed body's text.

        Returns:
            False when that failed (logged): the landed rows stand, and the next apply types them.
        """
        latest = {row.session_id: row for row in bodies if row.kind == "events"}
        if not latest:
            return True
        self.con.register(LANDED, _body_table(run_id, list(latest.values()), hashed=False))
        self.con.begin()
        try:
            type_events(self.con, landed=True)
        except duckdb.Error as exc:
            self.con.rollback()
            log.warning("typing the events as they land failed, the views will: %s", exc)
            return False
        finally:
            self.con.unregister(LANDED)
        self.con.commit()
        return True

    def start_run(self, run_id: str, mode: str, api_url: str, started_at: datetime) -> None:
        """Insert the ``_sync_runs`` row of a run that is starting."""
        self.con.execute(
            read_sql("landing/start_run.sql"),
            {"run_id": run_id, "started_at": started_at, "mode": mode, "api_url": api_url},
        )

    def finish_run(self, run_id: str, status: str, finished_at: datetime, counters: dict[str, Any]) -> None:
        """Record a run's outcome and counters (``sessions_new`` ... ``seconds``)."""
        self.con.execute(
            read_sql("landing/finish_run.sql"),
            {"run_id": run_id, "status": status, "finished_at": finished_at, **counters},
        )

    def get_state(self, key: str) -> str | None:
        """Return a ``_fetch_state`` value, or None."""
        row = self.con.execute(read_sql("landing/get_state.sql"), {"key": key}).fetchone()
        return None if row is None else row[0]

    def watermark(self) -> datetime | None:
        """The latest session start seen by an earlier run, or None before the first run."""
        value = self.get_state(WATERMARK_KEY)
        return parse_iso(value)

    def reset_state(self) -> None:
        """Forget the watermark: the next run lists every session."""
        self.con.execute(read_sql("landing/reset_state.sql"))

    def open_session_ids(self) -> list[str]:
        """Sessions landed but not ``ended`` (or whose detail never landed): refetched every run."""
        return sorted(r[0] for r in self.con.execute(read_sql("landing/open_sessions.sql")).fetchall())

    def unchanged_list_records(self, rows: list[ListRow]) -> tuple[set[str], set[str]]:
        """Of these list records, (the keys whose text is the landed one, the sessions of those whose detail landed
        whole): see ``sql/landing/unchanged_list_records.sql``."""
        self.con.register("listing_records", _list_table("", rows))  # the SQL reads key, session and text only
        try:
            found = self.con.execute(read_sql("landing/unchanged_list_records.sql")).fetchall()
        finally:
            self.con.unregister("listing_records")
        return {key for key, _, _ in found}, {sid for _, sid, whole in found if whole and sid is not None}

    def known_session_ids(self) -> set[str]:
        """Sessions whose detail has landed (answered 200 or 404)."""
        return {r[0] for r in self.con.execute(read_sql("landing/known_sessions.sql")).fetchall()}

    def listed_session_count(self) -> int:
        """Distinct session ids landed from the session list (what a --full listing is compared with)."""
        row = self.con.execute(read_sql("landing/listed_count.sql")).fetchone()
        return int(row[0]) if row else 0

    def known_parent_ids(self) -> set[str]:
        """Session ids that some landed session names as its parent."""
        return {r[0] for r in self.con.execute(read_sql("landing/known_parents.sql")).fetchall()}

    def write(
        self,
        run_id: str,
        batch: Batch,
        state: dict[str, str] | None = None,
        prune_keep: set[str] | None = None,
        tally: ChangeTally | None = None,
    ) -> None:
        """Upsert a batch in one transaction, with ``_fetch_state`` entries and an optional prune.

        Args:
            run_id: the run writing these rows.
            batch: the rows; duplicates within it are collapsed (the later one wins).
            state: ``_fetch_state`` entries committed with the rows (the watermark).
            prune_keep: when given (a --full run's last batch), delete every row this run did not
                write, except those of these session ids (whose fetch failed this run).
            tally: when given, each session of the batch is classified into it as new, updated or
                unchanged, by comparing body hashes with the landed rows before the upsert.
        """
        now = datetime.now(timezone.utc)
        bodies = _body_table(run_id, batch.bodies)
        listed = _list_table(run_id, batch.listed)
        quarantine = _quarantine_table(run_id, batch.quarantine)
        con = self.con
        con.register("batch_bodies", bodies)
        con.register("batch_list", listed)
        con.register("batch_quarantine", quarantine)
        con.register("keep_sessions", pa.table({"session_id": pa.array(sorted(prune_keep or ()), pa.string())}))
        try:
            con.begin()
            try:
                if tally is not None:
                    for session_id, is_new, is_changed in con.execute(read_sql("landing/compare_batch.sql")).fetchall():
                        tally.add(session_id, bool(is_new), bool(is_changed))
                con.execute(read_sql("landing/upsert_session_bodies.sql"))
                con.execute(read_sql("landing/upsert_session_list.sql"))
                con.execute(read_sql("landing/upsert_quarantine.sql"))
                if prune_keep is not None:
                    for statement in split_statements(read_sql("landing/prune_stale.sql")):
                        con.execute(statement, {"run_id": run_id})
                for key, value in (state or {}).items():
                    con.execute(read_sql("landing/set_state.sql"), {"key": key, "value": value, "updated_at": now})
                con.commit()
            except BaseException:
                con.rollback()
                raise
        finally:
            for name in ("batch_bodies", "batch_list", "batch_quarantine", "keep_sessions"):
                con.unregister(name)


def _body_table(run_id: str, rows: list[BodyRow], *, hashed: bool = True) -> pa.Table:
    """The rows as ``batch_bodies``; ``hashed``: with each body's md5 (hex, as SQL's ``md5(body)``), else NULL.

    Hashed here, in the writer's thread (hashlib lets the event loop run meanwhile), once: the comparison
    and the upsert both read it.
    """
    return pa.table(
        {
            "kind": [r.kind for r in rows],
            "seq": list(range(len(rows))),
            "session_id": [r.session_id for r in rows],
            "run_id": [run_id] * len(rows),
            "fetched_at": [r.fetched_at for r in rows],
            "endpoint": [r.endpoint for r in rows],
            "http_status": [r.http_status for r in rows],
            "body": [r.body for r in rows],
            "body_raw": [r.raw for r in rows],
            "rejected": [r.rejected for r in rows],
            "body_md5": [_md5(r.body) for r in rows] if hashed else [None] * len(rows),
        },
        schema=_BODY_SCHEMA,
    )


def _md5(body: str | None) -> str | None:
    # None fails the upsert's not-null body, as it would without the hash.
    return None if body is None else hashlib.md5(body.encode("utf-8")).hexdigest()


def _list_table(run_id: str, rows: list[ListRow]) -> pa.Table:
    return pa.table(
        {
            "seq": list(range(len(rows))),
            "record_key": [r.record_key for r in rows],
            "session_id": [r.session_id for r in rows],
            "run_id": [run_id] * len(rows),
            "fetched_at": [r.fetched_at for r in rows],
            "endpoint": [r.endpoint for r in rows],
            "record": [r.record for r in rows],
        },
        schema=_LIST_SCHEMA,
    )


def _quarantine_table(run_id: str, rows: list[QuarantineRow]) -> pa.Table:
    return pa.table(
        {
            "seq": list(range(len(rows))),
            "endpoint": [r.endpoint for r in rows],
            "record_key": [r.record_key for r in rows],
            "reason": [r.reason for r in rows],
            "run_id": [run_id] * len(rows),
            "fetched_at": [r.fetched_at for r in rows],
            "raw": [r.raw for r in rows],
            "raw_bytes": [r.raw_bytes for r in rows],
        },
        schema=_QUARANTINE_SCHEMA,
    )
