"""plot_* functions: the right traces, the right numbers, untrusted strings escaped."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pandas as pd
import plotly.graph_objects as go
import pytest

from quint_reports.reporting import plots

PAYLOAD = '<img src=x onerror="window.__pwned=1">'


def _group(names: list[str]) -> pd.DataFrame:
    rows = []
    for i, name in enumerate(names):
        shares = [0.4, 0.3, 0.2, 0.08, 0.02]
        rows.append(
            {
                "model": name,
                "events": 100,
                "high_critical_rate": 0.1 + i / 100,
                "high_critical_ci_low": 0.05,
                "high_critical_ci_high": 0.18 + i / 100,
                **{f"share_{b.key}": s for b, s in zip(plots.BANDS, shares, strict=False)},
                **{f"count_{b.key}": int(s * 100) for b, s in zip(plots.BANDS, shares, strict=False)},
            }
        )
    return pd.DataFrame(rows)


def _all_text(fig: go.Figure) -> str:
    return json.dumps(fig.to_plotly_json(), default=str)


@pytest.mark.parametrize(
    "score,band",
    [
        (0, "None"),
        (10, "None"),
        (11, "Low"),
        (30, "Low"),
        (31, "Medium"),
        (55, "Medium"),
        (56, "High"),
        (80, "High"),
        (81, "Critical"),
        (100, "Critical"),
        (None, "Unknown"),
    ],
)
def test_band_of_follows_the_documented_bands(score: int | None, band: str) -> None:
    assert plots.band_of(score) == band


def test_band_distribution_one_trace_per_band_in_band_colours() -> None:
    fig = plots.plot_band_distribution(_group(["a", PAYLOAD]), "model")
    assert [t.marker.color for t in fig.data] == ["#2ca02c", "#1f77b4", "#e6b800", "#ff7f0e", "#d62728"]
    assert list(fig.data[4].x) == pytest.approx([2.0, 2.0])
    assert list(fig.data[0].y) == ["a", '&lt;img src=x onerror="window.__pwned=1"&gt;']
    assert "<img" not in _all_text(fig)


def test_model_comparison_error_bars_reach_the_interval() -> None:
    frame = _group(["m1", "m2"])
    fig = plots.plot_model_comparison(frame, "model", fleet_rate=0.12)
    trace = fig.data[0]
    assert list(trace.x) == pytest.approx([10.0, 11.0])
    assert [x + e for x, e in zip(trace.x, trace.error_x.array, strict=False)] == pytest.approx([18.0, 19.0])
    assert [x - e for x, e in zip(trace.x, trace.error_x.arrayminus, strict=False)] == pytest.approx([5.0, 5.0])
    assert fig.layout.shapes[0].x0 == pytest.approx(12.0)
    marked = plots.plot_model_comparison(frame, "model", highlight="m2").data[0].marker.color
    assert marked[0] != marked[1]


def test_long_names_are_shortened_but_stay_distinct() -> None:
    names = ["x" * 50 + "a", "x" * 50 + "b"]
    fig = plots.plot_model_comparison(_group(names), "model")
    labels = list(fig.data[0].y)
    assert len(set(labels)) == 2 and all(len(label) <= plots.NAME_LIMIT + 4 for label in labels)


def test_daily_trend_detail_and_fleet() -> None:
    days = pd.DataFrame(
        {
            "model": ["a"] * 3 + [PAYLOAD] * 3,
            "day": [date(2026, 11, 1) + timedelta(days=d) for d in range(3)] * 2,
            "max_risk": [50, 60, 70] * 2,
            "mean_risk": [10, 20, 30] * 2,
            "ewma_daily_max": [50, 55, 62.5] * 2,
        }
    )
    detail = plots.plot_daily_trend(days[days["model"] == "a"])
    assert [t.name for t in detail.data] == ["daily max", "daily mean", "EWMA of daily max"]
    assert list(detail.data[2].y) == [50, 55, 62.5]
    fleet = plots.plot_daily_trend(days, group="model")
    assert sorted(t.name for t in fleet.data) == sorted(["a", '&lt;img src=x onerror="window.__pwned=1"&gt;'])


def test_top_items_parse_and_plot() -> None:
    text = f"FILE_READ (41%), {PAYLOAD} (30.5%), git, commit (3%)"
    assert plots.parse_top_items(text) == [("FILE_READ", 41.0), (PAYLOAD, 30.5), ("git, commit", 3.0)]
    assert plots.parse_top_items(None) == []
    fig = plots.plot_top_items(text, "Tools")
    assert list(fig.data[0].x) == [41.0, 30.5, 3.0] and "<img" not in _all_text(fig)


def test_session_tree_keeps_orphans_and_survives_cycles() -> None:
    sessions = pd.DataFrame(
        {
            "session_id": ["r", "c", "o", "x", "y", "s"],
            "parent_id": [None, "r", "missing", "y", "x", "s"],
            "session_name": [PAYLOAD, "child", "orphan", "cyc1", "cyc2", "self"],
            "max_risk": [90, 40, 10, 50, 60, 5],
            "events": [3, 2, 1, 1, 1, 1],
        }
    )
    fig = plots.plot_session_tree(sessions)
    trace = fig.data[0]
    parents = dict(zip(trace.ids, trace.parents, strict=False))
    assert parents["c"] == "r" and parents["r"] == "" and parents["o"] == "" and parents["s"] == ""
    # x and y point at each other: plotly would drop both, so one becomes a root.
    assert sorted([parents["x"], parents["y"]]) == ["", "x"] or sorted([parents["x"], parents["y"]]) == ["", "y"]
    for node in trace.ids:  # every node reaches a root
        seen = set()
        while parents[node]:
            assert node not in seen
            seen.add(node)
            node = parents[node]
    assert "<img" not in _all_text(fig)


def test_event_timeline_colours_by_band_and_escapes_arguments() -> None:
    events = pd.DataFrame(
        {
            "event_at": [datetime(2026, 11, 1, 10, m) for m in range(3)],
            "risk_score": [5, 60, 95],
            "action_type": ["FILE_READ", "PROCESS_EXEC", "NETWORK_CONNECT"],
            "tool_name": ["cat", "git", "curl"],
            "arguments": [["/etc/hosts"], ["commit", "-m", PAYLOAD], ["http://evil"]],
        }
    )
    fig = plots.plot_event_timeline(events)
    assert [t.name for t in fig.data] == ["None", "High", "Critical"]
    assert "<img" not in _all_text(fig) and "&lt;img" in fig.data[1].hovertext[0]


def test_reported_vs_recomputed() -> None:
    row = pd.Series(
        {
            "reported_total_events": 47,
            "reported_max_risk": 35,
            "reported_avg_risk": 8,
            "own_events": 3,
            "own_max_risk": 15,
            "own_mean_risk": 10.67,
            "subtree_events": 5,
            "subtree_max_risk": 40,
            "subtree_mean_risk": 12.0,
        }
    )
    fig = plots.plot_reported_vs_recomputed(row)
    assert [t.name for t in fig.data] == ["reported", "own events", "subtree"]
    assert list(fig.data[0].y) == [47, 35, 8] and list(fig.data[1].y) == [3, 15, 10.67]


def test_a_trend_of_many_groups_keeps_colour_for_the_highest_few() -> None:
    days = pd.DataFrame(
        [
            {"model": f"m{i}", "day": date(2026, 4, 1) + timedelta(days=d), "ewma_daily_max": 10.0 * i + d}
            for i in range(8)
            for d in range(3)
        ]
    )
    fig = plots.plot_daily_trend(days, "model", "")
    coloured = sorted(t.name for t in fig.data if t.line.color != "#c4c9d0")
    assert coloured == ["m3", "m4", "m5", "m6", "m7"]  # the five whose EWMA ends highest
    few = plots.plot_daily_trend(days[days["model"].isin(["m0", "m1"])], "model", "")
    assert all(t.line.color is None for t in few.data)  # few groups: every line keeps its colour
