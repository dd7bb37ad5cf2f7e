"""The risk marts agree with an independent pandas computation over the same landed records."""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from tests.fixtures.raw import T0, RawLanding, applied, event, session

MODELS = ("claude-sonnet-4-20250514", "gpt-4.1", None)
PLATFORMS = ("claude-code", "cursor")
ACTIONS = ("FILE_READ", "FILE_WRITE", "PROCESS_EXEC", "NETWORK_CONNECT")
TOOLS = ("cat", "git", "curl", "node", "rm")
ALPHA = 0.3
MIN_TREND_DAYS = 7
MIN_TREND_EVENTS = 100
Z = 1.959963984540054
T_ONE = 12.706204736174698
"""t(0.975) on 1 degree of freedom: the multiplier when a group has one session."""
T_TABLE = {1: 12.7062, 2: 4.3027, 3: 3.1824, 4: 2.7764, 5: 2.5706, 6: 2.4469, 8: 2.3060, 10: 2.2281, 20: 2.0860}
T_TABLE |= {30: 2.0423, 60: 2.0003, 120: 1.9799}
"""Student's t, 97.5% quantile, from the printed tables."""


def t975(df: int) -> float:
    """The SQL's t multiplier (``int_t_975``; held to the printed tables by a test of its own)."""
    from quint_reports.warehouse.sqlfiles import sql_dir

    con = duckdb.connect()
    con.execute((sql_dir() / "intermediate" / "int_t_975.sql").read_text(encoding="utf-8"))
    (value,) = con.execute("select int_t_975(?)", [df]).fetchone()  # type: ignore[misc]
    con.close()
    return float(value)


def wilson(p: float, n: float, k: float) -> tuple[float, float]:
    half = k * math.sqrt(p * (1 - p) / n + k**2 / (4 * n**2))
    return (p + k**2 / (2 * n) - half) / (1 + k**2 / n), (p + k**2 / (2 * n) + half) / (1 + k**2 / n)


def clustered_rate(g: pd.DataFrame) -> dict[str, float]:
    """The high+critical rate's interval with sessions as clusters (CR3 variance, n_eff, Wilson with t)."""
    scored = g[g["risk"].notna()]
    per = scored.groupby("session_id").agg(
        n=("risk", "size"), y=("level", lambda s: s.isin(["High", "Critical"]).sum())
    )
    sessions, total = len(per), float(per["n"].sum())
    p = per["y"].sum() / total
    v = math.nan
    if sessions > 1:
        v = (sessions - 1) / sessions * (((per["y"] - p * per["n"]) / (1 - per["n"] / total)) ** 2).sum() / total**2
    n_eff = min(total, p * (1 - p) / v) if v > 0 and 0 < p < 1 else total
    k = t975(sessions - 1) if sessions > 1 else T_ONE
    low, high = wilson(p, n_eff, k)
    return dict(
        high_critical_ci_low=max(0.0, low),
        high_critical_ci_high=min(1.0, high),
        high_critical_se=math.sqrt(p * (1 - p) / n_eff),
    )


def clustered_slope(g: pd.DataFrame, slope: float) -> tuple[float, float]:
    """The slope's 95% interval with sessions as clusters (CR3), or NaNs when there is no slope."""
    if math.isnan(slope):
        return math.nan, math.nan
    scored = g[g["risk"].notna()]
    t = np.array([d.toordinal() for d in scored["day"]], dtype=float)
    r = scored["risk"].to_numpy()
    t_mean, r_mean = t.mean(), r.mean()
    sxx = ((t - t_mean) ** 2).sum()
    parts = (
        pd.DataFrame(
            {
                "session_id": scored["session_id"].to_numpy(),
                "u": (t - t_mean) * (r - r_mean - slope * (t - t_mean)),
                "h": 1 / len(t) + (t - t_mean) ** 2 / sxx,
            }
        )
        .groupby("session_id")[["u", "h"]]
        .sum()
    )
    sessions = len(parts)
    if sessions < 2 or (parts["h"] >= 1).any():
        return math.nan, math.nan
    var = (sessions - 1) / sessions * ((parts["u"] / (1 - parts["h"])) ** 2).sum() / sxx**2
    half = t975(sessions - 1) * math.sqrt(var)
    return slope - half, slope + half


def verdict(slope: float, low: float, high: float) -> str:
    if math.isnan(slope):
        return "insufficient data"
    if slope > 0.1 and low > 0:
        return "riskier"
    if slope < -0.1 and high < 0:
        return "safer"
    return "steady"


def build(seed: int = 7) -> tuple[RawLanding, list[dict[str, Any]], list[dict[str, Any]]]:
    """A random organisation over ten days; returns the landing and the records it holds."""
    rng = random.Random(seed)
    landing = RawLanding()
    sessions: list[dict[str, Any]] = []
    events: list[dict[str, Any]] = []
    for i in range(40):
        name = f"s{i}"
        parent = f"s{i - 1}" if i % 4 == 3 else None
        start = rng.randrange(0, 10 * 24 * 60)
        record = session(
            name,
            parent=parent,
            start_min=start,
            end_min=start + 600,
            model=MODELS[i % 3],
            platform=PLATFORMS[rng.randrange(2)],
        )
        if record["model"] is None:
            del record["model"]
        evs = []
        for n in range(rng.randrange(1, 25)):
            score: Any = min(100, int(rng.expovariate(1 / 25)))
            if rng.random() < 0.04:
                score = rng.choice([None, "x", 120, 3.5])
            decision = rng.choice(["allow", "allow", "allow", "block", None])
            evs.append(
                event(
                    name,
                    n,
                    score,
                    minute=start + rng.randrange(0, 600),
                    action=rng.choice(ACTIONS),
                    tool=rng.choice(TOOLS),
                    decision=decision,
                )
            )
        if i == 5:
            evs.append(dict(evs[0]))  # a repeat: counted once
            evs.append(event(name, 99, 50, timestamp="not a time"))  # no valid time: left out
        landing.add(record, evs, risk_summary=None)
        sessions.append(record)
        events.extend(evs)
    return landing, sessions, events


def level(score: float) -> str | None:
    if math.isnan(score):
        return None
    return (
        "None"
        if score <= 10
        else "Low"
        if score <= 30
        else "Medium"
        if score <= 55
        else "High"
        if score <= 80
        else "Critical"
    )


def frame(sessions: list[dict[str, Any]], events: list[dict[str, Any]]) -> pd.DataFrame:
    """The distinct, timestamped events with their session's model and platform, in pandas."""
    owners = {s["id"]: s for s in sessions}
    seen, out = set(), []
    for e in events:
        if (e["session_id"], e["id"]) in seen:
            continue
        seen.add((e["session_id"], e["id"]))
        try:
            at = datetime.fromisoformat(e["timestamp"].replace("Z", "+00:00"))
        except ValueError:
            continue
        s = owners[e["session_id"]]
        score = e["risk_score"]
        valid = isinstance(score, int) and not isinstance(score, bool) and 0 <= score <= 100
        out.append(
            {
                "session_id": e["session_id"],
                "model": s.get("model") or "(unknown)",
                "platform": s["platform"],
                "is_root": s["parent_id"] is None,
                "at": at,
                "day": at.astimezone(timezone.utc).date(),
                "risk": float(score) if valid else math.nan,
                "decision": e.get("decision"),
                "action": e["action_type"],
                "tool": e["tool_name"],
            }
        )
    df = pd.DataFrame(out)
    df["level"] = df["risk"].map(level)
    return df


def ewma(values: list[float]) -> float:
    values = [v for v in values if not math.isnan(v)]
    acc = values[0]
    for v in values[1:]:
        acc = ALPHA * v + (1 - ALPHA) * acc
    return acc


def top(series: pd.Series, total: int) -> str:
    counts = series.value_counts()
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    return ", ".join(f"{label} ({round(100 * n / total)}%)" for label, n in ordered)


def expected_daily(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    out = []
    for key, g in df.groupby(keys + ["day"]):
        scored = g["risk"].notna().sum()
        hc = g["level"].isin(["High", "Critical"]).sum()
        out.append(
            dict(
                zip(keys + ["day"], key, strict=False),
                sessions=g["session_id"].nunique(),
                events=len(g),
                mean_risk=g["risk"].mean(),
                max_risk=g["risk"].max(),
                high_critical_events=hc,
                high_critical_rate=hc / scored if scored else math.nan,
                blocked_events=(g["decision"] == "block").sum(),
            )
        )
    daily = pd.DataFrame(out).sort_values(keys + ["day"]).reset_index(drop=True)
    daily["ewma_daily_max"] = [
        ewma(list(daily.loc[(daily[keys] == row[keys]).all(axis=1) & (daily["day"] <= row["day"]), "max_risk"]))
        for _, row in daily.iterrows()
    ]
    return daily


def weighted_slope(g: pd.DataFrame) -> float:
    """Slope of the daily mean risk, each day weighted by its scored events (the marts' trend_slope).

    np.polyfit weights multiply the residuals, so the square root of the count gives weights of n.
    """
    scored = g[g["risk"].notna()]
    per_day = scored.groupby("day")["risk"].agg(["mean", "count"])
    ordinals = np.array([day.toordinal() for day in per_day.index], dtype=float)
    return float(np.polyfit(ordinals, per_day["mean"].to_numpy(), 1, w=np.sqrt(per_day["count"].to_numpy()))[0])


def expected_overall(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    daily = expected_daily(df, keys)
    out = []
    for key, g in df.groupby(keys):
        key = key if isinstance(key, tuple) else (key,)
        risk = g["risk"].dropna()
        n = len(risk)
        counts = {lv: (g["level"] == lv).sum() for lv in ("None", "Low", "Medium", "High", "Critical")}
        p = (counts["High"] + counts["Critical"]) / n
        d = daily[(daily[keys] == pd.Series(dict(zip(keys, key, strict=False)))).all(axis=1)]
        scored_days = g.loc[g["risk"].notna(), "day"].nunique()
        slope = weighted_slope(g) if scored_days >= MIN_TREND_DAYS and n >= MIN_TREND_EVENTS else math.nan
        slope_low, slope_high = clustered_slope(g, slope)
        decided = g["decision"].notna().sum()
        out.append(
            dict(
                zip(keys, key, strict=False),
                sessions=g["session_id"].nunique(),
                root_sessions=g.loc[g["is_root"], "session_id"].nunique(),
                events=len(g),
                events_per_session=len(g) / g["session_id"].nunique(),
                mean_risk=risk.mean(),
                median_risk=np.quantile(risk, 0.5),
                p90_risk=np.quantile(risk, 0.9),
                p99_risk=np.quantile(risk, 0.99),
                max_risk=risk.max(),
                **{f"count_{lv.lower()}": c for lv, c in counts.items()},
                **{f"share_{lv.lower()}": c / n for lv, c in counts.items()},
                high_critical_rate=p,
                **clustered_rate(g),
                blocked_events=(g["decision"] == "block").sum(),
                blocked_share=(g["decision"] == "block").sum() / decided,
                top_action_types=top(g["action"], len(g)),
                top_tools=top(g["tool"], len(g)),
                ewma_daily_max=ewma(list(d["max_risk"])),
                trend_slope=slope,
                trend_slope_ci_low=slope_low,
                trend_slope_ci_high=slope_high,
                trend=verdict(slope, slope_low, slope_high),
                first_day=g["day"].min(),
                last_day=g["day"].max(),
            )
        )
    return pd.DataFrame(out).sort_values(keys).reset_index(drop=True)


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert list(got.columns) == list(want.columns) or set(want.columns) <= set(got.columns)
    assert len(got) == len(want)
    for column in want.columns:
        g, w = got[column].tolist(), want[column].tolist()
        for a, b in zip(g, w, strict=False):
            if isinstance(b, (float, np.floating)) and not isinstance(b, bool):
                assert (
                    (a is None or (isinstance(a, float) and math.isnan(a)))
                    if math.isnan(b)
                    else a == pytest.approx(float(b), rel=1e-9, abs=1e-9)
                ), column
            elif hasattr(b, "toordinal"):
                assert pd.Timestamp(a).date() == b, column
            else:
                assert a == b, column


@pytest.fixture(scope="session")
def org() -> Iterator[tuple[duckdb.DuckDBPyConnection, pd.DataFrame]]:
    landing, sessions, events = build()
    con = applied(landing)
    yield con, frame(sessions, events)
    con.close()


def fetch(con: duckdb.DuckDBPyConnection, mart: str, keys: list[str]) -> pd.DataFrame:
    return con.table(mart).order(", ".join(keys)).to_arrow_table().to_pandas()


@pytest.mark.parametrize(
    ("mart", "keys"),
    [
        ("risk_by_model", ["model"]),
        ("risk_by_platform", ["platform"]),
        ("risk_by_model_platform", ["model", "platform"]),
    ],
)
def test_overall_marts_match_pandas(
    org: tuple[duckdb.DuckDBPyConnection, pd.DataFrame], mart: str, keys: list[str]
) -> None:
    con, df = org
    assert_same(fetch(con, mart, keys), expected_overall(df, keys))


@pytest.mark.parametrize(("mart", "keys"), [("risk_by_model_day", ["model"]), ("risk_by_platform_day", ["platform"])])
def test_daily_marts_match_pandas(
    org: tuple[duckdb.DuckDBPyConnection, pd.DataFrame], mart: str, keys: list[str]
) -> None:
    con, df = org
    assert_same(fetch(con, mart, keys + ["day"]), expected_daily(df, keys))


def test_window_macros_bound_event_time(org: tuple[duckdb.DuckDBPyConnection, pd.DataFrame]) -> None:
    con, df = org
    since, until = T0 + timedelta(days=3), T0 + timedelta(days=6, hours=5)
    window = df[(df["at"] >= since) & (df["at"] < until)]
    got = con.execute("select * from risk_by_platform_between(?, ?) order by platform", [since, until])
    assert_same(got.to_arrow_table().to_pandas(), expected_overall(window, ["platform"]))
    open_ended = con.execute("select sum(events) from risk_by_model_day_between(?, null)", [since]).fetchone()
    assert open_ended == (int((df["at"] >= since).sum()),)


def test_unknown_model_stays_visible(org: tuple[duckdb.DuckDBPyConnection, pd.DataFrame]) -> None:
    con, _ = org
    assert "(unknown)" in {r[0] for r in con.execute("select model from risk_by_model").fetchall()}


def test_trend_classification() -> None:
    # Daily means climbing 2 points a day, falling, and flat, 12 events a day over 10 days.
    landing = RawLanding()
    # Each day's events come from 12 sessions of their own, so the sessions carry the trend.
    for name, step in (("up", 2), ("down", -2), ("flat", 0)):
        for d in range(10):
            for k in range(12):
                sid = f"{name}-{d}-{k}"
                record = session(sid, start_min=d * 24 * 60, end_min=d * 24 * 60 + 60, model=name)
                landing.add(record, [event(sid, 1, 50 + step * d, minute=d * 24 * 60 + 5 + k)])
    # One session climbing the same way over ten days: one agent's run, not a trend of the model.
    record = session("one", start_min=0, end_min=14 * 24 * 60, model="one")
    landing.add(
        record,
        [event("one", d * 100 + k, 50 + 2 * d, minute=d * 24 * 60 + 5 + k) for d in range(10) for k in range(12)],
    )
    # Too little to call: one session over two days (a steep climb), 6 days of 204 events,
    # and 10 days holding 110 events of which only 90 carry a valid score.
    landing.add(
        session("tiny", model="tiny", end_min=3 * 24 * 60),
        [event("tiny", 1, 5, minute=10), event("tiny", 2, 95, minute=24 * 60 + 10)],
    )
    landing.add(
        session("short", model="short", end_min=7 * 24 * 60),
        [event("short", d * 100 + k, 10 + 5 * d, minute=d * 24 * 60 + k) for d in range(6) for k in range(34)],
    )
    landing.add(
        session("thin", model="thin", end_min=11 * 24 * 60),
        [
            event("thin", d * 100 + k, 10 + 5 * d if k < 9 else "x", minute=d * 24 * 60 + k)
            for d in range(10)
            for k in range(11)
        ],
        risk_summary=None,
    )
    got = dict(applied(landing).execute("select model, (trend, trend_slope) from risk_by_model").fetchall())
    # Fitted on events, floating-point sums leave the slopes a hair off the exact +-2.
    rounded = {k: (trend, None if slope is None else round(slope, 9)) for k, (trend, slope) in got.items()}
    assert rounded == {
        "up": ("riskier", 2),
        "down": ("safer", -2),
        "flat": ("steady", 0),
        "one": ("steady", 2),
        "tiny": ("insufficient data", None),
        "short": ("insufficient data", None),
        "thin": ("insufficient data", None),
    }


def test_the_t_multiplier_follows_the_printed_tables() -> None:
    for df, value in T_TABLE.items():
        assert t975(df) == pytest.approx(value, abs=0.0015 if df > 5 else 1e-4), df


def test_trend_weights_days_by_their_scored_events() -> None:
    # Nine days of 50 events at 30, then a day with one event at 60. The unweighted slope of the
    # daily means is +1.64 a day (riskier); weighted by events it is +0.05 (steady).
    landing = RawLanding()
    evs = [event("w", d * 100 + k, 30, minute=d * 24 * 60 + k) for d in range(9) for k in range(50)]
    evs.append(event("w", 999, 60, minute=9 * 24 * 60))
    landing.add(session("w", model="w", end_min=11 * 24 * 60), evs)
    trend, slope = applied(landing).execute("select trend, trend_slope from risk_by_model").fetchone()
    days = np.array([d for d in range(9) for _ in range(50)] + [9], dtype=float)
    scores = np.array([30.0] * 450 + [60.0])
    assert slope == pytest.approx(np.polyfit(days, scores, 1)[0], rel=1e-9) and 0 < slope < 0.1
    assert trend == "steady"


def test_fleet_marts_match_pandas(org: tuple[duckdb.DuckDBPyConnection, pd.DataFrame]) -> None:
    # The organisation holds invalid scores and events without a decision, so denominators of
    # all events (not scored, not decided ones) would disagree here.
    con, df = org
    whole = df.assign(fleet="")
    want = expected_overall(whole, ["fleet"]).drop(columns=["fleet"])
    assert len(want) == 1 and want["events"].iloc[0] > df["risk"].notna().sum() > 0
    assert_same(con.table("risk_fleet").to_arrow_table().to_pandas(), want)
    want_daily = expected_daily(whole, ["fleet"]).drop(columns=["fleet"])
    assert_same(fetch(con, "risk_fleet_day", ["day"]), want_daily)


def test_fleet_of_one_model_equals_that_model() -> None:
    _, sessions, events = build(seed=11)
    only = [s for s in sessions if s.get("model") == MODELS[0]]
    ids = {s["id"] for s in only}
    single = RawLanding()
    for record in only:
        single.add(record, [e for e in events if e["session_id"] == record["id"]], risk_summary=None)
    con = applied(single)
    model = con.table("risk_by_model").to_arrow_table().to_pandas()
    assert model["model"].tolist() == [MODELS[0]] and ids
    assert_same(con.table("risk_fleet").to_arrow_table().to_pandas(), model.drop(columns=["model"]))
    daily = fetch(con, "risk_by_model_day", ["day"]).drop(columns=["model"])
    assert_same(fetch(con, "risk_fleet_day", ["day"]), daily)


def test_fleet_window_macro_and_empty_window(org: tuple[duckdb.DuckDBPyConnection, pd.DataFrame]) -> None:
    con, df = org
    since = T0 + timedelta(days=4)
    got = con.execute("select events from risk_fleet_between(?, null)", [since]).fetchall()
    assert got == [(int((df["at"] >= since).sum()),)]
    assert con.execute("select count(*) from risk_fleet_between(?, null)", [T0 + timedelta(days=400)]).fetchone() == (
        0,
    )


@pytest.mark.parametrize(
    ("view", "column", "source"),
    [("risk_by_tool", "tool_name", "tool"), ("risk_by_action_type", "action_type", "action")],
)
def test_tool_and_action_marts_match_pandas(
    org: tuple[duckdb.DuckDBPyConnection, pd.DataFrame], view: str, column: str, source: str
) -> None:
    con, df = org
    got = con.execute(f"select * from {view}").df()
    expected = {}
    for item, g in df.groupby(df[source].fillna("(unknown)")):
        scored = g["risk"].notna().sum()
        high = g["level"].isin(["High", "Critical"]).sum()
        decided = g["decision"].notna().sum()
        blocked = (g["decision"] == "block").sum()
        expected[item] = {
            "sessions": g["session_id"].nunique(),
            "events": len(g),
            "scored_events": scored,
            "high_critical_events": high,
            "high_critical_rate": high / scored if scored else math.nan,
            "critical_allowed_events": ((g["level"] == "Critical") & (g["decision"] == "allow")).sum(),
            "blocked_events": blocked,
            "blocked_share": blocked / decided if decided else math.nan,
        }
    assert sorted(got[column]) == sorted(expected)
    for row in got.to_dict("records"):
        for key, value in expected[row[column]].items():
            assert row[key] == pytest.approx(value, nan_ok=True), (row[column], key)
    # Riskiest first: by rate, then critical events allowed, then events.
    order = list(
        zip(-got["high_critical_rate"].fillna(-1), -got["critical_allowed_events"], -got["events"], strict=True)
    )
    assert order == sorted(order)


SCORE_SETS = {
    "one": [42],
    "two": [10, 90],
    "three equal": [55, 55, 55],
    "unscored only": [None],
    "skewed": [0, 0, 0, 1, 100, 100, 3, 7, 99, 50, 50, 50, 50, 12],
    "many": [(i * 37) % 101 for i in range(1000)],
}
"""Score lists for the percentiles from counts: a single value, an even count, ties, none, extremes."""


def test_percentiles_from_score_counts_equal_quantile_cont() -> None:
    landing = RawLanding()
    for n, (name, scores) in enumerate(SCORE_SETS.items()):
        record = session(name, start_min=n * 60, end_min=n * 60 + 59, model=name)
        events = [event(name, i, score, minute=n * 60 + 1) for i, score in enumerate(scores)]
        landing.add(record, events, risk_summary=None)
    con = applied(landing)
    got = con.execute("select model, median_risk, p90_risk, p99_risk from risk_by_model order by model").fetchall()
    want = con.execute(
        "select model, q[1], q[2], q[3] from (select model, quantile_cont(risk_score, [0.5, 0.9, 0.99]) as q "
        "from events join sessions using (session_id) group by model) order by model"
    ).fetchall()
    assert [row[0] for row in got] == sorted(SCORE_SETS)
    assert got == want  # exactly: the same interpolation in the same double arithmetic
    assert dict((row[0], row[1:]) for row in got)["unscored only"] == (None, None, None)
