"""The dlt peer: dlt's ``rest_api`` source into DuckDB, with its parallelism on.

Configured as dlt's REST API docs recommend: one list resource, and dependent
resources for the detail, events and children of each session, bound with the
``{resources.sessions.id}`` path placeholder and ``parallelized=True`` so the
per-session requests run in dlt's extract thread pool. The pool size
(``EXTRACT__WORKERS``) is set to the same concurrency our sync gets.

Tuned the way dlt's docs allow: nested fields kept as JSON columns
(``max_table_nesting=0``, no child tables to normalise into), the ``parquet``
loader file format, and normalisation over two worker processes (one per core).
Tried on 2,000 sessions at 0 ms, c=8: ``insert_values`` (dlt's default for DuckDB)
83 s, ``parquet`` 45 s; ``jsonl`` fails on this data (DuckDB's ``read_json`` guesses
a column's type from a sample and then meets an id it cannot convert).
``QBENCH_DLT_FORMAT`` picks another format.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import duckdb

DATASET = "quint"
"""The DuckDB schema dlt writes its tables into."""


def configure(workers: int) -> None:
    """Set dlt's extract pool size and switch off telemetry (no network here)."""
    os.environ["EXTRACT__WORKERS"] = str(workers)
    # Deferred items in flight; dlt's default of 20 would cap concurrency 32 and 64.
    os.environ["EXTRACT__MAX_PARALLEL_ITEMS"] = str(max(20, workers))
    # One normalise process per core (the machine has two).
    os.environ["NORMALIZE__WORKERS"] = "2"
    os.environ["RUNTIME__DLTHUB_TELEMETRY"] = "false"
    os.environ.setdefault("RUNTIME__LOG_LEVEL", "WARNING")


def _dependent(name: str, path: str, selector: str, *, include_id: bool) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "name": name,
        "parallelized": True,
        "endpoint": {"path": path, "data_selector": selector},
    }
    if include_id:
        # Adds `_sessions_id` to each record, as the docs show for child endpoints.
        resource["include_from_parent"] = ["id"]
    return resource


def rest_config(api_url: str, token: str) -> dict[str, Any]:
    """The ``RESTAPIConfig`` for the Quint API."""
    return {
        "client": {"base_url": api_url, "auth": {"type": "bearer", "token": token}},
        "resource_defaults": {
            "write_disposition": "replace",
            # The API documents no pagination: say so, rather than let dlt guess.
            "endpoint": {"paginator": "single_page"},
        },
        "resources": [
            {"name": "sessions", "primary_key": "id", "endpoint": {"path": "v1/sessions", "data_selector": "sessions"}},
            _dependent("session_detail", "v1/sessions/{resources.sessions.id}", "$", include_id=False),
            _dependent("session_events", "v1/sessions/{resources.sessions.id}/events", "events", include_id=True),
            _dependent("session_children", "v1/sessions/{resources.sessions.id}/children", "children", include_id=True),
        ],
    }


def load(api_url: str, token: str, db: Path, work_dir: Path, workers: int) -> None:
    """Run a dlt pipeline that loads the whole organisation into ``db``."""
    configure(workers)
    import dlt  # imported after configure(): dlt reads its config at import and run time
    from dlt.sources.rest_api import rest_api_source

    source = rest_api_source(rest_config(api_url, token), name="quint", parallelized=True)  # type: ignore[arg-type]
    # Nested fields as JSON columns: no child tables to unnest into.
    source.max_table_nesting = 0
    pipeline = dlt.pipeline(
        pipeline_name="quint_bench",
        destination=dlt.destinations.duckdb(str(db)),
        dataset_name=DATASET,
        pipelines_dir=str(work_dir / "dlt_pipelines"),
        progress="log" if os.environ.get("QBENCH_DLT_PROGRESS") else None,
    )
    pipeline.run(source, loader_file_format=os.environ.get("QBENCH_DLT_FORMAT", "parquet"))


def count(db: Path) -> dict[str, int]:
    """Sessions (with a detail) and events the dlt pipeline landed."""
    with duckdb.connect(str(db), read_only=True) as con:
        sessions = con.sql(f"select count(*) from {DATASET}.session_detail").fetchone()
        events = con.sql(f"select count(*) from {DATASET}.session_events").fetchone()
    return {"sessions": int(sessions[0]) if sessions else 0, "events": int(events[0]) if events else 0}
