"""The metric catalogue: every column of the documented views, and the risk bands, declared once.

The SQL in ``sql/marts/`` and ``sql/findings/`` computes the columns; this module says what
each one means. Everything else reads it: the views loader writes each entry as a DuckDB
column comment (``COMMENT ON COLUMN``, beside the view comment taken from the SQL file's
first header line) and builds the ``risk_level(score)`` macro from :data:`BANDS`; the report
takes its headings, formats and column lists from here; the plots take the band colours;
the notebooks take their column lists. A test holds the catalogue and the views equal,
column for column, both ways.

Adding a metric: its entry in :data:`METRICS` and the SQL that computes it (for a
``risk_by_*`` column, the select list of ``sql/intermediate/int_window_grouped_*``).
Importing this module costs nothing: it needs neither pandas nor DuckDB.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

Format = Literal["int", "num", "pct", "text", "day", "time", "bool", "json"]
"""How a value reads: a count, a number (2 decimals), a share shown as %, text, a UTC day,
a UTC timestamp, a boolean, JSON."""


@dataclass(frozen=True)
class Band:
    """One documented risk band of the Quint API: scores ``low``..``high`` (inclusive)."""

    key: str
    """Lower-case name, the suffix of the ``count_*`` and ``share_*`` columns."""
    label: str
    """The API's name, the value of ``events.risk_level``."""
    low: int
    high: int
    colour: str


BANDS: tuple[Band, ...] = (
    Band("none", "None", 0, 10, "#2ca02c"),
    Band("low", "Low", 11, 30, "#1f77b4"),
    Band("medium", "Medium", 31, 55, "#e6b800"),
    Band("high", "High", 56, 80, "#ff7f0e"),
    Band("critical", "Critical", 81, 100, "#d62728"),
)
"""The risk bands of the Quint API, lowest first (colours: green, blue, yellow, orange, red)."""

UNKNOWN_BAND = "Unknown"
"""The band of a score that is missing or not an integer 0-100."""


def band_of(score: float | None) -> str:
    """Return the band label (``None`` .. ``Critical``) of one risk score, ``Unknown`` when it has none."""
    if score is None or score != score:
        return UNKNOWN_BAND
    for band in BANDS:
        if score <= band.high:
            return band.label
    return BANDS[-1].label


def risk_level_macro() -> str:
    """The ``create macro risk_level(score)`` statement: the band label of a valid score, else NULL."""
    whens = "\n".join(f"    when score <= {b.high} then '{b.label}'" for b in BANDS[:-1])
    return (
        "create or replace macro risk_level(score) as case\n"
        f"    when score is null then null\n{whens}\n    else '{BANDS[-1].label}'\nend;"
    )


@dataclass(frozen=True)
class Metric:
    """One column of the documented views: what it is called, how it reads, what it means."""

    name: str
    label: str
    """Heading in full, e.g. ``high + critical rate``; KPIs and comparisons use it."""
    fmt: Format
    description: str
    """One line: the column comment and the documentation."""
    unit: str = ""
    """What a number counts or measures, e.g. ``events``, ``risk points``, ``share of scored events``."""
    short: str = ""
    """Column heading where room is short (tables); the label when empty."""
    views: tuple[str, ...] = ()
    """The views this entry describes; empty: every view with a column of this name
    that no entry names explicitly."""

    @property
    def heading(self) -> str:
        """The table heading: ``short`` or else ``label``."""
        return self.short or self.label


_WINDOW = "in the row's group and window (or day)"


def _band_metrics() -> tuple[Metric, ...]:
    counts = tuple(
        Metric(
            f"count_{b.key}",
            f"{b.label.lower()} events",
            "int",
            f"events scored {b.low}-{b.high} ({b.label})",
            "events",
        )
        for b in BANDS
    )
    shares = tuple(
        Metric(
            f"share_{b.key}",
            f"{b.label.lower()} share",
            "pct",
            f"share of the scored events scored {b.low}-{b.high} ({b.label})",
            "share of scored events",
        )
        for b in BANDS
    )
    return counts + shares


RISK_MARTS = (
    "risk_by_model",
    "risk_by_platform",
    "risk_by_model_platform",
    "risk_fleet",
    "risk_by_model_day",
    "risk_by_platform_day",
    "risk_fleet_day",
)
"""The marts built from the grouped macros ``sql/intermediate/int_window_grouped_*``."""
_FINDINGS = ("check_findings", "finding_history")
_PAIR = ("risk_by_model_pair",)
_ITEMS = ("risk_by_tool", "risk_by_action_type")

METRICS: tuple[Metric, ...] = (
    # Group keys and days of the risk marts.
    Metric("model", "model", "text", "the model the session states; the risk marts group a missing one as '(unknown)'"),
    Metric(
        "platform",
        "platform",
        "text",
        "the platform the session states; the risk marts group a missing one as '(unknown)'",
    ),
    Metric("day", "day", "day", "the UTC day of the events"),
    # Volume.
    Metric("sessions", "sessions", "int", f"sessions with at least one event {_WINDOW}", "sessions"),
    Metric("root_sessions", "root sessions", "int", "of those sessions, the ones without a parent", "sessions"),
    Metric(
        "events",
        "events",
        "int",
        f"distinct events with a valid timestamp {_WINDOW}",
        "events",
        views=RISK_MARTS,
    ),
    Metric("events_per_session", "events per session", "num", "events / sessions", "events", "events / session"),
    # Risk distribution, over the events with a valid score.
    Metric("mean_risk", "mean risk", "num", "mean risk score of the scored events", "risk points", views=RISK_MARTS),
    Metric("median_risk", "median risk", "num", "median risk score (quantile_cont 0.5)", "risk points", "median"),
    Metric("p90_risk", "p90 risk", "num", "90th percentile of the risk score (quantile_cont)", "risk points", "p90"),
    Metric("p99_risk", "p99 risk", "num", "99th percentile of the risk score (quantile_cont)", "risk points", "p99"),
    Metric("max_risk", "max risk", "num", "highest risk score", "risk points", "max", views=RISK_MARTS),
    *_band_metrics(),
    Metric(
        "high_critical_events",
        "high + critical events",
        "int",
        "events scored High or Critical (56-100)",
        "events",
        "high+crit events",
    ),
    Metric(
        "high_critical_rate",
        "high + critical rate",
        "pct",
        "(High + Critical) / scored events",
        "share of scored events",
        "high+crit",
    ),
    Metric(
        "high_critical_ci_low",
        "high + critical 95% CI low",
        "pct",
        "lower bound of its 95% interval, sessions as clusters (Wilson at the effective sample size, t on sessions - 1)",
        "share of scored events",
        "CI low",
    ),
    Metric(
        "high_critical_ci_high",
        "high + critical 95% CI high",
        "pct",
        "upper bound of its 95% interval, sessions as clusters (Wilson at the effective sample size, t on sessions - 1)",
        "share of scored events",
        "CI high",
    ),
    Metric(
        "high_critical_se",
        "high + critical standard error",
        "pct",
        "standard error of high_critical_rate with sessions as clusters (CR3 sandwich), as the comparisons use it",
        "share of scored events",
        "SE",
    ),
    Metric("blocked_events", "blocked events", "int", "events whose decision is block", "events", "blocked"),
    Metric(
        "blocked_share",
        "blocked share",
        "pct",
        "blocked / events with a decision (NULL when none has one)",
        "share of decided events",
        "blocked",
    ),
    Metric(
        "top_action_types",
        "top action types",
        "text",
        "the three most frequent action types with their share of all events, e.g. 'FILE_READ (41%), ...'",
    ),
    Metric("top_tools", "top tools", "text", "the three most frequent tools with their share of all events"),
    # Over time.
    Metric(
        "ewma_daily_max",
        "EWMA daily max",
        "num",
        "exponentially weighted mean (alpha 0.3) of the daily maximum risk, up to the last (or this) day",
        "risk points",
    ),
    Metric(
        "trend_slope",
        "trend slope",
        "num",
        "least-squares slope of the risk score against the UTC day; NULL below 7 days or 100 scored events",
        "risk points per day",
    ),
    Metric(
        "trend_slope_ci_low",
        "trend slope 95% CI low",
        "num",
        "lower bound of the slope's 95% interval, sessions as clusters (CR3 sandwich, t on sessions - 1)",
        "risk points per day",
        "slope CI low",
    ),
    Metric(
        "trend_slope_ci_high",
        "trend slope 95% CI high",
        "num",
        "upper bound of the slope's 95% interval, sessions as clusters (CR3 sandwich, t on sessions - 1)",
        "risk points per day",
        "slope CI high",
    ),
    Metric(
        "trend",
        "trend",
        "text",
        "'riskier' above +0.1 points/day with its interval above 0, 'safer' likewise below, else 'steady';"
        " or 'insufficient data'",
    ),
    # Tools and action types (risk_by_tool, risk_by_action_type).
    Metric(
        "events", "events", "int", "distinct events of the tool or action type in the window", "events", views=_ITEMS
    ),
    Metric(
        "scored_events",
        "scored events",
        "int",
        "of those events, the ones with a valid score",
        "events",
        "scored",
        views=_ITEMS,
    ),
    Metric(
        "critical_allowed_events",
        "critical events allowed",
        "int",
        "events scored Critical whose decision was allow: the risk that got through",
        "events",
        "critical allowed",
    ),
    # Model against model (risk_by_model_pair).
    Metric("other_model", "other model", "text", "the model compared with", views=_PAIR),
    Metric(
        "other_sessions", "other sessions", "int", "the other model's sessions in the window", "sessions", views=_PAIR
    ),
    Metric(
        "rate", "high + critical rate", "pct", "the model's high_critical_rate", "share of scored events", views=_PAIR
    ),
    Metric(
        "other_rate", "other rate", "pct", "the other model's high_critical_rate", "share of scored events", views=_PAIR
    ),
    Metric("difference", "difference", "pct", "rate - other_rate", "share of scored events", views=_PAIR),
    Metric(
        "difference_se",
        "difference standard error",
        "pct",
        "sqrt of the sum of both high_critical_se squared (disjoint sessions)",
        "share of scored events",
        views=_PAIR,
    ),
    Metric(
        "difference_ci_low",
        "difference 95% CI low",
        "pct",
        "difference - t * difference_se, t on the smaller session count - 1",
        "share of scored events",
        views=_PAIR,
    ),
    Metric(
        "difference_ci_high",
        "difference 95% CI high",
        "pct",
        "difference + t * difference_se",
        "share of scored events",
        views=_PAIR,
    ),
    Metric(
        "verdict",
        "verdict",
        "text",
        "'riskier' when the difference's interval lies above 0, 'safer' below, else 'no clear difference'",
        views=_PAIR,
    ),
    Metric("first_day", "first day", "day", "UTC day of the group's first event in the window"),
    Metric("last_day", "last day", "day", "UTC day of the group's last event in the window"),
    # sessions
    Metric(
        "session_id",
        "session id",
        "text",
        "the session's id (a UUID or the edge form {rootPID}-{startUnixMs})",
        short="id",
    ),
    Metric("session_name", "session", "text", "the session's name as the API states it"),
    Metric("signing_id", "signing id", "text", "the agent's signing identity, as the API states it"),
    Metric("state", "state", "text", "active, idle or ended, as last fetched"),
    Metric("parent_id", "parent id", "text", "the session that spawned it; NULL for a root", views=("sessions",)),
    Metric("started_at", "started", "time", "when the session started (UTC)"),
    Metric("ended_at", "ended", "time", "when the session ended (UTC); NULL while it runs"),
    Metric(
        "reported_total_events",
        "reported events",
        "int",
        "risk_summary.total_events as the API reported it; NULL when absent",
        "events",
    ),
    Metric(
        "reported_max_risk",
        "reported max risk",
        "num",
        "risk_summary.max_risk as reported; NULL when absent",
        "risk points",
    ),
    Metric(
        "reported_avg_risk",
        "reported avg risk",
        "num",
        "risk_summary.avg_risk as reported; NULL when absent",
        "risk points",
    ),
    Metric("is_root", "root", "bool", "true when the session has no parent_id"),
    Metric(
        "root_id", "root id", "text", "the topmost known ancestor (itself for a root or an orphan); NULL in a cycle"
    ),
    Metric("depth", "depth", "int", "parent_id steps up to root_id; NULL in a cycle", "steps"),
    Metric("in_cycle", "in a cycle", "bool", "true when the session is in or under a parent_id cycle"),
    Metric(
        "source",
        "source",
        "text",
        "where the record came from: detail, list or children_endpoint",
        views=("sessions",),
    ),
    Metric("detail_status", "detail HTTP status", "int", "HTTP status of the session's detail fetch", "HTTP status"),
    Metric("events_status", "events HTTP status", "int", "HTTP status of the session's events fetch", "HTTP status"),
    Metric("started_at_raw", "started_at as received", "text", "started_at text when it did not parse, else NULL"),
    Metric("ended_at_raw", "ended_at as received", "text", "ended_at text when it did not parse, else NULL"),
    Metric("risk_summary", "risk summary", "json", "the detail's risk_summary object as received"),
    Metric("children", "children", "json", "the detail's children list as received"),
    Metric("fetched_at", "fetched at", "time", "when the sync fetched the record (UTC)"),
    Metric("raw", "raw record", "json", "the record as received, unknown fields included", views=("sessions",)),
    # events
    Metric("event_id", "event id", "text", "the event's id (a UUID)"),
    Metric("event_at", "time", "time", "when the event happened (UTC); NULL when the timestamp did not parse"),
    Metric("agent_id", "agent id", "text", "the agent that acted"),
    Metric("action_type", "action type", "text", "what kind of action, e.g. FILE_READ, PROCESS_EXEC"),
    Metric("tool_name", "tool", "text", "the tool the agent called"),
    Metric("arguments", "arguments", "json", "the tool's arguments as received (untrusted text)"),
    Metric(
        "risk_score",
        "risk score",
        "int",
        "Quint's score 0-100; NULL unless the API sent an integer 0-100",
        "risk points",
    ),
    Metric(
        "risk_level",
        "risk level",
        "text",
        "the documented band: "
        + ", ".join(f"{b.label} {b.low}-{b.high}" for b in BANDS)
        + "; NULL without a valid score",
    ),
    Metric("decision", "decision", "text", "allow or block; may be NULL"),
    Metric("risk_score_raw", "risk_score as received", "text", "the score's JSON text when it is not an integer 0-100"),
    Metric("event_at_raw", "timestamp as received", "text", "the timestamp text when it did not parse"),
    Metric(
        "reported_session_id",
        "event's session_id",
        "text",
        "the session the event names, set only when it is another one",
    ),
    Metric("position", "position", "int", "1-based place in the events list that served it", "place"),
    # session_risk
    Metric("own_events", "own events", "int", "distinct events of the session itself", "events"),
    Metric(
        "own_max_risk",
        "own max risk",
        "num",
        "highest valid score of its own events (NULL when it holds an invalid one)",
        "risk points",
    ),
    Metric("own_mean_risk", "own mean risk", "num", "mean valid score of its own events", "risk points"),
    Metric(
        "own_invalid_scores", "own invalid scores", "int", "own events whose score is not an integer 0-100", "events"
    ),
    Metric("subtree_sessions", "subtree sessions", "int", "the session and all its descendants", "sessions"),
    Metric("subtree_events", "subtree events", "int", "distinct events of the whole subtree", "events"),
    Metric("subtree_max_risk", "subtree max risk", "num", "highest valid score in the subtree", "risk points"),
    Metric("subtree_mean_risk", "subtree mean risk", "num", "mean valid score in the subtree", "risk points"),
    Metric("subtree_invalid_scores", "subtree invalid scores", "int", "subtree events with an invalid score", "events"),
    Metric(
        "own_total_matches",
        "own total matches",
        "bool",
        "reported total_events equals the own distinct (or served) events",
    ),
    Metric(
        "own_max_matches",
        "own max matches",
        "bool",
        "reported max_risk equals the own maximum; NULL with an invalid score",
    ),
    Metric(
        "own_avg_matches",
        "own avg matches",
        "bool",
        "reported avg_risk is within 1 of the own mean; NULL with an invalid score",
    ),
    Metric(
        "status",
        "status",
        "text",
        "whether the summary was compared: compared, pending, missing, not fetched",
        views=("session_risk",),
    ),
    Metric("pending_reason", "pending reason", "text", "why a pending session was not compared yet"),
    Metric("matches", "matches", "text", "which figures the summary fits: own, subtree, both, neither, missing"),
    # session_edges
    Metric("child_id", "child id", "text", "the spawned session"),
    Metric("parent_id", "parent id", "text", "the spawning session", views=("session_edges",)),
    Metric(
        "source",
        "source",
        "text",
        "who states the link: parent_id, detail_children or children_endpoint",
        views=("session_edges",),
    ),
    # quarantine, incomplete_sessions, missing_sessions
    Metric("endpoint", "endpoint", "text", "the API path template that served the record"),
    Metric("record_key", "record key", "text", "the record's id, <session>/<id> inside a body, or md5: of its text"),
    Metric("reason", "reason", "text", "why the record was refused", views=("quarantine",)),
    Metric("run_id", "sync run", "text", "the sync run that fetched it"),
    Metric("fetched_at", "fetched at", "time", "when it was fetched (UTC)", views=("quarantine",)),
    Metric("raw", "as received", "text", "the record's text as received", views=("quarantine",)),
    Metric("resource", "resource", "text", "what is missing: detail or events"),
    Metric(
        "http_status", "HTTP status", "int", "the status of the last fetch; NULL when it never landed", "HTTP status"
    ),
    Metric(
        "reason",
        "reason",
        "text",
        "not landed, HTTP <status>, or rejected: <why>",
        views=("incomplete_sessions",),
    ),
    Metric("referenced_by", "referenced by", "int", "sessions naming it as parent", "sessions"),
    # check_findings, finding_history
    Metric("check", "check", "text", "the check's id, its file sql/checks/<check>.sql", views=_FINDINGS),
    Metric("severity", "severity", "text", "error or warning", views=_FINDINGS),
    Metric("session_id", "session", "text", "the session the finding is about", views=_FINDINGS),
    Metric("item", "item", "text", "the offending event, parent or child; '' for the session itself", views=_FINDINGS),
    Metric("detail", "detail", "text", "what is wrong, in words", views=_FINDINGS),
    Metric("expected", "expected", "text", "what the data says", views=_FINDINGS),
    Metric("actual", "actual", "text", "what the API stated", views=_FINDINGS),
    Metric("status", "status", "text", "new in the latest sync, else open", views=("check_findings",)),
    Metric(
        "status",
        "status",
        "text",
        "relative to the latest sync: new, open, resolved, closed",
        views=("finding_history",),
    ),
    Metric("first_seen_run", "first seen run", "text", "the sync run that first saw it (again)", views=_FINDINGS),
    Metric("first_seen_at", "first seen", "time", "when that run finished", views=_FINDINGS),
    Metric("last_seen_run", "last seen run", "text", "the latest sync run that saw it", views=("finding_history",)),
    Metric("last_seen_at", "last seen", "time", "when that run finished", views=("finding_history",)),
    Metric(
        "resolved_run",
        "resolved run",
        "text",
        "the sync run that no longer saw it; NULL while open",
        views=("finding_history",),
    ),
    Metric("resolved_at", "resolved", "time", "when that run finished", views=("finding_history",)),
)
"""Every column of the documented views. An entry with ``views`` describes the column there;
one without describes it in every other view."""

DOCUMENTED_LAYERS: tuple[str, ...] = ("marts", "findings")
"""The ``sql/`` folders whose views are documented: each view there, and each of its columns,
has a catalogue entry and a DuckDB comment."""


@cache
def _index() -> Mapping[tuple[str, str], Metric]:
    # (view, name) for scoped entries, ("", name) for the general ones.
    index: dict[tuple[str, str], Metric] = {}
    for m in METRICS:
        for view in m.views or ("",):
            if (view, m.name) in index:
                raise ValueError(f"metric {m.name!r} declared twice for {view or 'every view'}")
            index[(view, m.name)] = m
    return index


def metric(name: str, view: str = "") -> Metric:
    """The catalogue entry of column ``name`` in ``view`` (the general one when ``view`` has none).

    Raises:
        KeyError: the catalogue has no entry for it.
    """
    index = _index()
    found = index.get((view, name)) or index.get(("", name))
    if found is None:
        raise KeyError(f"no catalogue entry for column {name!r}" + (f" of {view}" if view else ""))
    return found


def headings(frame: pd.DataFrame, view: str = "") -> pd.DataFrame:
    """``frame`` with its columns renamed to the catalogue's headings (columns it has no entry for keep their name).

    For tables people read (notebooks): ``headings(risk_by_model(con)[cols], "risk_by_model")``.
    """
    names = {}
    for column in frame.columns:
        try:
            names[column] = metric(str(column), view).heading
        except KeyError:
            names[column] = column
    return frame.rename(columns=names)
