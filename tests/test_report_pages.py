"""Report rendering and writing on hand-made mart frames (hostile names included)."""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pandas as pd
import pytest

from quint_reports.exceptions import ConfigError
from quint_reports.reporting.build import safe_path, write_report
from quint_reports.reporting.data import ReportData
from quint_reports.timebounds import Window, resolve_window

PAYLOAD = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'
Z95 = 1.959963984540054


def wilson(successes: float, trials: float, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval of a proportion, for the hand-made frames; ``(nan, nan)`` without trials."""
    if trials <= 0:
        return (math.nan, math.nan)
    p = successes / trials
    denom = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denom
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))


MODELS = ["claude-sonnet-4-20250514", "openai/gpt-4o", "../../etc/passwd", '=HYPERLINK("http://x")', PAYLOAD]
PLATFORMS = ["claude-code", "cursor", "GPT", "gpt"]


def _group_frame(key: str, names: list[str]) -> pd.DataFrame:
    rows = []
    for i, name in enumerate(names):
        counts = [40 + i, 30, 20, 8 + i, 2 + i]
        events = sum(counts)
        low, high = wilson(counts[3] + counts[4], events)
        rows.append(
            {
                key: name,
                "sessions": 10 + i,
                "root_sessions": 7 + i,
                "events": events,
                "events_per_session": events / (10 + i),
                "mean_risk": 20.5 + i,
                "median_risk": 12.0,
                "p90_risk": 60.0,
                "p99_risk": 90.0,
                "max_risk": 95.0 - i,
                **{
                    f"count_{b}": c for b, c in zip(("none", "low", "medium", "high", "critical"), counts, strict=False)
                },
                **{
                    f"share_{b}": c / events
                    for b, c in zip(("none", "low", "medium", "high", "critical"), counts, strict=False)
                },
                "high_critical_rate": (counts[3] + counts[4]) / events,
                "high_critical_ci_low": low,
                "high_critical_ci_high": high,
                "critical_allowed_events": 2,
                "blocked_events": 3,
                "blocked_share": 3 / events,
                "top_action_types": "FILE_READ (41%), PROCESS_EXEC (30%)",
                "top_tools": f"git (50%), {PAYLOAD} (10%)",
                "ewma_daily_max": 70.25,
                "trend_slope": 0.5,
                "trend": "riskier",
                "first_day": datetime(2026, 11, 1).date(),
                "last_day": datetime(2026, 11, 5).date(),
            }
        )
    return pd.DataFrame(rows)


def _day_frame(key: str, names: list[str]) -> pd.DataFrame:
    rows = []
    for name in names:
        for d in range(5):
            rows.append(
                {
                    key: name,
                    "day": datetime(2026, 11, 1).date() + timedelta(days=d),
                    "sessions": 2,
                    "events": 20,
                    "mean_risk": 20.0 + d,
                    "max_risk": 60.0 + d,
                    "high_critical_events": 2,
                    "high_critical_rate": 0.1,
                    "blocked_events": 1,
                    "ewma_daily_max": 60.0 + d / 2,
                }
            )
    return pd.DataFrame(rows)


def _item_frame(column: str, names: list[str]) -> pd.DataFrame:
    """A risk_by_tool / risk_by_action_type frame, riskiest first; the last item has few events."""
    return pd.DataFrame(
        [
            {
                column: name,
                "sessions": 9 - i,
                "events": 300 if i < len(names) - 1 else 4,
                "scored_events": 290,
                "high_critical_events": 60 - 10 * i,
                "high_critical_rate": (60 - 10 * i) / 290,
                "critical_allowed_events": 7 - i,
                "blocked_events": 5,
                "blocked_share": 5 / 300,
            }
            for i, name in enumerate(names)
        ]
    )


def make_data() -> ReportData:
    """A small report's data, with hostile model, platform, session names and findings."""
    cross = _group_frame("model", [m for m in MODELS for _ in PLATFORMS])
    cross.insert(1, "platform", PLATFORMS * len(MODELS))
    sessions = pd.DataFrame(
        [
            {
                "session_id": "r1",
                "parent_id": None,
                "root_id": "r1",
                "session_name": PAYLOAD,
                "model": MODELS[4],
                "platform": "cursor",
                "started_at": "2026-11-02 10:00:00",
                "events": 5,
                "max_risk": 99.0,
                "mean_risk": 50.0,
            },
            {
                "session_id": "c1",
                "parent_id": "r1",
                "root_id": "r1",
                "session_name": "child =1+1",
                "model": MODELS[1],
                "platform": "cursor",
                "started_at": "2026-11-02 10:05:00",
                "events": 3,
                "max_risk": 40.0,
                "mean_risk": 20.0,
            },
            {
                "session_id": "g1",
                "parent_id": "c1",
                "root_id": "r1",
                "session_name": "grandchild",
                "model": MODELS[1],
                "platform": "cursor",
                "started_at": "2026-11-02 10:06:00",
                "events": 1,
                "max_risk": 10.0,
                "mean_risk": 10.0,
            },
            {
                "session_id": "x1",
                "parent_id": "x2",
                "root_id": None,
                "session_name": "cycle a",
                "model": MODELS[0],
                "platform": "GPT",
                "started_at": "2026-11-03 10:00:00",
                "events": 2,
                "max_risk": 85.0,
                "mean_risk": 60.0,
            },
            {
                "session_id": "x2",
                "parent_id": "x1",
                "root_id": None,
                "session_name": "cycle b",
                "model": MODELS[0],
                "platform": "GPT",
                "started_at": "2026-11-03 10:00:00",
                "events": 2,
                "max_risk": 15.0,
                "mean_risk": 10.0,
            },
        ]
    )
    top = {
        "fleet": ["r1", "x1"],
        **{f"model:{m}": ["r1"] for m in MODELS},
        **{f"platform:{p}": ["c1"] for p in PLATFORMS},
    }
    findings = pd.DataFrame(
        [
            {
                "check": "hierarchy.cycle",
                "severity": "error",
                "session_id": "x1",
                "item": "",
                "detail": PAYLOAD,
                "expected": "=1",
                "actual": "@2",
                "status": "open",
            },
            {
                "check": "risk_summary.avg_risk_mismatch",
                "severity": "warning",
                "session_id": "r1",
                "item": "",
                "detail": "avg",
                "expected": "8",
                "actual": "9.5",
                "status": "new",
            },
        ]
    )
    comparisons = pd.DataFrame(
        [
            {"status": "compared", "reason": "", "sessions": 3},
            {"status": "pending", "reason": "running when fetched (active)", "sessions": 2},
        ]
    )
    gone = pd.DataFrame([{"check": "data.invalid_id", "session_id": PAYLOAD}])
    return ReportData(
        window=Window(),
        built_at=datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc),
        snapshot="run 7 finished 2026-11-28 11:59 UTC",
        marts={
            "risk_by_model": _group_frame("model", MODELS),
            "risk_by_platform": _group_frame("platform", PLATFORMS),
            "risk_by_model_day": _day_frame("model", MODELS),
            "risk_by_platform_day": _day_frame("platform", PLATFORMS),
            "risk_by_model_platform": cross,
            "risk_fleet": _group_frame("model", ["fleet"]).drop(columns=["model"]),
            "risk_fleet_day": _day_frame("model", ["fleet"]).drop(columns=["model"]),
            "risk_by_tool": _item_frame("tool_name", ["bash", PAYLOAD, "=1+1"]),
            "risk_by_action_type": _item_frame("action_type", ["FILE_DELETE", "FILE_READ"]),
        },
        findings=findings,
        sessions=sessions,
        top=top,
        comparisons=comparisons,
        resolved=gone,
    )


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    parent = tmp_path_factory.mktemp("out")
    return write_report(make_data(), parent / "report")


def test_layout_one_page_per_model_and_platform(built: Path) -> None:
    root = built.parent
    assert len(list((root / "model").glob("*.html"))) == len(MODELS)
    assert len(list((root / "platform").glob("*.html"))) == len(PLATFORMS)  # "GPT" and "gpt" kept apart
    assert sorted(p.name for p in (root / "data").iterdir()) == sorted(
        f"{n}.{e}"
        for n in (
            "risk_by_model",
            "risk_by_platform",
            "risk_by_model_day",
            "risk_by_platform_day",
            "risk_by_model_platform",
            "risk_fleet",
            "risk_fleet_day",
            "risk_by_tool",
            "risk_by_action_type",
            "check_findings",
        )
        for e in ("csv", "parquet")
    )
    every = [p for p in root.parent.rglob("*") if p.is_file()]
    assert all(p.is_relative_to(root) for p in every), "nothing is written beside the report"


def test_hostile_text_is_escaped(built: Path) -> None:
    for page in built.parent.rglob("*.html"):
        text = page.read_text()
        assert "<script>window.__pwned" not in text and "<img src=x" not in text, page
        assert "\\u003cscript\\u003ewindow" not in text, f"unescaped name inside a figure of {page}"
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in built.read_text()


def test_csv_cells_cannot_start_formulas(built: Path) -> None:
    models = pd.read_csv(built.parent / "data" / "risk_by_model.csv")
    assert '\'=HYPERLINK("http://x")' in models["model"].tolist()
    text_columns = [c for c in models.columns if not pd.api.types.is_numeric_dtype(models[c])]
    assert all(not str(v).startswith(("=", "+", "-", "@")) for v in models[text_columns].stack())
    findings = pd.read_csv(built.parent / "data" / "check_findings.csv", dtype=str)
    assert findings["expected"].tolist() == ["'=1", "8"] and findings["actual"].tolist() == ["'@2", "9.5"]
    parquet = pd.read_parquet(built.parent / "data" / "risk_by_model.parquet")
    assert parquet["model"].tolist() == MODELS  # Parquet keeps exact values


def test_replaces_an_earlier_report_but_never_a_foreign_folder(tmp_path: Path) -> None:
    out = tmp_path / "r"
    write_report(make_data(), out)
    (out / "model" / "mine.html").write_text("old")
    write_report(make_data(), out)
    # A file the report did not write is carried over to the new report, never deleted.
    assert (out / "model" / "mine.html").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r"], "no temporary folders left behind"
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError):
        write_report(make_data(), foreign)
    assert (foreign / "notes.txt").read_text() == "mine"


@pytest.mark.parametrize("parts", [("..", "x"), ("/etc", "passwd"), ("data", "..", "..", "x"), (".",)])
def test_safe_path_refuses_escapes(tmp_path: Path, parts: tuple[str, ...]) -> None:
    with pytest.raises(ValueError):
        safe_path(tmp_path / "r", *parts)


def test_resolve_window() -> None:
    now = datetime(2026, 11, 28, tzinfo=timezone.utc)
    assert resolve_window(days=30, now=now).since == now - timedelta(days=30)
    w = resolve_window(since="2026-11-01", until="2026-11-15T12:00:00Z")
    assert w.since == datetime(2026, 11, 1, tzinfo=timezone.utc) and w.until.hour == 12
    assert resolve_window().label == "all data"
    for bad in (
        {"days": 3, "since": "2026-11-01"},
        {"days": 0},
        {"since": "yesterday"},
        {"since": "2026-11-02", "until": "2026-11-01"},
    ):
        with pytest.raises(ConfigError):
            resolve_window(**bad)  # type: ignore[arg-type]


def test_wilson_matches_known_values() -> None:
    low, high = wilson(10, 100)
    assert math.isclose(low, 0.0552, abs_tol=1e-4) and math.isclose(high, 0.1744, abs_tol=1e-4)
    assert all(math.isnan(v) for v in wilson(0, 0))


def test_format_never_shows_a_negative_zero() -> None:
    from quint_reports.reporting.pages import fmt

    assert fmt(-0.0, "pct") == "0.00%"
    assert fmt(-0.0) == "0"
    assert fmt(-0.25, "pct") == "-25.00%"


def test_index_figures_are_the_fleet_mart_not_a_sum_of_models(built: Path) -> None:
    # The hand-made fleet row differs from any pooling of the model rows (10.00% high+critical
    # against 13.46% pooled), so the index must be reading risk_fleet itself.
    fleet = make_data().marts["risk_fleet"].iloc[0]
    text = built.read_text()
    shown = dict(re.findall(r'data-kpi="(\w+)">([^<]+)', text))
    assert shown["high_critical_rate"].strip() == "10.00%" == f"{fleet['high_critical_rate'] * 100:.2f}%"
    assert shown["events"].strip() == str(fleet["events"]) and shown["mean_risk"].strip() == "20.50"
    assert shown["trend"].strip() == "riskier"
    assert "(whole fleet)" in text.split('id="fig-trend"')[1].split("</script>")[0]


def test_index_says_what_was_compared_pending_new_and_resolved(built: Path) -> None:
    text = built.read_text()
    summaries = text.split("data-summaries>")[1].split("</p>")[0]
    assert "<strong>3</strong>" in summaries and "<strong data-pending>2</strong>" in summaries
    assert "2 running when fetched (active)" in summaries
    assert "<strong data-new>1</strong> new since the previous sync" in text
    resolved = text.split("data-resolved>")[1].split("</p>")[0]
    assert "data.invalid_id on &lt;script&gt;" in resolved  # the resolved list is escaped too
    rows = text.split('data-table="check_findings"')[1].split("</table>")[0]
    assert rows.index("risk_summary.avg_risk_mismatch") < rows.index("hierarchy.cycle"), "new findings first"
