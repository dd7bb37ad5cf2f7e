"""quint_reports: sync the Quint Security API into DuckDB, check it, and report risk per model and platform."""

from quint_reports.nightly import NightlyResult, nightly
from quint_reports.plots import (
    plot_band_distribution,
    plot_daily_trend,
    plot_event_timeline,
    plot_model_comparison,
    plot_reported_vs_recomputed,
    plot_session_tree,
    plot_top_items,
)
from quint_reports.publish import connect
from quint_reports.report import report
from quint_reports.report_data import fleet_summary
from quint_reports.report_gather import riskiest_sessions
from quint_reports.sync import SyncResult, sync, sync_async

__all__ = [
    "NightlyResult",
    "SyncResult",
    "connect",
    "fleet_summary",
    "nightly",
    "plot_band_distribution",
    "plot_daily_trend",
    "plot_event_timeline",
    "plot_model_comparison",
    "plot_reported_vs_recomputed",
    "plot_session_tree",
    "plot_top_items",
    "report",
    "riskiest_sessions",
    "sync",
    "sync_async",
]
