"""The analyst API returns the marts and per-session views as DataFrames, with bound parameters only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone

import duckdb
import pytest

from quint_reports import analysis
from quint_reports.exceptions import ConfigError
from tests.fixtures.orgs import clean_org
from tests.fixtures.raw import T0, applied, uid


@pytest.fixture(scope="session")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = applied(clean_org())
    yield connection
    connection.close()


@pytest.mark.parametrize(
    "name", ["risk_by_model", "risk_by_platform", "risk_by_model_platform", "risk_by_model_day", "risk_by_platform_day"]
)
def test_marts_without_window_equal_the_views(con: duckdb.DuckDBPyConnection, name: str) -> None:
    got = getattr(analysis, name)(con)
    view = con.table(name).to_arrow_table().to_pandas()
    assert got.equals(view)
    assert len(got) > 0


def test_windows(con: duckdb.DuckDBPyConnection) -> None:
    # The clean organisation has 12 events before 09:00 and 3 after 11:00, all on 2026-04-01.
    assert analysis.risk_by_model(con, since=T0 + timedelta(hours=3))["events"].sum() == 3
    assert analysis.risk_by_model(con, until="2026-04-01T09:00:00Z")["events"].sum() == 12
    assert analysis.risk_by_model(con, since=date(2026, 4, 2)).empty
    assert analysis.risk_by_platform_day(con, since=datetime(2026, 4, 1), until=date(2026, 4, 2))["events"].sum() == 15
    now = datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc)
    assert analysis.window(days=1, now=now) == (now - timedelta(days=1), None)
    assert analysis.risk_by_model(con, days=1).empty  # the fixture lies years before the real now


@pytest.mark.parametrize(
    "kwargs",
    [
        {"days": 3, "since": "2026-04-01"},
        {"days": 3, "until": "2026-04-02"},
        {"days": 0},
        {"since": "yesterday-ish"},
        {"since": "2026-04-02", "until": "2026-04-01"},
    ],
    ids=str,
)
def test_bad_windows_raise(con: duckdb.DuckDBPyConnection, kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        analysis.risk_by_model(con, **kwargs)  # type: ignore[arg-type]


def test_session_functions(con: duckdb.DuckDBPyConnection) -> None:
    risk = analysis.session_risk(con, uid("root"))
    assert risk["matches"].tolist() == ["own"]
    tree = analysis.session_tree(con, uid("child"))
    assert list(zip(tree["level"], tree["relation"], tree["session_name"], strict=False)) == [
        (-1, "ancestor", "root"),
        (0, "self", "child"),
        (1, "descendant", "grandchild"),
    ]
    events = analysis.session_events(con, uid("second child"))
    assert events["risk_score"].tolist() == [0, 100, 56, 81]
    assert analysis.findings(con).empty


def test_session_ids_are_bound_never_pasted(con: duckdb.DuckDBPyConnection) -> None:
    hostile = f"{uid('root')}' or '1'='1"
    assert analysis.session_risk(con, hostile).empty
    assert analysis.session_tree(con, hostile).empty
    assert analysis.session_events(con, "x'); drop table stg_events; --").empty
    assert con.execute("select count(*) from stg_events").fetchone()[0] > 0


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        ("gpt-4o", ["gpt-4o"]),
        ("gpt-4o, o3-mini", ["gpt-4o", "o3-mini"]),
        (["gpt-4o", " o3-mini "], ["gpt-4o", "o3-mini"]),
        (" , ", None),
        ([], None),
    ],
)
def test_model_list_takes_a_string_or_a_list(given: object, expected: list[str] | None) -> None:
    assert analysis.model_list(given) == expected  # type: ignore[arg-type]


def test_model_list_refuses_what_is_not_a_name() -> None:
    with pytest.raises(ConfigError, match="model name"):
        analysis.model_list(["gpt-4o", 4])  # type: ignore[list-item]


def test_require_session_names_an_unknown_id(con: duckdb.DuckDBPyConnection) -> None:
    assert analysis.require_session(con, uid("root")) == uid("root")
    with pytest.raises(ConfigError, match="no session 'nope' in this database"):
        analysis.require_session(con, "nope")
    with pytest.raises(ConfigError, match="must be a session's id"):
        analysis.require_session(con, None)
