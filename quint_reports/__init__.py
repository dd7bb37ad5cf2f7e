"""quint_reports: sync the Quint Security API into DuckDB, check it, and report risk per model and platform."""

# Names load on first use, so that `quint-reports --help` and a no-op `check` do not pay
# for pandas, plotly and the simulator (PEP 562).
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_WHERE = {
    "NightlyResult": "quint_reports.jobs.nightly",
    "SyncResult": "quint_reports.ingest.sync",
    "analysis": "quint_reports.analysis",
    "apply_views": "quint_reports.warehouse.views",
    "check": "quint_reports.analysis.checks",
    "connect": "quint_reports.warehouse.publish",
    "demo": "quint_reports.jobs.demo",
    "findings": "quint_reports.analysis.marts",
    "list_views": "quint_reports.warehouse.views",
    "nightly": "quint_reports.jobs.nightly",
    "plot_band_distribution": "quint_reports.reporting.plots",
    "plot_daily_trend": "quint_reports.reporting.plots",
    "plot_event_timeline": "quint_reports.reporting.plots",
    "plot_model_comparison": "quint_reports.reporting.plots",
    "plot_reported_vs_recomputed": "quint_reports.reporting.plots",
    "plot_session_tree": "quint_reports.reporting.plots",
    "plot_top_items": "quint_reports.reporting.plots",
    "report": "quint_reports.reporting.build",
    "risk_by_model": "quint_reports.analysis.marts",
    "risk_by_model_day": "quint_reports.analysis.marts",
    "risk_by_model_pair": "quint_reports.analysis.marts",
    "risk_by_model_platform": "quint_reports.analysis.marts",
    "risk_by_platform": "quint_reports.analysis.marts",
    "risk_by_platform_day": "quint_reports.analysis.marts",
    "risk_fleet": "quint_reports.analysis.marts",
    "risk_fleet_day": "quint_reports.analysis.marts",
    "riskiest_sessions": "quint_reports.reporting.gather",
    "session_events": "quint_reports.analysis.marts",
    "session_risk": "quint_reports.analysis.marts",
    "session_tree": "quint_reports.analysis.marts",
    "state_reset": "quint_reports.warehouse.state",
    "state_show": "quint_reports.warehouse.state",
    "summarize": "quint_reports.analysis.checks",
    "sync": "quint_reports.ingest.sync",
    "sync_async": "quint_reports.ingest.sync",
}

if TYPE_CHECKING:
    from quint_reports import analysis
    from quint_reports.analysis.checks import check, summarize
    from quint_reports.analysis.marts import (
        findings,
        risk_by_model,
        risk_by_model_day,
        risk_by_model_pair,
        risk_by_model_platform,
        risk_by_platform,
        risk_by_platform_day,
        risk_fleet,
        risk_fleet_day,
        session_events,
        session_risk,
        session_tree,
    )
    from quint_reports.ingest.sync import SyncResult, sync, sync_async
    from quint_reports.jobs.demo import demo
    from quint_reports.jobs.nightly import NightlyResult, nightly
    from quint_reports.reporting.build import report
    from quint_reports.reporting.gather import riskiest_sessions
    from quint_reports.reporting.plots import (
        plot_band_distribution,
        plot_daily_trend,
        plot_event_timeline,
        plot_model_comparison,
        plot_reported_vs_recomputed,
        plot_session_tree,
        plot_top_items,
    )
    from quint_reports.warehouse.publish import connect
    from quint_reports.warehouse.state import state_reset, state_show
    from quint_reports.warehouse.views import apply_views, list_views


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(where)
    value = module if name == "analysis" else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


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
    "risk_by_model_pair",
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
