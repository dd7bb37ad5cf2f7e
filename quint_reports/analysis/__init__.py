"""Analysis stage: DataFrames from the marts (``marts``) and the checks' findings (``checks``).

The mart functions are re-exported here (``quint_reports.analysis.risk_by_model``), as they were
when this was one module.
"""

# The re-exports load on first use, so that importing a light submodule (``severity``, for the
# CLI's options) does not pay for pandas (PEP 562).
from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "findings",
    "model_list",
    "require_session",
    "risk_by_action_type",
    "risk_by_model",
    "risk_by_model_day",
    "risk_by_model_pair",
    "risk_by_model_platform",
    "risk_by_platform",
    "risk_by_platform_day",
    "risk_by_tool",
    "risk_fleet",
    "risk_fleet_day",
    "session_events",
    "session_risk",
    "session_tree",
    "window",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        where = "params" if name == "model_list" else "marts"
        return getattr(importlib.import_module(f"quint_reports.analysis.{where}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
