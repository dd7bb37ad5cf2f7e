"""Render the report's pages from :class:`~quint_reports.reporting.data.ReportData`.

Jinja2 with autoescape renders every value as text; the only markup passed
through unescaped is plotly's own figure HTML, whose JSON plotly escapes
(``<`` becomes ``\\u003c``) and whose strings :mod:`quint_reports.reporting.plots` has
already HTML-escaped. No page links to anything outside the report folder.
"""

from __future__ import annotations

import hashlib
import math
import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from quint_reports import metrics
from quint_reports.reporting import plots
from quint_reports.reporting.data import TOP_FINDINGS, TURN_LOOKBACK, ReportData, SessionDetail, findings_first
from quint_reports.timebounds import utc_label

PLOTLY_CONFIG: dict[str, Any] = {"displaylogo": False, "displayModeBar": False, "responsive": True}
"""Figure options: no mode bar (it covered legends; drag still zooms, a double click resets)
and no plotly logo link (it points to an external site)."""

FLEET_LABEL = "(whole fleet)"
"""How the fleet is named beside the models and platforms in tables and charts."""

MIN_SESSIONS, MIN_EVENTS = 5, 30
"""A group with fewer sessions or events is folded away in the group tables (shown on demand): its
interval spans most of 0-100% and, sorted by rate, it would crowd out the groups with evidence."""

TIE_RULE = (
    "highest maximum risk, then most critical events, then most high + critical events, then highest mean risk, "
    "then session id"
)
"""How the riskiest sessions are ordered (``sql/queries/report_riskiest_sessions.sql``), as the page states it."""


@dataclass(frozen=True)
class Col:
    """One table column: its key in the rows, heading, whether it is a number, and its format."""

    key: str
    label: str
    numeric: bool = True
    fmt: str = "num"


def col(key: str, view: str, *, full: bool = False) -> Col:
    """A column as the metric catalogue describes ``key`` in ``view``: heading (or full label) and format."""
    entry = metrics.metric(key, view)
    return Col(key, entry.label if full else entry.heading, entry.fmt in ("int", "num", "pct"), entry.fmt)


def cols(keys: Iterable[str], view: str, *, full: bool = False) -> list[Col]:
    return [col(key, view, full=full) for key in keys]


NAME = Col("name", "name", False, "text")
"""The group's key (a model, a platform) in the group tables."""
INTERVAL = Col("high_critical_ci", "95% CI", False, "text")
"""The high + critical rate's interval, the two catalogue bounds shown as one cell."""

GROUP_COLUMNS = [
    NAME,
    *cols(("sessions", "events", "mean_risk", "p90_risk", "max_risk", "high_critical_rate"), "risk_by_model"),
    INTERVAL,
    *cols(("critical_allowed_events", "blocked_share", "ewma_daily_max", "trend"), "risk_by_model"),
]
"""The group tables (models, platforms, one model's platforms): keys of the catalogue, in this order."""
SESSION_COLUMNS = [
    *cols(("session_name", "session_id", "model", "platform", "started_at"), "sessions"),
    *cols(("events", "max_risk", "mean_risk"), "risk_by_model", full=True),
]
FINDING_COLUMNS = cols(("status", "check", "severity", "session_id", "detail", "expected", "actual"), "check_findings")
ITEM_KEYS = ("events", "scored_events", "high_critical_rate", "critical_allowed_events", "blocked_share")
"""The tool and action-type tables: what carries the risk, with the volume beside it."""
TOP_ITEMS = 15
"""Tools and action types listed on the index (riskiest first); the exports hold all of them."""
KPI_KEYS = (
    "sessions",
    "root_sessions",
    "events",
    "events_per_session",
    "mean_risk",
    "median_risk",
    "p90_risk",
    "p99_risk",
    "max_risk",
    "high_critical_rate",
    "critical_allowed_events",
    "blocked_share",
    "ewma_daily_max",
    "trend",
)
"""The headline figures of the index (the fleet) and of each model or platform page."""
COMPARISON_KEYS = (
    "events_per_session",
    "mean_risk",
    "max_risk",
    "share_critical",
    "high_critical_rate",
    "blocked_share",
)
"""Metrics a model or platform page sets beside the fleet's."""


@cache
def _env() -> Environment:
    """One environment for every page, so each template is compiled once per process."""
    env = Environment(
        loader=PackageLoader("quint_reports.reporting", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["table_body"] = table_body
    return env


def table_body(columns: Iterable[Col], rows: Iterable[Mapping[str, Any]]) -> Markup:
    """The ``<tr>`` rows of a table (the ``table`` macro's body), every cell and link escaped.

    Python, not a template loop: a report's session pages list tens of thousands of events, and
    Jinja's attribute lookups per cell made this the report's slowest step (100,000 sessions, 200 pages:
    3.55 -> 1.70 s)."""
    cells = [
        (
            col.key,
            f'<td data-col="{escape(col.key)}" class="{"n" if col.numeric else "name"}"',
            col.key == "session_name",
        )
        for col in columns
    ]
    out: list[str] = []
    for row in rows:
        css, depth, links = row["_class"], row["_depth"], row["_links"]
        out.append(f'<tr class="{escape(css)}">' if css else "<tr>")
        for key, opening, named in cells:
            out.append(opening)
            if named and depth:
                out.append(f' style="padding-left:{8 + 18 * depth}px"')
            href = links.get(key) if links else None
            value = escape(row[key])
            out.append(f'><a href="{escape(href)}">{value}</a></td>' if href else f">{value}</td>")
        out.append("</tr>")
    return Markup("".join(out))


def fmt(value: Any, kind: str = "num") -> str:
    """Format a cell by its catalogue format: ``int``, ``num`` (2 decimals), ``pct`` (share as %, 2 decimals),
    ``time`` (to the second), or as text (``text``, ``day``, ``bool``, ``json``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return "–"
    if kind == "time":
        return str(value)[:19]
    if kind in ("text", "day", "bool", "json"):
        return str(value)
    if kind == "pct":
        # + 0.0 turns a negative zero (a Wilson bound at a rate of 0) into "0.00%", not "-0.00%".
        return f"{float(value) * 100 + 0.0:.2f}%"
    if kind == "int":
        return str(int(value))
    if isinstance(value, (int,)) and not isinstance(value, bool):
        return str(value)
    number = float(value) + 0.0
    return str(int(number)) if number.is_integer() else f"{number:.2f}"


def figure_html(fig: go.Figure, div_id: str) -> Markup:
    """Plotly's ``<div>`` + ``<script>`` for ``fig``, referencing the shared plotly.js."""
    return Markup(
        fig.to_html(full_html=False, include_plotlyjs=False, include_mathjax=False, div_id=div_id, config=PLOTLY_CONFIG)
    )


def _interval(row: Mapping[str, Any]) -> str:
    return f"{fmt(row['high_critical_ci_low'], 'pct')} – {fmt(row['high_critical_ci_high'], 'pct')}"


def _kpis(row: Mapping[str, Any]) -> list[dict[str, str]]:
    notes = {"high_critical_rate": f"95% CI {_interval(row)}"}
    if "trend_slope" in row and fmt(row["trend_slope"]) != "–":
        slope = float(row["trend_slope"])
        notes["trend"] = f"{'+' if slope > 0 else ''}{fmt(slope)} points / day"
    return [
        {"key": c.key, "label": c.label, "value": fmt(row[c.key], c.fmt), "note": notes.get(c.key, "")}
        for c in cols(KPI_KEYS, "risk_fleet", full=True)
        if c.key in row
    ]


def _group_rows(frame: pd.DataFrame, group: str, hrefs: Mapping[str, str]) -> list[dict[str, Any]]:
    """The rows of a group table, riskiest first (high + critical rate, then events); small groups marked."""
    rows = []
    frame = frame.sort_values(["high_critical_rate", "events"], ascending=False, na_position="last", kind="stable")
    for rec in frame.to_dict("records"):
        name = str(rec[group])
        cells = {c.key: fmt(rec[c.key], c.fmt) for c in GROUP_COLUMNS if c not in (NAME, INTERVAL)}
        small = not (rec["sessions"] >= MIN_SESSIONS and rec["events"] >= MIN_EVENTS)
        rows.append(
            {
                **cells,
                NAME.key: name,
                INTERVAL.key: _interval(rec),
                "_class": "small" if small else "",
                "_depth": 0,
                "_links": {NAME.key: hrefs[name]} if name in hrefs else {},
            }
        )
    return rows


def _item_table(frame: pd.DataFrame, column: str, view: str) -> dict[str, Any]:
    """A tool or action-type table: the mart's riskiest rows first, items with few events folded."""
    columns = [col(column, view), *cols(ITEM_KEYS, view)]
    rows = [
        _row(
            {c.key: fmt(rec[c.key], c.fmt) for c in columns},
            "" if rec["events"] >= MIN_EVENTS else "small",
        )
        for rec in frame.head(TOP_ITEMS).to_dict("records")
    ]
    return {"columns": columns, "rows": rows, "total": len(frame)}


def tree_rows(
    sessions: pd.DataFrame, top_ids: Iterable[str], session_hrefs: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """Session rows in depth-first tree order, each with its indent, highlight and page link.

    A session whose parent is not in the frame starts a tree; a cycle is cut
    where it closes, so cyclic data still renders every session once. A session
    id in ``session_hrefs`` links to its page; the others stay text.
    """
    session_hrefs = session_hrefs or {}
    top = {str(i) for i in top_ids}
    records = {str(r["session_id"]): r for r in sessions.to_dict("records")}
    children: dict[str, list[str]] = {}
    roots = []
    for sid, rec in records.items():
        parent = rec.get("parent_id")
        parent = None if parent is None or (isinstance(parent, float) and math.isnan(parent)) else str(parent)
        if parent in records and parent != sid:
            children.setdefault(parent, []).append(sid)
        else:
            roots.append(sid)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()

    def visit(sid: str, depth: int) -> None:
        if sid in seen:
            return
        seen.add(sid)
        rec = records[sid]
        rows.append(
            {
                **{c.key: fmt(rec.get(c.key), c.fmt) for c in SESSION_COLUMNS},
                "session_id": sid,
                "_class": "top" if sid in top else "",
                "_depth": depth,
                "_links": _session_link(sid, session_hrefs),
            }
        )
        for child in sorted(children.get(sid, []), key=lambda c: -float(records[c].get("max_risk") or 0)):
            visit(child, depth + 1)

    for root in roots:
        visit(root, 0)
    for sid in records:  # members of a parent cycle have no root: show them anyway
        visit(sid, 0)
    return rows


def _session_link(session_id: object, session_hrefs: Mapping[str, str]) -> dict[str, str]:
    """``{"session_id": href}`` when the session has a page, else no link."""
    href = session_hrefs.get(str(session_id))
    return {"session_id": href} if href else {}


@cache
def _version() -> str:
    try:
        return version("quint_reports")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "dev"


def _meta(data: ReportData, root: str, title: str) -> dict[str, Any]:
    return {
        "root": root,
        "title": title,
        "version": _version(),
        "built_at": utc_label(data.built_at, seconds=True),
        "window": data.window.label,
        "snapshot": data.snapshot,
        "incomplete": data.incomplete,
        "bands": metrics.BANDS,
        "min_sessions": MIN_SESSIONS,
        "min_events": MIN_EVENTS,
        "tie_rule": TIE_RULE,
        "plotly": True,
    }


def _row(cells: Mapping[str, Any], css: str = "") -> dict[str, Any]:
    return {**cells, "_class": css, "_depth": 0, "_links": {}}


def _findings_context(
    findings: pd.DataFrame,
    comparisons: pd.DataFrame,
    gone: pd.DataFrame,
    session_hrefs: Mapping[str, str],
) -> dict[str, Any]:
    """The findings summary (per check and severity), the first ``TOP_FINDINGS`` findings (new ones
    first, each session id linked to its page when it has one), how many summaries were compared or
    pending, and the findings resolved by the latest sync."""
    rows = findings_first(findings).to_dict("records")
    pending = comparisons[comparisons["status"] == "pending"]
    counts: dict[tuple[str, str], int] = {}
    for r in rows:
        key = (str(r["check"]), str(r["severity"]))
        counts[key] = counts.get(key, 0) + 1
    # Errors first, then the most frequent checks.
    ordered = sorted(counts.items(), key=lambda item: (item[0][1] != "error", -item[1], item[0][0]))
    return {
        "finding_total": len(rows),
        "finding_errors": sum(n for (_, sev), n in counts.items() if sev == "error"),
        "finding_warnings": sum(n for (_, sev), n in counts.items() if sev == "warning"),
        "finding_summary_columns": [
            Col("check", "check", False),
            Col("severity", "severity", False),
            Col("count", "findings"),
        ],
        "finding_summary_rows": [
            _row({"check": c, "severity": sev, "count": str(n)}, f"sev-{sev}") for (c, sev), n in ordered
        ],
        "finding_new": sum(1 for r in rows if r.get("status") == "new"),
        "finding_resolved": [f"{r['check']} on {r['session_id']}" for r in gone.to_dict("records")][:TOP_FINDINGS],
        "finding_resolved_total": len(gone),
        "summaries_compared": int(comparisons.loc[comparisons["status"] == "compared", "sessions"].sum()),
        "summaries_pending": int(pending["sessions"].sum()),
        "pending_reasons": [
            f"{int(n)} {reason}" for reason, n in zip(pending["reason"], pending["sessions"], strict=False)
        ],
        "finding_columns": FINDING_COLUMNS,
        "finding_rows": [_finding_row(r, session_hrefs) for r in rows[:TOP_FINDINGS]],
    }


def _finding_row(
    finding: Mapping[str, Any], session_hrefs: Mapping[str, str], columns: Iterable[Col] = FINDING_COLUMNS
) -> dict[str, Any]:
    cells = {c.key: fmt(finding.get(c.key), c.fmt) for c in columns}
    return {**_row(cells), "_links": _session_link(finding.get("session_id"), session_hrefs)}


ATTENTION_COLUMNS = [
    Col("tool_name", "tool", False, "text"),
    Col("action_type", "action type", False, "text"),
    Col("argument_pattern", "arguments (pattern)", False, "text"),
    Col("critical_events", "critical", True, "int"),
    Col("high_events", "high", True, "int"),
    Col("sessions", "sessions", True, "int"),
    Col("max_risk", "max risk", True, "int"),
    Col("last_seen_at", "last seen", False, "time"),
]
"""The "needs attention" table (a report query, not a documented view: its headings live here)."""


def _attention_context(data: ReportData, session_hrefs: Mapping[str, str]) -> dict[str, Any]:
    """What got through (allowed high and critical events by pattern, sessions linked), and which trends turned."""
    rows = []
    for record in data.attention.to_dict("records"):
        cells = {c.key: fmt(record.get(c.key), c.fmt) for c in ATTENTION_COLUMNS}
        links = [{"id": str(sid), "href": session_hrefs.get(str(sid))} for sid in record["session_ids"]]
        rows.append({**cells, "_sessions": links, "_more": int(record["sessions"]) - len(links)})
    turned = [
        {
            "kind": r["kind"],
            "name": fmt(r["name"], "text"),
            "before": r["before"],
            "now": r["now"],
            "slope": fmt(r["trend_slope"], "num"),
        }
        for r in data.turned.to_dict("records")
    ]
    return {
        "attention_columns": ATTENTION_COLUMNS,
        "attention_rows": rows,
        "attention_events": int(data.attention["allowed_events"].iloc[0]) if len(data.attention) else 0,
        "attention_patterns": int(data.attention["patterns"].iloc[0]) if len(data.attention) else 0,
        "turned": turned,
        "turn_lookback_days": TURN_LOOKBACK.days,
    }


def render_index(data: ReportData, hrefs: Mapping[str, Mapping[str, str]]) -> str:
    """The fleet overview page, ``index.html``.

    Args:
        data: The report's data.
        hrefs: ``{"model": {name: relative href}, "platform": {...}, "session": {id: relative href}}``.
    """
    by_model, by_platform = data.marts["risk_by_model"], data.marts["risk_by_platform"]
    fleet = data.fleet
    rate = fleet["high_critical_rate"]
    tree, top_ids = data.trees("fleet")
    with_fleet = pd.concat([pd.DataFrame([{**fleet, "model": FLEET_LABEL}]), by_model])
    # The fleet's own EWMA line first, beside the models' lines: is the fleet getting riskier?
    trend_days = pd.concat([data.marts["risk_fleet_day"].assign(model=FLEET_LABEL), data.marts["risk_by_model_day"]])
    figures = {
        "bands": figure_html(plots.plot_band_distribution(with_fleet, "model", ""), "fig-bands"),
        "trend": figure_html(plots.plot_daily_trend(trend_days, "model", ""), "fig-trend"),
        "compare_models": figure_html(plots.plot_model_comparison(by_model, "model", rate, ""), "fig-compare-models"),
        "compare_platforms": figure_html(
            plots.plot_model_comparison(by_platform, "platform", rate, ""), "fig-compare-platforms"
        ),
        "tree": figure_html(plots.plot_session_tree(tree, ""), "fig-tree"),
    }
    context = {
        **_meta(data, "", "Quint risk report: fleet overview"),
        **_findings_context(data.findings, data.comparisons, data.resolved, hrefs.get("session", {})),
        **_attention_context(data, hrefs.get("session", {})),
        "fleet_kpis": _kpis(fleet),
        # Without this notice an empty window renders blank charts that look like a broken report.
        "empty_window": not fleet["events"] > 0,
        "figures": figures,
        "model_links": [{"name": n, "href": h} for n, h in hrefs["model"].items()],
        "platform_links": [{"name": n, "href": h} for n, h in hrefs["platform"].items()],
        "group_columns": GROUP_COLUMNS,
        "model_rows": _group_rows(by_model, "model", hrefs["model"]),
        "platform_rows": _group_rows(by_platform, "platform", hrefs["platform"]),
        "top_count": len(top_ids),
        "tools": _item_table(data.marts["risk_by_tool"], "tool_name", "risk_by_tool"),
        "actions": _item_table(data.marts["risk_by_action_type"], "action_type", "risk_by_action_type"),
        "session_columns": SESSION_COLUMNS,
        "session_rows": tree_rows(tree, top_ids, hrefs.get("session", {})),
        "exports": list(data.exports),
    }
    return _env().get_template("index.html").render(**context)


def render_group(data: ReportData, kind: str, name: str, hrefs: Mapping[str, Mapping[str, str]]) -> str:
    """The page of one model (``kind="model"``) or platform (``kind="platform"``).

    Args:
        data: The report's data.
        kind: ``"model"`` or ``"platform"``.
        name: The model or platform, as the marts spell it.
        hrefs: As for :func:`render_index`; these pages sit one folder down.
    """
    other = "platform" if kind == "model" else "model"
    mart = data.marts[f"risk_by_{kind}"]
    row = mart[mart[kind].astype(str) == name].iloc[0].to_dict()
    fleet = data.fleet
    days = data.marts[f"risk_by_{kind}_day"]
    days = days[days[kind].astype(str) == name]
    cross = data.marts["risk_by_model_platform"]
    cross = cross[cross[kind].astype(str) == name]
    tree, top_ids = data.trees(f"{kind}:{name}")
    pair = pd.DataFrame([{**row, kind: name}, {**fleet, kind: FLEET_LABEL}])
    figures = {
        "trend": figure_html(plots.plot_daily_trend(days, None, ""), "fig-trend"),
        "bands": figure_html(plots.plot_band_distribution(pair, kind, ""), "fig-bands"),
        "actions": figure_html(plots.plot_top_items(row.get("top_action_types"), ""), "fig-actions"),
        "tools": figure_html(plots.plot_top_items(row.get("top_tools"), ""), "fig-tools"),
        "compare": figure_html(
            plots.plot_model_comparison(mart, kind, fleet["high_critical_rate"], "", highlight=name), "fig-compare"
        ),
        "tree": figure_html(plots.plot_session_tree(tree, ""), "fig-tree"),
    }
    comparison = []
    for c in cols(COMPARISON_KEYS, "risk_fleet", full=True):
        key, label, kind_fmt = c.key, c.label, c.fmt
        mine, theirs = row.get(key), fleet.get(key)
        delta = float(mine) - float(theirs) if mine is not None and theirs is not None else math.nan
        comparison.append(
            _row(
                {
                    "metric": label,
                    "this": fmt(mine, kind_fmt),
                    "fleet": fmt(theirs, kind_fmt),
                    "difference": ("+" if delta > 0 else "") + fmt(delta, kind_fmt),
                }
            )
        )
    other_links = hrefs[other]
    cross_rows = _group_rows(cross.drop(columns=[kind]).rename(columns={other: "name"}), "name", other_links)
    context = {
        **_meta(data, "../", f"{kind.capitalize()}: {name}"),
        "group_kpis": _kpis(row),
        "figures": figures,
        "kind_plural": f"{kind}s",
        "other_kind": other,
        "comparison_columns": [
            Col("metric", "metric", False),
            Col("this", f"this {kind}"),
            Col("fleet", "fleet"),
            Col("difference", "difference"),
        ],
        "comparison_rows": comparison,
        "cross_columns": GROUP_COLUMNS,
        "cross_rows": cross_rows,
        "session_columns": SESSION_COLUMNS,
        "session_rows": tree_rows(tree, top_ids, hrefs.get("session", {})),
    }
    return _env().get_template("group.html").render(**context)


EVENT_COLUMNS = [
    *cols(("event_at", "action_type", "tool_name", "arguments", "risk_score", "risk_level", "decision"), "events"),
    Col("flag", "flag", False, "text"),
]
"""A session page's events table: the catalogue's columns, then the critical-allowed marker."""
CRITICAL_ALLOWED = "critical, allowed"
"""The text marker of an event scored Critical whose decision was allow (beside its row's colour)."""
SUMMARY_FIGURES = (
    ("total events", "reported_total_events", "own_events", "subtree_events", "own_total_matches", "int"),
    ("max risk", "reported_max_risk", "own_max_risk", "subtree_max_risk", "own_max_matches", "num"),
    ("avg risk", "reported_avg_risk", "own_mean_risk", "subtree_mean_risk", "own_avg_matches", "num"),
)
"""The risk summary's rows on a session page: figure, reported column, recomputed own and subtree, agreement."""
SESSION_FINDING_COLUMNS = [c for c in FINDING_COLUMNS if c.key != "session_id"]


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def critical_allowed(event: Mapping[str, Any]) -> bool:
    """Whether an event was scored Critical and still allowed: the risk that got through."""
    return event.get("risk_level") == metrics.BANDS[-1].label and event.get("decision") == "allow"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``frame.to_dict("records")``, column by column: a session page lists up to 500 events, and pandas
    boxes Arrow-backed cells one by one (100,000 sessions, 200 pages: 0.64 -> 0.28 s)."""
    names = list(frame.columns)
    return [dict(zip(names, row, strict=True)) for row in zip(*(frame[n].tolist() for n in names), strict=True)]


def _event_row(event: Mapping[str, Any]) -> dict[str, Any]:
    cells = {c.key: fmt(event.get(c.key), c.fmt) for c in EVENT_COLUMNS if c.key != "flag"}
    if _missing(event.get("event_at")) and not _missing(event.get("event_at_raw")):
        cells["event_at"] = f"unparsed: {event['event_at_raw']}"
    if _missing(event.get("risk_score")) and not _missing(event.get("risk_score_raw")):
        cells["risk_score"] = f"invalid: {event['risk_score_raw']}"
    if _missing(event.get("risk_level")):
        cells["risk_level"] = metrics.UNKNOWN_BAND
    flagged = critical_allowed(event)
    cells["flag"] = CRITICAL_ALLOWED if flagged else ""
    return _row(cells, "critical-allowed" if flagged else "")


def _tree_link(rec: Mapping[str, Any], session_hrefs: Mapping[str, str]) -> dict[str, Any]:
    """A session of the tree as the page names it: its name, its id, and its page when it has one."""
    sid = str(rec["session_id"])
    return {"id": sid, "name": fmt(rec.get("session_name"), "text"), "href": session_hrefs.get(sid)}


def _place(tree: list[dict[str, Any]], sid: str, session_hrefs: Mapping[str, str]) -> dict[str, Any]:
    """Where the session sits: the path from its root, its parent (or why it has none), its children.

    ``tree`` holds the rows of ``session_tree`` (ancestors at negative levels, the session at 0).
    """
    me = next(r for r in tree if r["level"] == 0)
    ancestors: dict[str, dict[str, Any]] = {}
    for rec in sorted((r for r in tree if r["level"] < 0), key=lambda r: r["level"]):
        ancestors.setdefault(str(rec["session_id"]), rec)
    children = [r for r in tree if r["level"] == 1 and str(r["parent_id"]) == sid]
    parent = None if _missing(me.get("parent_id")) else str(me["parent_id"])
    if parent is None:
        parent_note = "none: this is a root session"
    elif parent == sid:
        parent_note = "itself (a session naming itself as parent)"
    elif parent not in ancestors:
        parent_note = f"{parent} (not in this snapshot)"
    else:
        parent_note = ""
    return {
        "path": [_tree_link(r, session_hrefs) for r in ancestors.values()],
        "parent": _tree_link(ancestors[parent], session_hrefs) if parent in ancestors else None,
        "parent_note": parent_note,
        "children": [_tree_link(r, session_hrefs) for r in children],
        "deeper": sum(1 for r in tree if r["level"] > 1),
    }


def _summary_rows(risk: pd.DataFrame) -> list[dict[str, Any]]:
    """The reported risk_summary beside the figures recomputed over the session's own events and its subtree."""
    rec = risk.iloc[0].to_dict() if len(risk) else {}
    compared = rec.get("status") == "compared"  # a pending session may differ by events still arriving
    rows = []
    for label, reported, own, subtree, agrees, kind in SUMMARY_FIGURES:
        verdict = rec.get(agrees) if compared else None
        rows.append(
            _row(
                {
                    "figure": label,
                    "reported": fmt(rec.get(reported), kind),
                    "own": fmt(rec.get(own), kind),
                    "subtree": fmt(rec.get(subtree), kind),
                    "agrees": ("–" if compared else "not compared")
                    if _missing(verdict)
                    else ("yes" if verdict else "no"),
                },
                "" if _missing(verdict) or verdict else "sev-warning",
            )
        )
    return rows


def session_scope(detail: SessionDetail, hrefs: Mapping[str, Mapping[str, str]]) -> dict[str, dict[str, str]]:
    """The links a session's page can show: the sessions of its tree, its model's and its platform's page.

    The page is rendered from these alone, so that they and ``detail`` decide it (:func:`session_key`)."""
    me = _me(detail, "model", "platform")
    scope = {
        "session": {sid: hrefs.get("session", {}).get(sid) for sid in map(str, detail.tree["session_id"].tolist())}
    }
    scope |= {kind: {str(me[kind]): hrefs.get(kind, {}).get(str(me[kind]))} for kind in ("model", "platform")}
    return {kind: {k: v for k, v in links.items() if v is not None} for kind, links in scope.items()}


def _me(detail: SessionDetail, *columns: str) -> dict[str, Any]:
    """``columns`` of the session's own row of its tree (level 0)."""
    tree = detail.tree
    at = tree["level"].tolist().index(0)
    return {name: tree[name].tolist()[at] for name in columns}


@cache
def _code_digest() -> bytes:
    """What the pages are rendered with besides their data: this package's code, templates and version, and
    the versions of the libraries that format and escape the values."""
    digest = hashlib.sha256(" ".join(version(p) for p in ("jinja2", "markupsafe", "pandas")).encode())
    digest.update(_version().encode())
    here = Path(__file__).parent
    for path in sorted([*here.glob("*.py"), *(here / "templates").glob("*.html"), Path(metrics.__file__)]):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


def session_key(detail: SessionDetail, hrefs: Mapping[str, Mapping[str, str]]) -> str:
    """A digest of everything a session page's body is rendered from: equal keys, equal bodies.

    The body is the page less its provenance (build time, window, snapshot), which :func:`render_session`
    renders around a body kept from an earlier report. Frames are pickled whole (values, dtypes, column
    names): two reads of the same rows give the same bytes, and different bytes only cost a render."""
    frames = (detail.tree, detail.events, detail.risk, detail.findings)
    inputs = (detail.session_id, detail.event_count, frames, session_scope(detail, hrefs))
    return hashlib.sha256(_code_digest() + pickle.dumps(inputs, protocol=5)).hexdigest()


MAIN_START, MAIN_END = "\n<main>\n", "</main>\n<footer>"
"""Where a page's body starts and ends (``base.html``). Every value in a body is escaped, so neither
marker can come from the data."""


def page_body(page: str) -> tuple[int, int]:
    """The start and end offsets of ``page``'s body (what the page's template puts in ``<main>``)."""
    return page.index(MAIN_START) + len(MAIN_START), page.rindex(MAIN_END)


def render_session(
    data: ReportData, detail: SessionDetail, hrefs: Mapping[str, Mapping[str, str]], body: str | None = None
) -> str:
    """The page of one session, ``session/<slug>.html``.

    Args:
        data: The report's data (for the page's provenance).
        detail: The session's tree, events, risk summary and findings.
        hrefs: As for :func:`render_group`; these pages sit one folder down.
        body: The body of an earlier page of this session whose :func:`session_key` was the same: only the
            provenance around it is rendered (the same page as a full render, byte for byte).
    """
    name = _me(detail, "session_name")["session_name"]
    title = f"Session: {fmt(name, 'text') if not _missing(name) else detail.session_id}"
    if body is not None:
        return (
            _env()
            .get_template("base.html")
            .render({**_meta(data, "../", title), "plotly": False, "main": Markup(body)})
        )
    hrefs = session_scope(detail, hrefs)
    session_hrefs = hrefs.get("session", {})
    tree = detail.tree.to_dict("records")
    me = next(r for r in tree if r["level"] == 0)
    facts = [
        {"key": c.key, "label": c.label, "value": fmt(me.get(c.key), c.fmt), "note": ""}
        for c in cols(("session_name", "model", "platform", "state", "started_at", "ended_at"), "sessions", full=True)
    ]
    risk = detail.risk.iloc[0].to_dict() if len(detail.risk) else {}
    events = [_event_row(e) for e in _records(detail.events)]
    context = {
        **_meta(data, "../", title),
        "plotly": False,
        "session_id": detail.session_id,
        "facts": facts,
        "links": {k: hrefs.get(k, {}).get(str(me.get(k))) for k in ("model", "platform")},
        "place": _place(tree, detail.session_id, session_hrefs),
        "summary_columns": [
            Col("figure", "figure", False),
            Col("reported", "reported (risk_summary)"),
            Col("own", "recomputed: own events"),
            Col("subtree", "recomputed: subtree"),
            Col("agrees", "reported = own", False),
        ],
        "summary_rows": _summary_rows(detail.risk),
        "summary_status": fmt(risk.get("status"), "text") if risk else "not compared (no risk row)",
        "summary_matches": fmt(risk.get("matches"), "text") if risk else "–",
        "summary_pending": fmt(risk.get("pending_reason"), "text") if risk else "–",
        "finding_columns": SESSION_FINDING_COLUMNS,
        "finding_rows": [
            _finding_row(r, {}, SESSION_FINDING_COLUMNS) for r in findings_first(detail.findings).to_dict("records")
        ],
        "event_columns": EVENT_COLUMNS,
        "event_rows": events,
        "event_count": detail.event_count,
        "events_omitted": detail.event_count - len(events),
        "critical_allowed": sum(1 for e in events if e["flag"]),
        "critical_allowed_label": CRITICAL_ALLOWED,
    }
    return _env().get_template("session.html").render(**context)
