"""The reader/writer model on real files and real processes: lock, work copy, atomic publish, readers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from quint_reports.exceptions import DatabaseError, LockHeld
from quint_reports.warehouse.publish import WorkDatabase, connect, db_lock, lock_path, work_path

DUCKDB_CLI = Path(sys.executable).with_name("duckdb")


def publish_rows(db: Path, n: int) -> None:
    with WorkDatabase(db) as work:
        assert work.con is not None
        work.con.execute("create table if not exists t (x integer)")
        work.con.execute("insert into t select range from range(?)", [n])
        work.publish()


def rows(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute("select count(*) from t").fetchone()[0]  # type: ignore[index]


class Helper:
    """A Python subprocess that signals when ready and waits to be told to finish."""

    def __init__(self, code: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(code)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.proc.stdout is not None
        self.first = self.proc.stdout.readline().strip()

    def finish(self) -> str:
        out, _ = self.proc.communicate("go\n", timeout=60)
        return out.strip()


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "quint.duckdb"


def test_publish_swaps_in_a_checkpointed_file_the_cli_can_read(db: Path) -> None:
    publish_rows(db, 3)
    publish_rows(db, 2)
    assert not work_path(db).exists() and not Path(f"{db}.wal").exists()
    out = subprocess.run(
        [str(DUCKDB_CLI), "-readonly", "-csv", "-noheader", str(db), "-c", "select count(*) from t"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "5"


def test_a_failed_run_leaves_the_published_file_byte_identical(db: Path) -> None:
    publish_rows(db, 3)
    before = db.read_bytes()
    with pytest.raises(ZeroDivisionError), WorkDatabase(db) as work:
        assert work.con is not None
        work.con.execute("insert into t values (99)")
        1 / 0  # noqa: B018
    assert db.read_bytes() == before and not work_path(db).exists()


def test_a_stale_work_file_is_discarded(db: Path) -> None:
    publish_rows(db, 3)
    work_path(db).write_bytes(b"half a sync")
    Path(f"{work_path(db)}.wal").write_bytes(b"garbage")
    publish_rows(db, 1)
    with connect(db) as con:
        assert rows(con) == 4


def test_a_second_writer_is_refused_at_once_naming_lock_and_pid(db: Path) -> None:
    holder = Helper(f"""
        import sys
        from quint_reports.warehouse.publish import db_lock
        with db_lock({str(db)!r}):
            print("held", flush=True)
            sys.stdin.readline()
    """)
    try:
        assert holder.first == "held"
        with pytest.raises(LockHeld) as info:
            WorkDatabase(db).__enter__()
        assert str(lock_path(db)) in str(info.value) and f"PID {holder.proc.pid}" in str(info.value)
        assert LockHeld.exit_code == 6
    finally:
        holder.finish()
    publish_rows(db, 1)  # released when the holder let go


def test_the_lock_is_reentrant_within_a_process(db: Path) -> None:
    with db_lock(db):
        publish_rows(db, 1)
    publish_rows(db, 1)


def test_two_writers_in_one_process_are_refused_too(db: Path) -> None:
    with WorkDatabase(db):
        with pytest.raises(LockHeld, match="in this process"):
            WorkDatabase(db).__enter__()
    publish_rows(db, 2)  # the refused one took nothing with it
    with connect(db) as con:
        assert rows(con) == 2


def test_a_reader_process_keeps_its_snapshot_and_never_blocks_the_writer(db: Path) -> None:
    publish_rows(db, 3)
    reader = Helper(f"""
        import sys
        from quint_reports.warehouse import publish
        con = publish.connect({str(db)!r})
        print(con.execute("select count(*) from t").fetchone()[0], flush=True)
        sys.stdin.readline()
        old = con.execute("select count(*) from t").fetchone()[0]
        new = publish.connect({str(db)!r}).execute("select count(*) from t").fetchone()[0]
        print(old, new, flush=True)
    """)
    assert reader.first == "3"
    # What DuckDB alone does here: the reader's lock stops any writer on the same file.
    with pytest.raises(duckdb.IOException, match="lock"):
        duckdb.connect(str(db))
    publish_rows(db, 4)  # our writer never opens the published file, so it succeeds
    assert reader.finish() == "3 7"


def test_reconnecting_in_the_same_process_shows_the_new_snapshot(db: Path) -> None:
    publish_rows(db, 3)
    old = connect(db)
    publish_rows(db, 1)
    new = connect(db)
    assert (rows(old), rows(new)) == (3, 4)
    # A plain read-only duckdb.connect next to ours is not refused for a different configuration.
    plain = duckdb.connect(str(db), read_only=True)
    assert rows(plain) == 4
    for con in (old, new, plain):
        con.close()


def test_connect_names_a_missing_database(db: Path) -> None:
    with pytest.raises(DatabaseError, match="quint-reports sync"):
        connect(db)


def test_a_wal_beside_the_published_file_stops_the_writer(db: Path) -> None:
    publish_rows(db, 1)
    Path(f"{db}.wal").write_bytes(b"x")
    before = db.read_bytes()
    with pytest.raises(DatabaseError, match="write-ahead log"):
        publish_rows(db, 1)
    assert db.read_bytes() == before
    os.unlink(f"{db}.wal")
