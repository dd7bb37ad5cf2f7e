"""Our loader, as the benchmark runs it: ``quint_reports.ingest.sync`` (or the whole nightly job) into a fresh or
landed database."""

from __future__ import annotations

from pathlib import Path

import duckdb

# Imported here, when the child picks its loader, so that the timed load call leaves the imports out.
from quint_reports.ingest.sync import sync
from quint_reports.jobs.nightly import nightly


def load(api_url: str, token: str, db: Path, concurrency: int, *, full: bool = True) -> dict[str, object]:
    """Run one sync (full or incremental); the token reaches it through ``QUINT_API_TOKEN``.

    ``token`` is only checked here: ``sync`` resolves it from the environment itself, as in production.
    """
    if not token:
        raise ValueError("QUINT_API_TOKEN must be set")
    result = sync(db, api_url=api_url, full=full, concurrency=concurrency, progress=False)
    return {"sync_requests": result.requests, "sync_seconds": result.seconds, "sync_status": result.status}


def nightly_run(api_url: str, token: str, db: Path, out: Path, *, full: bool = True) -> dict[str, object]:
    """Run the nightly job as cron does (sync at the default concurrency, checks, report into ``out``)."""
    if not token:
        raise ValueError("QUINT_API_TOKEN must be set")
    # The report's modules, imported by the job on its first use, are imported here so that the time is the job's.
    import quint_reports.reporting.build  # noqa: F401
    import quint_reports.reporting.gather  # noqa: F401

    result = nightly(db, out, api_url=api_url, full=full, fail_on="never", log_file=out.parent / "nightly.log")
    return {"nightly_exit": result.exit_code, "findings": result.findings}


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
