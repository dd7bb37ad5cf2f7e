"""What a report shows, gathered once from the marts: the window, the snapshot, the frames.

The report and the pages never query the database themselves: :func:`gather`
reads everything through :mod:`quint_reports.analysis.marts` and
:mod:`quint_reports.analysis.checks`, and the pages render the :class:`ReportData`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from quint_reports.timebounds import Window

MARTS: tuple[str, ...] = (
    "risk_by_model",
    "risk_by_platform",
    "risk_by_model_day",
    "risk_by_platform_day",
    "risk_by_model_platform",
    "risk_fleet",
    "risk_fleet_day",
    "risk_by_tool",
    "risk_by_action_type",
)
"""The marts every report exports to ``data/`` (plus ``check_findings``)."""

TOP_FINDINGS = 50
"""Findings listed on the index page; the CSV holds all of them."""


def findings_first(findings: pd.DataFrame) -> pd.DataFrame:
    """The findings in the order the report lists them: new ones first, otherwise as the checks gave them."""
    if findings.empty or "status" not in findings.columns:
        return findings
    return findings.sort_values("status", key=lambda s: s != "new", kind="stable")


TURN_LOOKBACK = timedelta(days=7)
"""A trend "turned" when its verdict differs from the verdict over the same window this much earlier."""


@dataclass
class SessionDetail:
    """What one session's page shows, read with the session queries of the notebook."""

    session_id: str
    tree: pd.DataFrame
    """Its ancestors (``level`` < 0), itself (0) and descendants (``sql/queries/session_tree.sql``)."""
    events: pd.DataFrame
    """Its first events in time order, at most the page's cap (``sql/queries/session_events.sql``)."""
    event_count: int
    """All its distinct events, shown or not."""
    risk: pd.DataFrame
    """The reported risk summary beside the recomputed one, 0 or 1 row (``sql/queries/session_risk.sql``)."""
    findings: pd.DataFrame
    """The check findings naming it."""


@dataclass
class ReportData:
    """Everything one report renders, read once from one snapshot."""

    window: Window
    built_at: datetime
    snapshot: str
    marts: dict[str, pd.DataFrame]
    findings: pd.DataFrame
    sessions: pd.DataFrame
    """The riskiest sessions and every member of their trees (see :func:`gather`)."""
    top: dict[str, list[str]]
    """Riskiest session ids: key ``fleet``, ``model:<name>`` or ``platform:<name>``."""
    comparisons: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["status", "reason", "sessions"]))
    """Risk summaries compared or not, and why (``sql/queries/summary_comparisons.sql``)."""
    resolved: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["check", "session_id"]))
    """Findings the latest sync no longer saw (``quint_reports.analysis.checks.resolved``)."""
    incomplete: int = 0
    """Sessions the sync could not land whole (the banner's count)."""
    session_details: dict[str, SessionDetail] = field(default_factory=dict)
    """The sessions that get a page of their own, by id, most important first (see :func:`gather`)."""
    attention: pd.DataFrame = field(default_factory=pd.DataFrame)
    """High and critical events that were allowed, by tool / action / argument pattern
    (``sql/queries/report_needs_attention.sql``), with the sessions they came from."""
    turned: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["kind", "name", "before", "now", "trend_slope"])
    )
    """Models and platforms whose trend verdict differs from the one over the window a week earlier."""
    exports: list[str] = field(default_factory=list)
    """The export files written beside the pages (``data/...``), listed on the index."""

    def trees(self, key: str) -> tuple[pd.DataFrame, list[str]]:
        """The sessions of the trees holding the riskiest sessions under ``key``, and those ids."""
        ids = [str(i) for i in self.top.get(key, [])]
        if not ids or self.sessions.empty:
            return self.sessions.iloc[0:0], ids
        frame = self.sessions
        chosen = frame["session_id"].astype(str).isin(ids)
        roots = set(frame.loc[chosen, "root_id"].dropna().astype(str))
        return frame[chosen | frame["root_id"].astype(str).isin(roots)], ids

    @property
    def fleet(self) -> dict[str, Any]:
        """The ``risk_fleet`` row as a dict; every value NaN when the window holds no event."""
        frame = self.marts["risk_fleet"]
        if frame.empty:
            return {column: math.nan for column in frame.columns}
        return dict(frame.iloc[0].to_dict())
