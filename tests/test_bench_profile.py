"""The bench's untimed profiling re-run: a file with a plan is profiled, a view-only file is passed over."""

from __future__ import annotations

from pathlib import Path

import duckdb

from bench.large import profile_sql
from quint_reports.warehouse.views import sql_files
from tests.fixtures.orgs import clean_org
from tests.fixtures.raw import applied


def _built(tmp_path: Path) -> Path:
    db = tmp_path / "org.duckdb"
    applied(clean_org(), duckdb.connect(str(db))).close()
    return db


def test_a_layer_file_is_profiled(tmp_path: Path) -> None:
    db = _built(tmp_path)
    path = next(p for p in sql_files() if p.stem == "int_tagged_events")
    count = "select count(*) from staging.int_tagged_events"
    with duckdb.connect(str(db)) as con:
        before = con.execute(count).fetchone()
    profile = profile_sql(db, path.read_text(encoding="utf-8"))
    assert profile is not None
    assert profile["latency_s"] > 0
    assert profile["operators"] and all(op["seconds"] >= 0 for op in profile["operators"])
    with duckdb.connect(str(db)) as con:
        assert con.execute(count).fetchone() == before


def test_a_view_file_has_no_plan_to_profile(tmp_path: Path) -> None:
    db = _built(tmp_path)
    assert profile_sql(db, "create or replace view profiled_view as select 1 as one") is None


def test_what_the_profiled_file_builds_is_rolled_back(tmp_path: Path) -> None:
    db = _built(tmp_path)
    assert profile_sql(db, "create table profiled_table as select 1 as one") is not None
    with duckdb.connect(str(db)) as con:
        assert con.execute("select count(*) from duckdb_tables() where table_name = 'profiled_table'").fetchone() == (
            0,
        )
