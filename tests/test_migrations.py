"""Numbered schema migrations: a database of the previous release upgrades in place; a failure publishes nothing."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

from quint_reports import connect, sync
from quint_reports.ingest.store import Store
from quint_reports.settings import Settings, Token
from quint_reports.simulator import Simulator
from quint_reports.warehouse.migrations import migrate, migrations
from quint_reports.warehouse.sqlfiles import sql_dir

SimFactory = Callable[..., Simulator]
PREVIOUS_RELEASE_DDL = Path(__file__).parent / "fixtures" / "previous_release" / "schema.sql"
"""The landing DDL as the release before migrations shipped it (sql/landing/schema.sql at b0591a4), frozen."""


def old_database(db: Path) -> None:
    """A database as the previous release left it: its DDL, a few rows, a leftover staging table in main."""
    con = duckdb.connect(str(db))
    con.execute(PREVIOUS_RELEASE_DDL.read_text(encoding="utf-8"))
    con.execute(
        """
        insert into raw_session_list values ('old-1', 'old-1', 'r0', timestamptz '2026-01-01 00:00:00+00',
            '/v1/sessions', '{"id": "old-1"}');
        insert into raw_session_detail values ('old-1', 'r0', timestamptz '2026-01-01 00:00:00+00',
            '/v1/sessions/{id}', 404, '{"error": "Session not found"}', null, null);
        insert into raw_session_events values ('old-1', 'r0', timestamptz '2026-01-01 00:00:00+00',
            '/v1/sessions/{id}/events', 200, '{"events": []}', null, null);
        insert into raw_quarantine values ('/v1/sessions', 'old-1', 'model missing', 'r0',
            timestamptz '2026-01-01 00:00:00+00', '{"id": "old-1"}', null);
        insert into _sync_runs (run_id, started_at, finished_at, mode, status)
            values ('r0', timestamptz '2026-01-01 00:00:00+00', timestamptz '2026-01-01 00:01:00+00', 'full', 'success');
        insert into _fetch_state values ('note', 'kept', timestamptz '2026-01-01 00:00:00+00');
        create table stg_events as select 1 as leftover;
        """
    )
    con.close()


def settings_for(sim: Simulator, db: Path) -> Settings:
    return Settings(api_url=sim.base_url, token=Token(sim.token), db=db, backoff_base=0.01, backoff_max=0.05)


def test_migration_files_are_numbered_from_one() -> None:
    found = migrations()
    assert [m.version for m in found] == list(range(1, len(found) + 1)) and len(found) >= 3
    assert all(re.fullmatch(r"[0-9]{4}_[a-z0-9_]+\.sql", m.path.name) for m in found)
    assert all(m.path.read_text(encoding="utf-8").startswith(f"-- Migration {m.version}:") for m in found)


def test_a_database_of_the_previous_release_upgrades_in_place(quint_simulator: SimFactory, tmp_path: Path) -> None:
    db = tmp_path / "quint.duckdb"
    old_database(db)
    sim = quint_simulator(seed=31, sessions=20, doc_examples=False)
    sync(settings=settings_for(sim, db))
    with connect(db) as con:
        assert con.execute("select version from internal._schema_migrations order by 1").fetchall() == [
            (m.version,) for m in migrations()
        ]
        assert con.execute(
            "select http_status, body from raw.raw_session_bodies where kind = 'detail' and session_id = 'old-1'"
        ).fetchall() == [(404, '{"error": "Session not found"}')]
        assert con.execute(
            "select count(*) from raw.raw_session_bodies where kind = 'events' and session_id = 'old-1'"
        ).fetchone() == (1,)
        assert con.execute("select count(*) from raw.raw_session_list where record_key = 'old-1'").fetchone() == (1,)
        assert con.execute("select reason from raw.raw_quarantine where record_key = 'old-1'").fetchall() == [
            ("model missing",)
        ]
        assert con.execute("select status from internal._sync_runs where run_id = 'r0'").fetchall() == [("success",)]
        assert con.execute("select value from internal._fetch_state where key = 'note'").fetchall() == [("kept",)]
        # The views work on the upgraded file, and main holds no landing, bookkeeping or leftover object.
        assert con.execute("select count(*) from sessions").fetchone() == (20,)
        assert con.execute("select count(*) from events").fetchone()[0] > 0  # type: ignore[index]
        in_main = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_catalog = 'quint' and table_schema = 'main'"
            ).fetchall()
        }
        assert not {n for n in in_main if n.startswith(("raw_", "stg_", "int_", "_", "chk_"))}, in_main
    second = sync(settings=settings_for(sim, db))  # migrated once: the next run applies none again
    assert second.sessions_new == 0
    with connect(db) as con:
        assert con.execute("select count(*) from internal._schema_migrations").fetchone() == (len(migrations()),)


def test_bodies_landed_before_their_md5_was_kept_compare_as_unchanged(
    quint_simulator: SimFactory, tmp_path: Path
) -> None:
    """Migration 5 hashes the bodies already landed, so the next sync of the same data changes none of them."""
    db = tmp_path / "quint.duckdb"
    sim = quint_simulator(seed=33, sessions=15, doc_examples=False)
    first = sync(settings=settings_for(sim, db))
    with duckdb.connect(str(db)) as con:  # back to schema version 4, as the previous release left it
        con.execute("alter table raw.raw_session_bodies drop column body_md5")
        con.execute("alter table raw.raw_session_bodies drop column score_pending")  # migration 6, later
        con.execute("delete from internal._schema_migrations where version >= 5")
    second = sync(settings=settings_for(sim, db), full=True)  # every session compared
    assert (second.sessions_new, second.sessions_updated) == (0, 0)
    assert second.sessions_unchanged == second.sessions == first.sessions
    with connect(db) as con:
        assert con.execute(
            "select count(*) from raw.raw_session_bodies where body_md5 is distinct from md5(body)"
        ).fetchone() == (0,)


def test_events_landed_before_their_late_score_flag_was_kept_get_it_from_their_text(
    quint_simulator: SimFactory, tmp_path: Path
) -> None:
    """Migration 6 flags the events bodies already landed that hold a null score, so the next incremental sync
    refetches those sessions as before."""
    db = tmp_path / "quint.duckdb"
    sim = quint_simulator(seed=34, sessions=20, doc_examples=False, live=True)
    sync(settings=settings_for(sim, db))
    with duckdb.connect(str(db)) as con:
        pending = {r[0] for r in con.execute(FLAGGED).fetchall()}
        assert pending, "the live simulator serves some events whose score is still null"
        con.execute("alter table raw.raw_session_bodies drop column score_pending")  # as the previous release left it
        con.execute("delete from internal._schema_migrations where version >= 6")
        migrate(con)
        assert {r[0] for r in con.execute(FLAGGED).fetchall()} == pending
        assert con.execute(
            "select count(*) from raw.raw_session_bodies where (kind = 'events') <> (score_pending is not null)"
        ).fetchone() == (0,)
        assert pending <= set(Store(con).open_session_ids())


FLAGGED = "select session_id from raw.raw_session_bodies where score_pending"


def test_the_bodies_table_loses_its_key_index_and_keeps_every_row(quint_simulator: SimFactory, tmp_path: Path) -> None:
    """Migration 7 copies raw.raw_session_bodies into a table without the primary key's index; the landing's merge
    keeps one row per (kind, session) without it."""
    db = tmp_path / "quint.duckdb"
    sim = quint_simulator(seed=35, sessions=20, doc_examples=False)
    first = sync(settings=settings_for(sim, db))
    everything = "select * from raw.raw_session_bodies order by kind, session_id"
    with duckdb.connect(str(db)) as con:  # back to schema version 6: the table keyed, as migration 3 made it
        landed = con.execute(everything).fetchall()
        con.execute("create table raw.keyed as select * from raw.raw_session_bodies")
        con.execute("drop table raw.raw_session_bodies")
        con.execute("alter table raw.keyed rename to raw_session_bodies")
        con.execute("alter table raw.raw_session_bodies add primary key (kind, session_id)")
        con.execute("delete from internal._schema_migrations where version >= 7")
        assert migrate(con) == [7]
        assert con.execute(everything).fetchall() == landed
        assert con.execute(KEYS, ["raw_session_bodies"]).fetchall() == []
        assert con.execute(KEYS, ["raw_session_list"]).fetchall() == [("PRIMARY KEY",)]  # that one is left as it was
    sim.add_sessions(3)
    again = sync(settings=settings_for(sim, db), full=True)  # every body merged again, three sessions new
    assert (again.sessions_new, again.sessions_unchanged) == (3, first.sessions)
    with connect(db) as con:
        rows, keys = con.execute(
            "select count(*), count(distinct (kind, session_id)) from raw.raw_session_bodies"
        ).fetchone()  # type: ignore[misc]
        assert rows == keys > len(landed), "one row per (kind, session), the new sessions' added"
        assert {(r[0], r[1]) for r in landed} <= {
            (r[0], r[1]) for r in con.execute("select kind, session_id from raw.raw_session_bodies").fetchall()
        }


KEYS = "select constraint_type from duckdb_constraints() where table_name = ? and constraint_type = 'PRIMARY KEY'"


def test_a_failing_migration_publishes_nothing_and_names_its_file(quint_simulator: SimFactory, tmp_path: Path) -> None:
    db = tmp_path / "quint.duckdb"
    sim = quint_simulator(seed=32, sessions=10, doc_examples=False)
    sync(settings=settings_for(sim, db))
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    broken = tmp_path / "sql"
    shutil.copytree(sql_dir(), broken)
    number = len(migrations()) + 1
    (broken / "migrations" / f"{number:04d}_broken_step.sql").write_text(
        f"-- Migration {number}: fails halfway.\ncreate table raw.half_done (a int);\nselect * from no_such_table;\n",
        encoding="utf-8",
    )
    env = {**os.environ, "QUINT_API_TOKEN": sim.token, "QUINT_SQL_DIR": str(broken)}
    done = subprocess.run(
        [sys.executable, "-m", "quint_reports", "sync", "--db", str(db), "--api-url", sim.base_url, "--no-progress"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 7, done.stderr
    assert f"{number:04d}_broken_step.sql" in done.stderr
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert not (tmp_path / "quint.duckdb.work").exists()
    with connect(db) as con:
        assert con.execute("select max(version) from internal._schema_migrations").fetchone() == (number - 1,)
