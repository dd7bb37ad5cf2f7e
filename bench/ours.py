"""Our loader, as the benchmark runs it: ``quint_reports.ingest.sync`` into a fresh or landed database."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Imported here, when the child picks its loader, so that the timed load call leaves the imports out.
from quint_reports.ingest.sync import sync


def load(api_url: str, token: str, db: Path, concurrency: int, *, full: bool = True) -> dict[str, object]:
    """Run one sync (full or incremental); the token reaches it through ``QUINT_API_TOKEN``.

    ``token`` is only checked here: ``sync`` resolves it from the environment itself, as in production.
    """
    if not token:
        raise ValueError("QUINT_API_TOKEN must be set")
    result = sync(db, api_url=api_url, full=full, concurrency=concurrency, progress=False)
    return {"sync_requests": result.requests, "sync_seconds": result.seconds, "sync_status": result.status}


def count(db: Path) -> dict[str, int]:
    """Sessions (with a 200 detail) and events landed in the published database."""
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.sql(
            """
            select
                (select count(*) from raw.raw_session_bodies where kind = 'detail' and http_status = 200),
                (select coalesce(sum(json_array_length(body, '$.events')), 0)
                 from raw.raw_session_bodies where kind = 'events' and http_status = 200)
            """
        ).fetchone()
    return {"sessions": int(row[0]), "events": int(row[1])} if row else {"sessions": 0, "events": 0}
