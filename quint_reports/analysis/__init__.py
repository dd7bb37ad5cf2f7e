"""Analysis stage: DataFrames from the marts (``marts``) and the checks' findings (``checks``).

The mart functions are re-exported here (``quint_reports.analysis.risk_by_model``), as they were
when this was one module.
"""

from quint_reports.analysis.marts import (
    findings,
    require_session,
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
    window,
)
from quint_reports.analysis.params import model_list

__all__ = [
    "findings",
    "model_list",
    "require_session",
    "risk_by_model",
    "risk_by_model_day",
    "risk_by_model_pair",
    "risk_by_model_platform",
    "risk_by_platform",
    "risk_by_platform_day",
    "risk_fleet",
    "risk_fleet_day",
    "session_events",
    "session_risk",
    "session_tree",
    "window",
]
