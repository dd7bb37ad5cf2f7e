"""Plotly figures for reports and notebooks: ``plot_*`` take DataFrames, return figures.

Inputs are the DataFrames of :mod:`quint_reports.analysis.marts` (mart columns as
``docs/DESIGN.md`` lists them). Plotly renders an HTML subset in titles,
legends, axis labels and hover text, so every agent-supplied string (model,
platform, session and tool names, arguments) is escaped with
:func:`~quint_reports.reporting.safe_text.escape_plotly` before it reaches a figure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from quint_reports.metrics import BANDS, UNKNOWN_BAND, band_of
from quint_reports.reporting.safe_text import escape_plotly

TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {"gridcolor": "#eee", "zerolinecolor": "#ccc", "automargin": True},
        "yaxis": {"gridcolor": "#eee", "zerolinecolor": "#ccc", "automargin": True},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.01, "x": 0},
        "title": {"x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top"},
        "margin": {"l": 60, "r": 20, "t": 80, "b": 50},
        "colorway": ["#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2", "#9d755d", "#bab0ac"],
    }
)
"""A small template: plotly's default one adds ~10 kB of JSON to every figure."""

_TOP_ITEM = re.compile(r"(.+?) \((\d+(?:\.\d+)?)%\)(?:, |$)")


NAME_LIMIT = 40
"""Longest name shown in a figure; the page's tables show it whole."""


def label(value: object, limit: int = NAME_LIMIT) -> str:
    """An untrusted name, shortened to ``limit`` characters, then HTML-escaped for plotly."""
    text = "" if value is None or (isinstance(value, float) and value != value) else str(value)
    # Shorten before escaping, so an entity like &amp; is never cut in half.
    return escape_plotly(text if len(text) <= limit else text[: limit - 1] + "…")


def _names(values: Sequence[object] | pd.Series) -> list[str]:
    # Category axes merge equal labels, so names that shorten alike get a number.
    out: list[str] = []
    for value in values:
        text, n = label(value), 2
        while text in out:
            text, n = f"{label(value)} ({n})", n + 1
        out.append(text)
    return out


def _figure(title: str, traces: Sequence[Mapping[str, Any]], height: int = 360, **layout: Any) -> go.Figure:
    """One figure from its traces and layout, built in one call: plotly validates and copies the whole figure
    on every ``add_trace`` and ``update_layout``, which made up half of a report's group pages."""
    base: dict[str, object] = {"template": TEMPLATE, "height": height}
    if title:
        base["title"] = {"text": escape_plotly(title)}
    else:  # the page's own heading names the figure: give the plot the room
        base["margin"] = {"t": 40}
    return go.Figure(data=list(traces), layout={**base, **layout})


_CATEGORIES_DOWN = {"autorange": "reversed", "type": "category"}
"""The y axis of the horizontal bar and dot charts: one category per row, the first on top."""

HIGHLIGHTED = 5
"""Groups a trend chart draws in colour when it has more; the rest are grey."""


def plot_daily_trend(days: pd.DataFrame, group: str | None = None, title: str = "Daily risk") -> go.Figure:
    """Daily maximum and mean risk with the EWMA of the daily maximum.

    Args:
        days: Rows of ``risk_by_model_day`` or ``risk_by_platform_day`` (``day``,
            ``max_risk``, ``mean_risk``, ``ewma_daily_max``, ...).
        group: ``"model"`` or ``"platform"`` to draw one EWMA line per group
            (fleet view); ``None`` for one group's detail.
        title: Figure title (escaped here).

    Returns:
        A line chart over days.
    """
    data = days.sort_values("day")
    traces: list[dict[str, Any]] = []
    layout: dict[str, Any] = {
        "yaxis": {"title": {"text": "risk score"}, "range": [0, 100]},
        "hovermode": "x unified",
    }
    if group is None:
        traces += [
            {"type": "bar", "x": data["day"], "y": data["max_risk"], "name": "daily max", "marker_color": "#c7d3e3"},
            {
                "type": "scatter",
                "x": data["day"],
                "y": data["mean_risk"],
                "name": "daily mean",
                "mode": "lines+markers",
            },
            {
                "type": "scatter",
                "x": data["day"],
                "y": data["ewma_daily_max"],
                "name": "EWMA of daily max",
                "line": {"width": 3},
            },
        ]
    else:
        # With many groups, colours repeat and lines tangle: the few whose EWMA ends highest keep a
        # colour, the rest are drawn thin and grey (still named in the legend and on hover).
        latest = data.dropna(subset=["ewma_daily_max"]).groupby(group, dropna=False)["ewma_daily_max"].last()
        shown = set(latest.sort_values(ascending=False).index[:HIGHLIGHTED]) if len(latest) > HIGHLIGHTED else None
        for name, part in data.groupby(group, sort=True, dropna=False):
            grey = shown is not None and name not in shown
            traces.append(
                {
                    "type": "scatter",
                    "x": part["day"],
                    "y": part["ewma_daily_max"],
                    "name": label(name),
                    "mode": "lines",
                    "line": {"color": "#c4c9d0", "width": 1} if grey else {"width": 2.5},
                    "legendrank": 2000 if grey else 1000,
                    # The trace name shows beside the box by default; a name is
                    # never pasted into a template, where %{...} would expand.
                    "hovertemplate": "%{x|%Y-%m-%d}: EWMA %{y:.1f}",
                }
            )
        # Many groups: a legend beside the plot, not above it.
        layout["legend"] = {"orientation": "v", "x": 1.02, "y": 1, "yanchor": "top"}
    return _figure(title, traces, **layout)


def plot_band_distribution(frame: pd.DataFrame, group: str, title: str = "Risk bands") -> go.Figure:
    """Share of events in each risk band, one stacked bar per group.

    Args:
        frame: Rows of ``risk_by_model`` or ``risk_by_platform`` (``share_none`` ..
            ``share_critical``, ``count_*``).
        group: The column naming each bar (``model`` or ``platform``).
        title: Figure title (escaped here).

    Returns:
        A horizontal stacked bar chart in the documented band colours.
    """
    names = _names(frame[group])
    traces = [
        {
            "type": "bar",
            "y": names,
            "x": frame[f"share_{band.key}"] * 100,
            "customdata": frame[f"count_{band.key}"],
            "name": f"{band.label} ({band.low}-{band.high})",
            "orientation": "h",
            "marker_color": band.colour,
            "hovertemplate": "%{y}: %{x:.1f}% (%{customdata} events)<extra>" + band.label + "</extra>",
        }
        for band in BANDS
    ]
    return _figure(
        title,
        traces,
        height=max(220, 60 + 36 * len(frame)),
        barmode="stack",
        xaxis={"title": {"text": "% of events"}, "range": [0, 100]},
        yaxis=_CATEGORIES_DOWN,
    )


def plot_model_comparison(
    frame: pd.DataFrame,
    group: str = "model",
    fleet_rate: float | None = None,
    title: str | None = None,
    highlight: str | None = None,
) -> go.Figure:
    """High-plus-critical event rate per group with its 95% interval (sessions as clusters).

    Args:
        frame: Rows of a ``risk_by_*`` mart (``high_critical_rate``,
            ``high_critical_ci_low``, ``high_critical_ci_high``, ``events``).
        group: The column naming each point.
        fleet_rate: The fleet's rate, drawn as a reference line when given.
        title: Figure title (escaped here); ``None`` names the metric, ``""`` shows none.
        highlight: A group to draw in a darker colour (the page's own model or platform).

    Returns:
        A dot plot with asymmetric error bars, in percent.
    """
    default = f"High + critical events per {group} (95% CI)"
    rate = frame["high_critical_rate"] * 100
    trace = {
        "type": "scatter",
        "y": _names(frame[group]),
        "x": rate,
        "mode": "markers",
        "marker": {
            "size": 10,
            "color": ["#1d2b3a" if str(g) == highlight else "#d62728" for g in frame[group]],
        },
        "error_x": {
            "type": "data",
            "symmetric": False,
            "array": frame["high_critical_ci_high"] * 100 - rate,
            "arrayminus": rate - frame["high_critical_ci_low"] * 100,
        },
        "customdata": frame[["high_critical_ci_low", "high_critical_ci_high", "events"]].to_numpy() * [100, 100, 1],
        "name": "rate",
        "hovertemplate": "%{y}: %{x:.2f}% [%{customdata[0]:.2f}, %{customdata[1]:.2f}] of %{customdata[2]} events"
        "<extra></extra>",
    }
    fig = _figure(
        default if title is None else title,
        [trace],
        height=max(240, 80 + 36 * len(frame)),
        xaxis={"title": {"text": "% of events high or critical"}, "rangemode": "tozero"},
        showlegend=False,
        yaxis=_CATEGORIES_DOWN,
    )
    if fleet_rate is not None:
        fig.add_vline(x=fleet_rate * 100, line_dash="dash", line_color="#666", annotation_text="fleet")
    return fig


def plot_top_items(text: str | None, title: str) -> go.Figure:
    """Bar chart of a mart's ``top_action_types`` / ``top_tools`` text.

    Args:
        text: Text like ``FILE_READ (41%), PROCESS_EXEC (30%)``.
        title: Figure title (escaped here).

    Returns:
        A horizontal bar chart of the shares, largest first.
    """
    items = parse_top_items(text)
    trace = {
        "type": "bar",
        "y": _names([name for name, _ in items]),
        "x": [share for _, share in items],
        "orientation": "h",
        "marker_color": "#4c78a8",
        "hovertemplate": "%{y}: %{x}%<extra></extra>",
    }
    return _figure(
        title,
        [trace],
        height=max(200, 60 + 30 * len(items)),
        xaxis={"title": {"text": "% of events"}},
        yaxis=_CATEGORIES_DOWN,
    )


def parse_top_items(text: str | None) -> list[tuple[str, float]]:
    """Split ``"A (41%), B (30%)"`` into ``[("A", 41.0), ("B", 30.0)]``; ``None`` gives ``[]``."""
    if not text or not isinstance(text, str):
        return []
    return [(m.group(1), float(m.group(2))) for m in _TOP_ITEM.finditer(text)]


def plot_session_tree(
    sessions: pd.DataFrame, title: str = "Session tree", risk_col: str = "max_risk", size_col: str = "events"
) -> go.Figure:
    """A session hierarchy as a treemap, coloured by maximum risk.

    Args:
        sessions: One row per session with ``session_id``, ``parent_id``,
            ``session_name`` and the two columns below. A parent missing from
            the frame makes its child a root (orphans stay visible); a parent
            cycle is cut so that its members stay visible too.
        title: Figure title (escaped here).
        risk_col: The column colouring each box (0-100), e.g. ``own_max_risk``.
        size_col: The event count sizing each box, e.g. ``own_events``.

    Returns:
        A treemap; box size is 1 + the session's own events.
    """
    ids = [str(v) for v in sessions["session_id"]]
    known = set(ids)
    parent_of = {
        i: "" if pd.isna(p) or str(p) not in known or str(p) == i else str(p)
        for p, i in zip(sessions["parent_id"], ids, strict=False)
    }
    _break_cycles(parent_of)
    parents = [parent_of[i] for i in ids]
    names = _names(sessions["session_name"])
    risk = pd.to_numeric(sessions[risk_col], errors="coerce").fillna(0)
    trace = {
        "type": "treemap",
        "ids": [escape_plotly(i) for i in ids],
        "parents": [escape_plotly(p) for p in parents],
        "labels": [f"{n or '(unnamed)'}<br>max {r:.0f}" for n, r in zip(names, risk, strict=False)],
        "values": pd.to_numeric(sessions[size_col], errors="coerce").fillna(0) + 1,
        "branchvalues": "remainder",
        "marker": {"colors": risk, "colorscale": [[b.high / 100, b.colour] for b in BANDS], "cmin": 0, "cmax": 100},
        "customdata": [escape_plotly(i) for i in ids],
        "hovertemplate": "%{label}<br>id %{customdata}<extra></extra>",
    }
    return _figure(title, [trace], height=420)


def _break_cycles(parent_of: dict[str, str]) -> None:
    # Plotly silently drops every node of a parent cycle; make one member of
    # each cycle a root so the whole (broken) hierarchy stays visible.
    done: set[str] = set()
    for start in parent_of:
        path: list[str] = []
        node = start
        while node and node not in done and node not in path:
            path.append(node)
            node = parent_of[node]
        if node in path:
            parent_of[node] = ""
        done.update(path)


def plot_event_timeline(events: pd.DataFrame, title: str = "Events", time_col: str = "event_at") -> go.Figure:
    """One session's events over time, coloured by band.

    Args:
        events: Rows of the ``events`` view for one session (``event_at``,
            ``risk_score``, ``action_type``, ``tool_name``, ``arguments``),
            e.g. from :func:`quint_reports.analysis.marts.session_events`.
        title: Figure title (escaped here).
        time_col: The timestamp column.

    Returns:
        A scatter plot of risk score against time.
    """
    data = events.assign(_band=[band_of(s) for s in events["risk_score"]])
    colours = {band.label: band.colour for band in BANDS}
    traces = []
    for band in [b.label for b in BANDS] + [UNKNOWN_BAND]:
        part = data[data["_band"] == band]
        if part.empty:
            continue
        hover = [
            f"{escape_plotly(a)} {escape_plotly(t)}<br>{escape_plotly(_short(args))}"
            for a, t, args in zip(
                part["action_type"], part["tool_name"], part.get("arguments", [""] * len(part)), strict=False
            )
        ]
        traces.append(
            {
                "type": "scatter",
                "x": part[time_col],
                "y": part["risk_score"],
                "mode": "markers",
                "name": band,
                "marker": {"color": colours.get(band, "#999"), "size": 9},
                "hovertext": hover,
                "hovertemplate": "%{x}<br>risk %{y}<br>%{hovertext}<extra></extra>",
            }
        )
    return _figure(title, traces, yaxis={"title": {"text": "risk score"}, "range": [-2, 102]})


def plot_reported_vs_recomputed(risk: pd.DataFrame | pd.Series, title: str = "Reported vs recomputed") -> go.Figure:
    """The API's risk_summary beside the figures recomputed over the session and its subtree.

    Args:
        risk: One row of the ``session_risk`` view (a Series, or a one-row frame),
            e.g. from :func:`quint_reports.analysis.marts.session_risk`.
        title: Figure title (escaped here).

    Returns:
        Grouped bars for total events, max risk and average risk.
    """
    row = risk.iloc[0] if isinstance(risk, pd.DataFrame) else risk
    metrics = ["total events", "max risk", "avg risk"]
    series = {
        "reported": ("reported_total_events", "reported_max_risk", "reported_avg_risk"),
        "own events": ("own_events", "own_max_risk", "own_mean_risk"),
        "subtree": ("subtree_events", "subtree_max_risk", "subtree_mean_risk"),
    }
    traces = [
        {
            "type": "bar",
            "x": metrics,
            "y": [pd.to_numeric(row.get(c), errors="coerce") for c in columns],
            "name": name,
            "texttemplate": "%{y:.4~g}",
            "textposition": "outside",
        }
        for name, columns in series.items()
    ]
    return _figure(title, traces, barmode="group")


def _short(value: object, limit: int = 120) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if not isinstance(value, str) and hasattr(value, "__iter__"):
        value = " ".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
