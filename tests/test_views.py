"""The sql/ layers: file conventions, apply order, and what each stable view answers."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from quint_reports import connect
from quint_reports.warehouse.sqlfiles import sql_dir
from quint_reports.warehouse.views import LAYERS, apply_views, created_objects, list_views, sql_files
from tests.fixtures.orgs import clean_org
from tests.fixtures.raw import RawLanding, applied, event, rows, session, uid

STABLE = (
    "sessions",
    "events",
    "session_edges",
    "session_risk",
    "check_findings",
    "quarantine",
    "risk_by_model",
    "risk_by_platform",
    "risk_by_model_day",
    "risk_by_platform_day",
    "risk_by_model_platform",
    "risk_by_model_pair",
    "risk_fleet",
    "risk_fleet_day",
)
"""The documented names analysts query (docs/DESIGN.md)."""

MARTS = ("risk_by_model", "risk_by_platform", "risk_by_model_day", "risk_by_platform_day", "risk_by_model_platform")


def rich_landing() -> RawLanding:
    """The clean organisation plus every landing oddity the staging layer must absorb."""

    def tweak(parts: dict[str, Any]) -> None:
        solo = parts["events"]["solo"]
        solo.append(dict(solo[0]))  # repeated event id
        del solo[1]["session_id"]  # owner left implicit
        del solo[2]["decision"]  # decision may be absent
        solo.append(event("solo", 50, "high", minute=240))  # text score
        solo.append(event("solo", 51, 42.5, minute=241))  # fractional score
        parts["summaries"]["solo"] = {"total_events": 5, "max_risk": 55, "avg_risk": 39}
        parts["records"]["root"]["x_quint_region"] = "eu-west-1"  # unknown field
        parts["summaries"]["empty"] = None

        def extra(landing: RawLanding) -> None:
            listed_only = session("listed only", start_min=400, end_min=420, model="gemini-2.5-pro")
            landing.add(listed_only, [event("listed only", 1, 70, minute=401)], detail=False)
            landing.list_records[uid("root")] = json.dumps(dict(parts["records"]["root"], model="from-the-list"))
            landing.missing(uid("ghost"))
            landing.quarantined("/v1/sessions", "md5:abc", "id is not a string", '{"id": 12}')

        parts["extra"] = extra

    return clean_org(tweak)


@pytest.fixture(scope="session")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = applied(rich_landing())
    yield connection
    connection.close()


def one(con: duckdb.DuckDBPyConnection, query: str, *params: Any) -> Any:
    """The single row of a test query."""
    return con.execute(query, list(params)).fetchone()


# -- conventions --------------------------------------------------------------------------------


@pytest.mark.parametrize("path", sql_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_sql_file_has_header_and_creates_its_name(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"-- {path.stem}"), "the file opens with a comment naming what it creates"
    header = "\n".join(line for line in text.splitlines() if line.startswith("--"))
    assert "Grain:" in header and "Inputs:" in header
    assert path.stem in [name for _, name in created_objects(path)]
    assert text == text.lower() or re.search(r"[A-Z]", re.sub(r"--.*|'[^']*'|\"[^\"]*\"", "", text)) is None


@pytest.mark.parametrize("path", sorted((sql_dir() / "queries").glob("*.sql")), ids=lambda p: p.name)
def test_query_files_have_a_header(path: Path) -> None:
    assert path.read_text(encoding="utf-8").startswith(f"-- {path.stem}:")


def test_layers_and_stable_names() -> None:
    assert [p.parent.name for p in sql_files()] == sorted((p.parent.name for p in sql_files()), key=LAYERS.index)
    assert set(STABLE) <= set(list_views())


def test_apply_twice_is_idempotent(con: duckdb.DuckDBPyConnection) -> None:
    before = {name: one(con, f"select count(*) from {name}")[0] for name in STABLE}
    apply_views(con)
    assert {name: one(con, f"select count(*) from {name}")[0] for name in STABLE} == before


@pytest.mark.parametrize("name", list_views())
def test_every_view_is_queryable(con: duckdb.DuckDBPyConnection, name: str) -> None:
    schema, _, table = name.rpartition(".")
    kinds = {
        kind
        for _, kind in con.execute(
            "select table_name, table_type from information_schema.tables where table_schema = ? and table_name = ?",
            [schema or "main", table],
        ).fetchall()
    }
    assert kinds, f"{name} was not created"
    con.sql(f"select * from {name}").fetchall()  # a name from list_views()


def test_mart_columns_match_the_design() -> None:
    design = (Path(__file__).parent.parent / "docs" / "DESIGN.md").read_text(encoding="utf-8")
    section = design.split("Mart columns")[1].split("Time windows")[0]
    overall = re.search(r"\(`model`, `platform`\):\s*`([^`]+)`", section, re.S)
    daily = re.search(r"\(`platform, day`\):\s*`([^`]+)`", section, re.S)
    assert overall and daily
    overall_cols = [c.strip() for c in overall.group(1).split(",")]
    daily_cols = [c.strip() for c in daily.group(1).split(",")]
    c = applied(rich_landing())
    keys = {
        "risk_by_model": ["model"],
        "risk_by_platform": ["platform"],
        "risk_by_model_platform": ["model", "platform"],
        "risk_by_model_day": ["model", "day"],
        "risk_by_platform_day": ["platform", "day"],
    }
    for mart, key in keys.items():
        expected = key + (daily_cols if mart.endswith("_day") else overall_cols)
        assert c.table(mart).columns == expected, mart
    pair = re.search(r"- `risk_by_model_pair` \(`model, other_model`\): `([^`]+)`", section, re.S)
    assert pair and c.table("risk_by_model_pair").columns == ["model", "other_model"] + [
        col.strip() for col in pair.group(1).split(",")
    ]
    findings = re.search(r"- `check_findings`: `([^`]+)`", design)
    assert findings and c.table("check_findings").columns == [col.strip() for col in findings.group(1).split(",")]


# -- sessions -----------------------------------------------------------------------------------


def test_sessions_merge_detail_list_and_children(con: duckdb.DuckDBPyConnection) -> None:
    got = {r["session_name"]: r for r in rows(con, "sessions")}
    assert set(got) == {"root", "child", "grandchild", "second child", "solo", "empty", "listed only"}
    assert got["root"]["model"] == "claude-sonnet-4-20250514"  # detail wins over the list record
    assert got["root"]["source"] == "detail"
    assert got["listed only"]["source"] == "list"  # list fills a missing detail
    assert got["listed only"]["reported_total_events"] is None
    assert uid("ghost") not in {r["session_id"] for r in got.values()}  # 404 is not a session


def test_sessions_types_summary_and_raw(con: duckdb.DuckDBPyConnection) -> None:
    started, ended, total, top, avg, raw = one(
        con,
        "select started_at, ended_at, reported_total_events, reported_max_risk, reported_avg_risk, raw "
        "from sessions where session_id = ?",
        uid("root"),
    )
    assert started.isoformat() == "2026-04-01T08:00:00+00:00" and ended.isoformat() == "2026-04-01T10:00:00+00:00"
    assert (total, top, avg) == (3, 20, 12)
    assert json.loads(raw)["x_quint_region"] == "eu-west-1"
    assert one(con, "select reported_total_events, risk_summary from sessions where session_id = ?", uid("empty")) == (
        None,
        None,
    )
    assert one(
        con,
        "select data_type from information_schema.columns where table_name = 'sessions' and column_name = 'started_at'",
    ) == ("TIMESTAMP WITH TIME ZONE",)


def test_sessions_hierarchy(con: duckdb.DuckDBPyConnection) -> None:
    got = {r["session_name"]: (r["depth"], r["root_id"], r["is_root"]) for r in rows(con, "sessions")}
    assert got["root"] == (0, uid("root"), True)
    assert got["child"] == (1, uid("root"), False)
    assert got["grandchild"] == (2, uid("root"), False)
    assert got["solo"] == (0, uid("solo"), True)


def test_sessions_cycle_terminates_without_root() -> None:
    landing = RawLanding()
    for name, parent in (("a", "b"), ("b", "c"), ("c", "a"), ("below", "a"), ("self", "self")):
        landing.add(session(name, parent=parent), [])
    c = applied(landing)
    got = {r["session_name"]: (r["depth"], r["root_id"], r["in_cycle"]) for r in rows(c, "sessions")}
    assert got == {
        "a": (None, None, True),
        "b": (None, None, True),
        "c": (None, None, True),
        "below": (None, None, False),
        "self": (None, None, True),
    }


# -- events -------------------------------------------------------------------------------------


def test_events_deduplicated_and_owner_filled(con: duckdb.DuckDBPyConnection) -> None:
    assert one(con, "select count(*), count(distinct event_id) from events where session_id = ?", uid("solo")) == (5, 5)
    assert one(con, "select count(*) from stg_events where session_id = ?", uid("solo")) == (6,)
    owner, claimed = one(
        con, "select session_id, reported_session_id from events where event_id = ?", uid("solo/event/1")
    )
    assert (owner, claimed) == (uid("solo"), None)
    assert one(con, "select decision from events where event_id = ?", uid("solo/event/2")) == (None,)


def test_a_repeated_id_keeps_its_first_occurrence_only_within_its_session() -> None:
    """ids a, b, a, none, none, a in one list: a once (its first position), b, both id-less events; another
    session's a is its own."""
    a, b = event("one", 1, 5), event("one", 2, 7)
    later_a, id_less = {**a, "risk_score": 90}, {**event("one", 3, 9), "id": None}
    other_a = {**a, "session_id": uid("two")}
    landing = RawLanding().add(session("one"), [a, b, later_a, id_less, id_less, later_a])
    c = applied(landing.add(session("two"), [other_a]))
    kept = c.execute(
        "select session_id, event_id, position, risk_score from events order by session_id, position"
    ).fetchall()
    expected = [
        (uid("one"), a["id"], 1, 5),
        (uid("one"), b["id"], 2, 7),
        (uid("one"), None, 4, 9),
        (uid("one"), None, 5, 9),
        (uid("two"), a["id"], 1, 5),
    ]
    assert kept == sorted(expected, key=lambda row: (row[0], row[2]))


def test_events_invalid_scores_keep_the_raw_value(con: duckdb.DuckDBPyConnection) -> None:
    got = dict(
        con.execute(
            "select risk_score_raw, risk_score from events where session_id = ? and risk_score is null", [uid("solo")]
        ).fetchall()
    )
    assert got == {'"high"': None, "42.5": None}


@pytest.mark.parametrize(
    ("score", "level"),
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
        (101, None),
        (-1, None),
    ],
)
def test_risk_levels_follow_the_documented_bands(score: int, level: str | None) -> None:
    c = applied(RawLanding().add(session("s"), [event("s", 1, score)]))
    assert one(c, "select risk_level from events") == (level,)


def test_events_with_bad_bodies_do_not_break_the_layer() -> None:
    landing = RawLanding().add(session("ok"), [event("ok", 1, 5)]).add(session("bad"), [])
    landing.raw_events(uid("bad"), "{not json")
    landing.raw_detail(uid("worse"), "[1, 2")
    c = applied(landing)
    assert one(c, "select count(*) from events") == (1,)


def test_details_whose_children_are_not_a_list_do_not_break_the_layer() -> None:
    """CASE does not spare a cast: a children value that is true, text or an object must not fail the details."""
    landing = RawLanding().add(session("ok"))
    for i, children in enumerate([True, "c", {"id": "c"}, 7, None]):
        landing.raw_detail(uid(f"odd{i}"), {**session(f"odd{i}"), "children": children})
    landing.raw_detail(uid("mixed"), {**session("mixed"), "children": [uid("a"), {"id": uid("b")}, 3, None]})
    c = applied(landing)
    got = {r["child_id"] for r in rows(c, "session_edges") if r["source"] == "detail_children"}
    assert got == {uid("a"), uid("b")}
    assert one(c, "select count(*) from staging.stg_session_details") == (7,)


def test_a_failing_file_in_a_transaction_reports_its_own_error() -> None:
    """Setting the search path back fails in an aborted transaction; that must not hide the file's error."""
    from quint_reports.warehouse.views import _run

    con = duckdb.connect()
    con.execute("create schema staging")
    con.begin()
    with pytest.raises(duckdb.CatalogException, match=r"layer/broken\.sql: .*no_such_table"):
        _run(con, "select * from no_such_table", "layer/broken.sql", "staging")
    con.rollback()


# -- edges, risk, quarantine, missing -------------------------------------------------------------


def test_session_edges_name_their_source(con: duckdb.DuckDBPyConnection) -> None:
    got = {(r["parent_id"], r["child_id"], r["source"]) for r in rows(con, "session_edges")}
    for source in ("parent_id", "detail_children", "children_endpoint"):
        assert (uid("root"), uid("child"), source) in got
        assert (uid("child"), uid("grandchild"), source) in got
    assert len(got) == 9


def test_session_risk_own_subtree_and_missing(con: duckdb.DuckDBPyConnection) -> None:
    got = {r["session_id"]: r for r in rows(con, "session_risk")}
    root = got[uid("root")]
    assert root["matches"] == "own"
    assert (root["own_events"], root["own_max_risk"]) == (3, 20)
    assert (root["subtree_sessions"], root["subtree_events"], root["subtree_max_risk"]) == (4, 12, 100)
    assert got[uid("grandchild")]["matches"] == "both"
    assert got[uid("empty")]["matches"] == "missing"
    assert got[uid("listed only")]["matches"] == "missing"
    solo = got[uid("solo")]
    assert (solo["own_invalid_scores"], solo["own_max_matches"], solo["matches"]) == (2, None, "both")


def test_session_risk_neither() -> None:
    landing = RawLanding().add(
        session("s"), [event("s", 1, 10)], risk_summary={"total_events": 2, "max_risk": 10, "avg_risk": 10}
    )
    assert one(applied(landing), "select matches, own_total_matches from session_risk") == ("neither", False)


def test_quarantine_and_missing_sessions(con: duckdb.DuckDBPyConnection) -> None:
    assert rows(con, "quarantine")[0]["reason"] == "id is not a string"
    assert rows(con, "missing_sessions") == [{"session_id": uid("ghost"), "referenced_by": 0}]


# -- read-only access from outside Python ---------------------------------------------------------


def duckdb_cli() -> Path:
    """The duckdb shell installed beside this interpreter."""
    return Path(sys.executable).parent / "duckdb"


def test_views_work_from_the_duckdb_cli_read_only(tmp_path: Path) -> None:
    path = tmp_path / "quint.duckdb"
    c = duckdb.connect(str(path))
    rich_landing().write(c)
    apply_views(c)
    c.close()
    queries = [f"select '{name}', count(*) from {name};" for name in STABLE]
    queries.append("select 'window', count(*) from risk_by_model_between(now() - interval 3650 day, null);")
    out = subprocess.run(
        [str(duckdb_cli()), "-readonly", "-csv", "-noheader", str(path), "-c", " ".join(queries)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    counts = dict(line.split(",") for line in out.split())
    assert set(counts) == set(STABLE) | {"window"}
    assert int(counts["sessions"]) == 7 and int(counts["events"]) > 0 and counts["window"] == counts["risk_by_model"]
    with connect(path) as reader:
        assert reader.execute("select count(*) from sessions").fetchone() == (7,)
