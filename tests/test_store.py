"""Landing writes: bulk upserts, in-batch dedupe, change counts, state in the same transaction."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import duckdb
import pytest

import quint_reports
from quint_reports.ingest.endpoints import BODY_KINDS
from quint_reports.ingest.rows import Batch, BodyRow, ListRow, QuarantineRow
from quint_reports.ingest.store import WATERMARK_KEY, ChangeTally, Store

T0 = datetime(2026, 4, 12, 14, 0, tzinfo=timezone.utc)
DETAIL = "/v1/sessions/{id}"


def detail(session_id: str, state: str = "ended", status: int = 200, **extra: object) -> BodyRow:
    body = json.dumps({"id": session_id, "state": state, **extra}) if status == 200 else '{"error": "not found"}'
    return BodyRow("detail", session_id, T0, DETAIL, status, body)


def events(session_id: str, n: int) -> BodyRow:
    body = json.dumps({"events": [{"id": f"{session_id}-{i}"} for i in range(n)]})
    return BodyRow("events", session_id, T0, "/v1/sessions/{id}/events", 200, body)


@pytest.fixture
def store() -> Store:
    s = Store(duckdb.connect(":memory:"))
    s.ensure_schema()
    s.ensure_schema()  # idempotent
    return s


def count(store: Store, table: str) -> int:
    """Rows of a raw table, or of one kind of raw.raw_session_bodies (``detail``, ``events``, ``children``)."""
    if table in BODY_KINDS:
        query, params = "select count(*) from raw.raw_session_bodies where kind = ?", [table]
    else:
        query, params = f"select count(*) from {table}", []
    return store.con.execute(query, params).fetchone()[0]  # type: ignore[index]


def tally(store: Store, run_id: str, batch: Batch) -> tuple[int, int, int]:
    t = ChangeTally()
    store.write(run_id, batch, tally=t)
    return t.count("new"), t.count("updated"), t.count("unchanged")


def test_duplicates_within_a_batch_collapse_to_the_last(store: Store) -> None:
    assert tally(store, "r1", Batch(bodies=[detail("a", "active"), detail("b"), detail("a", "ended")])) == (2, 0, 0)
    rows = store.con.execute(
        "select session_id, body from raw.raw_session_bodies where kind = 'detail' order by 1"
    ).fetchall()
    assert [r[0] for r in rows] == ["a", "b"] and json.loads(rows[0][1])["state"] == "ended"


def test_rewrites_are_idempotent_and_counted(store: Store) -> None:
    store.write("r1", Batch(bodies=[detail("a"), events("a", 2), detail("b", "active")]))
    assert tally(store, "r2", Batch(bodies=[detail("a"), events("a", 2), detail("b", "active")])) == (0, 0, 2)
    changed = Batch(bodies=[detail("a"), events("a", 3), detail("b", "ended"), detail("c")])
    assert tally(store, "r3", changed) == (1, 2, 0)
    assert count(store, "detail") == 3 and count(store, "events") == 1
    assert store.con.execute("select run_id from raw.raw_session_bodies where kind = 'events'").fetchone() == ("r3",)


def test_each_landed_body_keeps_its_md5(store: Store) -> None:
    """The comparison reads the stored hash, never the landed text: it must be md5(body) after every upsert."""
    store.write("r1", Batch(bodies=[detail("a"), events("a", 2), detail("b", "active")]))
    store.write("r2", Batch(bodies=[events("a", 3), detail("b", "ended"), detail("c", status=404)]))
    rows = store.con.execute("select body_md5, md5(body) from raw.raw_session_bodies").fetchall()
    assert len(rows) == 4 and all(stored == computed for stored, computed in rows)


def test_list_records_and_quarantine_upsert_by_key(store: Store) -> None:
    rows = [ListRow("a", "a", T0, "/v1/sessions", '{"id": "a"}'), ListRow("md5:x", None, T0, "/v1/sessions", "[1]")]
    bad = QuarantineRow("/v1/sessions", "md5:x", "record is not an object", T0, "[1]")
    for run in ("r1", "r2"):
        store.write(run, Batch(listed=rows, quarantine=[bad, bad]))
    assert count(store, "raw.raw_session_list") == 2 and count(store, "raw.raw_quarantine") == 1


def test_watermark_commits_with_the_rows_or_not_at_all(store: Store) -> None:
    store.write("r1", Batch(bodies=[detail("a")]), state={WATERMARK_KEY: T0.isoformat()})
    assert store.watermark() == T0
    broken = BodyRow("events", "b", T0, "/v1/sessions/{id}/events", 200, None)  # type: ignore[arg-type]
    later = datetime(2027, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(duckdb.Error):
        store.write("r2", Batch(bodies=[detail("b"), broken]), state={WATERMARK_KEY: later.isoformat()})
    assert store.watermark() == T0
    assert store.known_session_ids() == {"a"}


def test_open_sessions_are_the_ones_to_refetch(store: Store) -> None:
    long_ago = (T0 - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    moments_ago = (T0 - timedelta(minutes=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    unscored = BodyRow(
        "events",
        "unscored",
        T0,
        "/v1/sessions/{id}/events",
        200,
        '{"events": [{"id": "e1", "risk_score": 5}, {"id": "e2", "risk_score": null}]}',
    )
    stale = BodyRow(
        "events", "stale events", T0 - timedelta(hours=1), "/v1/sessions/{id}/events", 200, '{"events": []}'
    )
    store.write(
        "r1",
        Batch(
            bodies=[
                detail("ended", ended_at=long_ago),
                events("ended", 2),
                detail("active", "active"),
                detail("idle", "idle"),
                detail("gone", status=404),
                BodyRow("detail", "garbled", T0, DETAIL, 200, "{not json"),
                detail("no events", ended_at=long_ago),
                detail("stale events", ended_at=long_ago),
                stale,
                detail("just ended", ended_at=moments_ago),
                events("just ended", 1),
                detail("unscored", ended_at=long_ago),
                unscored,
            ],
            listed=[ListRow("never", "never", T0, "/v1/sessions", '{"id": "never"}')],
        ),
    )
    # Everything not settled when fetched, as int_sessions_settled defines it, plus late scores.
    assert store.open_session_ids() == [
        "active",
        "garbled",
        "idle",
        "just ended",
        "never",
        "no events",
        "stale events",
        "unscored",
    ]
    assert "ended" in store.known_session_ids() and "gone" in store.known_session_ids()


def test_known_parents_come_from_list_and_detail(store: Store) -> None:
    store.write(
        "r1",
        Batch(
            bodies=[detail("c1", parent_id="p1"), detail("c2", parent_id=None), detail("c3", parent_id=7)],
            listed=[ListRow("c4", "c4", T0, "/v1/sessions", '{"id": "c4", "parent_id": "p2"}')],
        ),
    )
    assert store.known_parent_ids() == {"p1", "p2"}


def test_prune_keeps_only_this_run_and_failed_sessions(store: Store) -> None:
    store.write("r1", Batch(bodies=[detail("old"), detail("failed"), events("old", 1)]))
    store.write("r2", Batch(bodies=[detail("new")]), prune_keep={"failed"})
    assert store.known_session_ids() == {"new", "failed"}
    assert count(store, "events") == 0


class CountingConnection:
    """A DuckDB connection that counts the statements sent through it."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.calls: list[str] = []

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append("execute")
        return self._con.execute(*args, **kwargs)

    def executemany(self, *args: Any, **kwargs: Any) -> Any:
        self.calls.append("executemany")
        return self._con.executemany(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def statements_for(n: int) -> tuple[list[str], Store]:
    """Land ``n`` sessions (detail, events, list record, quarantine row each) and count the statements."""
    con = CountingConnection(duckdb.connect(":memory:"))
    store = Store(con)  # type: ignore[arg-type]
    store.ensure_schema()
    batch = Batch(
        bodies=[b for i in range(n) for b in (detail(f"s{i}", "active", parent_id="p"), events(f"s{i}", 2))],
        listed=[ListRow(f"s{i}", f"s{i}", T0, "/v1/sessions", json.dumps({"id": f"s{i}"})) for i in range(n)],
        quarantine=[QuarantineRow("/v1/sessions", f"s{i}", "id is not a valid UUID", T0, "{}") for i in range(n)],
    )
    con.calls.clear()
    store.write("r1", batch, state={WATERMARK_KEY: T0.isoformat()}, prune_keep=set(), tally=ChangeTally())
    return con.calls, store


def test_a_large_batch_is_one_bulk_write() -> None:
    one, _ = statements_for(1)
    calls, store = statements_for(20_000)
    assert "executemany" not in calls
    assert calls == one  # the same statements for 1 row as for 20,000: nothing runs per row
    assert len(calls) < 20
    assert count(store, "detail") == count(store, "raw.raw_session_list") == 20_000
    assert count(store, "events") == count(store, "raw.raw_quarantine") == 20_000


def test_the_package_has_no_row_by_row_write() -> None:
    package = Path(quint_reports.__file__).parent
    offenders = [str(p.relative_to(package)) for p in package.rglob("*.py") if "executemany" in p.read_text("utf-8")]
    assert offenders == []


def test_a_session_new_in_one_batch_stays_new_in_the_next(store: Store) -> None:
    run = ChangeTally()
    store.write("r1", Batch(bodies=[detail("p")]), tally=run)
    store.write("r1", Batch(bodies=[BodyRow("children", "p", T0, "/v1/sessions/{id}/children", 200, "{}")]), tally=run)
    assert run.count("new") == 1 and run.count("updated") == 0


def test_open_sessions_are_found_within_a_memory_limit_smaller_than_the_events_bodies(tmp_path: Path) -> None:
    """The events bodies' text (60 MB here) is read once and not held: the lookup fits in 48MB (at 100,000
    sessions the bodies are 2.5 GB; holding them in the join ran out of the default limit)."""
    con = duckdb.connect(str(tmp_path / "big.duckdb"))
    con.execute("set memory_limit = '48MB'")
    con.execute(f"set temp_directory = '{tmp_path / 'spill'}'")
    con.execute("set threads = 2")
    store = Store(con)
    store.ensure_schema()
    long_ago = (T0 - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    for part in range(12):
        ids = [f"s{part}-{i}" for i in range(25)]
        bodies = [detail(sid, ended_at=long_ago) for sid in ids]
        bodies += [events(sid, 5_000) for sid in ids]  # about 200 KB of text each
        store.write("r1", Batch(bodies=bodies))
    store.write("r1", Batch(bodies=[detail("still", "active"), events("still", 3)]))
    assert store.open_session_ids() == ["still"]
