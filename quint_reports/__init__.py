"""quint_reports: sync the Quint Security API into DuckDB, check it, and report risk per model and platform."""

from quint_reports.publish import connect
from quint_reports.sync import SyncResult, sync, sync_async

__all__ = [
    "SyncResult",
    "connect",
    "sync",
    "sync_async",
]
