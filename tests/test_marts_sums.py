"""The risk marts read per-session, per-day sums (``int_tagged_session_days``) for the whole UTC days of a
window and the events for its partial edge days: every mart equals what the events alone give, for any window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import duckdb
import pandas as pd
import pytest

from tests.fixtures.raw import T0, applied
from tests.test_marts import build

MARTS = {
    "risk_by_model": ["model"],
    "risk_by_platform": ["platform"],
    "risk_by_model_platform": ["model", "platform"],
    "risk_fleet": [],
    "risk_by_model_day": ["model", "day"],
    "risk_by_platform_day": ["platform", "day"],
    "risk_fleet_day": ["day"],
    "risk_by_tool": ["tool_name"],
    "risk_by_action_type": ["action_type"],
    "risk_by_model_pair": ["model", "other_model"],
}
"""Every mart with a ``_between`` macro over the per-session sums, and the keys that order its rows."""

MIDNIGHT = T0.replace(hour=0)
WINDOWS = {
    "open": (None, None),
    "whole days": (MIDNIGHT + timedelta(days=2), MIDNIGHT + timedelta(days=7)),
    "partial days": (T0 + timedelta(days=3), T0 + timedelta(days=6, hours=5)),
    "partial since, open until": (T0 + timedelta(days=4, seconds=1), None),
    "open since, partial until": (None, MIDNIGHT + timedelta(days=5, microseconds=1)),
    "within one day": (T0 + timedelta(days=2, hours=1), T0 + timedelta(days=2, hours=9)),
}

EVENTS_ONLY = "create or replace macro int_whole_day_inside(day, since_ts, until_ts) as false"
"""No day counts as whole: every event of the window is read from the events, as the marts did before."""


def marts_over(
    con: duckdb.DuckDBPyConnection, window: tuple[datetime | None, datetime | None]
) -> dict[str, pd.DataFrame]:
    found = {}
    for mart, keys in MARTS.items():
        order = f" order by {', '.join(keys)}" if keys else ""
        found[mart] = con.execute(
            f"select * from {mart}_between(?::timestamptz, ?::timestamptz){order}", list(window)
        ).df()
    return found


@pytest.fixture(scope="module")
def both() -> Iterator[tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]]:
    landing, _, _ = build()
    summed, events_only = applied(landing), applied(landing)
    events_only.execute(EVENTS_ONLY)
    events_only.execute("delete from staging.int_tagged_session_days")  # so nothing could come from it
    yield summed, events_only
    summed.close()
    events_only.close()


@pytest.mark.parametrize("window", WINDOWS.values(), ids=WINDOWS.keys())
def test_every_mart_from_the_sums_equals_the_events(
    both: tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection], window: tuple[datetime | None, datetime | None]
) -> None:
    summed, events_only = both
    got, want = marts_over(summed, window), marts_over(events_only, window)
    assert sum(len(frame) for frame in want.values()) > 0
    for mart in MARTS:
        assert list(got[mart].columns) == list(want[mart].columns), mart
        assert len(got[mart]) == len(want[mart]), mart
        for column in want[mart].columns:
            for a, b in zip(got[mart][column].tolist(), want[mart][column].tolist(), strict=True):
                same = (a != a and b != b) or a == (pytest.approx(b, rel=1e-9) if isinstance(b, float) else b)
                assert same, (mart, column, a, b)


def test_the_sums_hold_every_event_once(both: tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection]) -> None:
    summed, _ = both
    events, scored, sessions = summed.execute(
        "select count(*), count(risk_score), count(distinct (session_id, day)) from int_tagged_events"
    ).fetchone()  # type: ignore[misc]
    assert summed.execute("select count(*), sum(events) from int_tagged_session_days").fetchone() == (sessions, events)
    assert summed.execute("select sum(scored_events) from int_tagged_session_days").fetchone() == (scored,)
    # Sessions cross midnight here, so windows cut days and the edges are read from the events.
    assert sessions > summed.execute("select count(distinct session_id) from int_tagged_events").fetchone()[0]  # type: ignore[index]


def test_a_day_is_whole_only_inside_the_window() -> None:
    con = applied_empty()
    day = MIDNIGHT.date()
    cases = [
        (MIDNIGHT, MIDNIGHT + timedelta(days=1), True),
        (MIDNIGHT + timedelta(microseconds=1), None, False),
        (None, MIDNIGHT + timedelta(days=1) - timedelta(microseconds=1), False),
        (MIDNIGHT - timedelta(hours=3), MIDNIGHT + timedelta(days=2), True),
        (None, None, True),
        (MIDNIGHT + timedelta(days=1), None, False),
    ]
    for since, until, inside in cases:
        got = con.execute("select int_whole_day_inside(?, ?::timestamptz, ?::timestamptz)", [day, since, until])
        assert got.fetchone() == (inside,), (since, until)


def applied_empty() -> duckdb.DuckDBPyConnection:
    from tests.fixtures.raw import RawLanding

    return applied(RawLanding())


@pytest.mark.parametrize("window", WINDOWS.values(), ids=WINDOWS.keys())
def test_the_riskiest_sessions_from_the_sums_equal_the_events(
    both: tuple[duckdb.DuckDBPyConnection, duckdb.DuckDBPyConnection], window: tuple[datetime | None, datetime | None]
) -> None:
    from quint_reports.warehouse.query import run_query

    summed, events_only = both
    params = [*window, 5, 2]
    got, want = (
        run_query(summed, "report_riskiest_sessions", params),
        run_query(events_only, "report_riskiest_sessions", params),
    )
    assert len(want) > 0
    assert got.astype(str).values.tolist() == want.astype(str).values.tolist()
    # And each session's figures are those of its events in the window, counted directly.
    since, until = window
    direct = {
        row[0]: row[1:]
        for row in summed.execute(
            "select session_id, count(*), max(risk_score), avg(risk_score), "
            "count(*) filter (where risk_level = 'Critical') from int_tagged_events "
            "where (?::timestamptz is null or event_at >= ?::timestamptz) "
            "and (?::timestamptz is null or event_at < ?::timestamptz) group by session_id",
            [since, since, until, until],
        ).fetchall()
    }
    for row in got.itertuples():
        if row.session_id in direct:
            events, max_risk, mean_risk, critical = direct[row.session_id]
            assert (row.events, row.max_risk, row.critical_events) == (events, max_risk, critical)
            assert row.mean_risk == pytest.approx(mean_risk, rel=1e-12)
