"""The sync's bookkeeping, for ``quint-reports state show|reset``: watermark and recent runs."""

from __future__ import annotations

import os
from typing import Any

from quint_reports.ingest.store import WATERMARK_KEY, Store
from quint_reports.warehouse.publish import WorkDatabase, connect, resolve_db
from quint_reports.warehouse.sqlfiles import read_sql


def state_show(db: str | os.PathLike[str] | None = None, runs: int = 10) -> dict[str, Any]:
    """Return the watermark and the latest ``runs`` sync runs of the published database.

    Raises:
        DatabaseError: there is no published database at that path.
    """
    with connect(db) as con:
        store = Store(con)
        watermark = store.get_state(WATERMARK_KEY)
        cursor = con.execute(read_sql("landing/runs.sql"), {"limit": runs})
        names = [d[0] for d in cursor.description or []]
        rows = [dict(zip(names, row, strict=False)) for row in cursor.fetchall()]
        open_sessions = len(store.open_session_ids())
    return {"db": str(resolve_db(db)), "watermark": watermark, "open_sessions": open_sessions, "runs": rows}


def state_reset(db: str | os.PathLike[str] | None = None) -> None:
    """Forget the watermark, so that the next sync lists every session again; landed rows stay.

    Takes the writer lock and publishes like a sync does, so readers are never disturbed.

    Raises:
        LockHeld: a sync is running. DatabaseError: no published database, or it cannot be published.
    """
    path = resolve_db(db)
    connect(path).close()  # a clear error when there is nothing to reset
    with WorkDatabase(path) as work:
        assert work.con is not None
        Store(work.con).reset_state()
        work.publish()
