"""quint_reports: sync the Quint Security API into DuckDB, check it, and report risk per model and platform."""

from quint_reports import analysis
from quint_reports.analysis import (
    findings,
    risk_by_model,
    risk_by_model_day,
    risk_by_model_platform,
    risk_by_platform,
    risk_by_platform_day,
    risk_fleet,
    risk_fleet_day,
    session_events,
    session_risk,
    session_tree,
)
from quint_reports.checks import check, summarize
from quint_reports.demo import demo
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
from quint_reports.report_gather import riskiest_sessions
from quint_reports.state import state_reset, state_show
from quint_reports.sync import SyncResult, sync, sync_async
from quint_reports.views import apply_views, list_views

__all__ = [
    "NightlyResult",
    "SyncResult",
    "analysis",
    "apply_views",
    "check",
    "connect",
    "demo",
    "findings",
    "list_views",
    "nightly",
    "plot_band_distribution",
    "plot_daily_trend",
    "plot_event_timeline",
    "plot_model_comparison",
    "plot_reported_vs_recomputed",
    "plot_session_tree",
    "plot_top_items",
    "report",
    "risk_by_model",
    "risk_by_model_day",
    "risk_by_model_platform",
    "risk_by_platform",
    "risk_by_platform_day",
    "risk_fleet",
    "risk_fleet_day",
    "riskiest_sessions",
    "session_events",
    "session_risk",
    "session_tree",
    "state_reset",
    "state_show",
    "summarize",
    "sync",
    "sync_async",
]
