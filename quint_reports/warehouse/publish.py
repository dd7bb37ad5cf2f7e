"""The reader/writer model: one writer on a private copy, readers on published snapshots.

A sync never opens the published file. It takes ``<db>.lock`` (flock), copies
``<db>`` to ``<db>.work``, writes there, runs ``CHECKPOINT``, closes, fsyncs and
swaps the copy in with ``os.replace``. Readers hold the inode they opened, so
they neither block the writer (DuckDB's own file lock never meets it) nor see
half a sync; reconnecting shows the newest snapshot. A kill at any point
leaves ``<db>`` as it was; the next writer deletes the stale work file.
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import shutil
import struct
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import duckdb

from quint_reports.exceptions import ConfigError, DatabaseError, LockHeld
from quint_reports.settings import Resources, resolve_db
from quint_reports.warehouse.sqlfiles import read_sql, split_statements

_held: dict[Path, tuple[int, int]] = {}
"""Locks this process holds: path -> (fd, depth), so that nightly can hold the lock around sync."""
_held_guard = threading.Lock()
_writing: set[Path] = set()
"""Databases a WorkDatabase of this process is writing: the lock is re-entrant, the work file is not."""


def lock_path(db: Path) -> Path:
    """The lock file of a database: ``<db>.lock``."""
    return db.with_name(db.name + ".lock")


def work_path(db: Path) -> Path:
    """The private work file a sync writes: ``<db>.work``."""
    return db.with_name(db.name + ".work")


@contextlib.contextmanager
def db_lock(db: str | os.PathLike[str]) -> Iterator[Path]:
    """Hold the writer lock of ``db`` (non-blocking, re-entrant within this process).

    Raises:
        LockHeld: another process holds it; the message names the lock file and its PID.
    """
    path = lock_path(resolve_db(db))
    with _held_guard:
        if path in _held:
            fd, depth = _held[path]
            _held[path] = (fd, depth + 1)
        else:
            _held[path] = (_acquire(path), 1)
    try:
        yield path
    finally:
        with _held_guard:
            fd, depth = _held[path]
            if depth > 1:
                _held[path] = (fd, depth - 1)
            else:
                del _held[path]
                os.close(fd)  # releases the flock


def _acquire(path: Path) -> int:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise DatabaseError(f"cannot create the lock file {path}: {exc.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
        os.close(fd)
        who = f" by PID {holder}" if holder.isdigit() else ""
        raise LockHeld(
            f"another sync is running: {path} is held{who}. Wait for it to finish; the lock is "
            "released when that process exits, so there is nothing to delete."
        ) from None
    # The PID is informational only: the kernel releases the flock when its holder dies.
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


WORK_CHECKPOINT_THRESHOLD = "128MB"
"""DuckDB's automatic checkpoint threshold (its WAL's size) on the work file while a sync or an apply writes it;
DuckDB's default is 16 MB. The work file is discarded whenever a run does not publish, so its WAL protects nothing,
and the publish checkpoints once anyway, while a checkpoint costs 0.3-0.6 s of CPU at 10,000 sessions, more as the
file grows (the sync's 10,000 sessions' batches replayed: 12.7 s of the writer's CPU at 16 MB, 9.5 s at 128 MB,
9.4 s at 1 GB, whose peak RSS was some 130 MB higher; an apply after 1% of 100,000 sessions changed checkpointed
at its commit, 0.8 s, at 16 MB)."""


class WorkDatabase:
    """The writer's private copy of the published database; ``publish()`` swaps it in.

    Use as a context manager: entering takes the lock, discards a stale work file
    and copies the published file (or starts empty); leaving without publishing
    discards the work file, so the published file is untouched.
    """

    def __init__(self, db: str | os.PathLike[str], resources: Resources | None = None) -> None:
        self.db = resolve_db(db)
        self.work = work_path(self.db)
        self.resources = resources or Resources.resolve()
        self.con: duckdb.DuckDBPyConnection | None = None
        self.published = False
        self._lock: contextlib.AbstractContextManager[Path] | None = None

    def __repr__(self) -> str:
        return f"WorkDatabase({str(self.db)!r})"

    def __enter__(self) -> WorkDatabase:
        self._lock = db_lock(self.db)
        self._lock.__enter__()
        with _held_guard:
            busy = self.db in _writing
            _writing.add(self.db)
        if busy:
            self._lock.__exit__(None, None, None)
            self._lock = None
            raise LockHeld(
                f"another sync in this process (PID {os.getpid()}) is writing {self.db}; wait for it to finish"
            )
        try:
            if self.db.exists() and not self.db.is_file():
                raise ConfigError(f"{self.db} is a directory, not a database file: give --db the path of a file")
            self._refuse_in_place_writers()
            self._discard()
            if self.db.exists():
                shutil.copyfile(self.db, self.work)
            try:
                self.con = duckdb.connect(str(self.work))
                self.resources.apply(self.con, self.db, "work")
                self.con.execute(f"set checkpoint_threshold = '{WORK_CHECKPOINT_THRESHOLD}'")
                # Unattended (cron, a notebook's sync): DuckDB's bar, drawn for any statement past 2 s, would
                # fill the job's output with redrawn lines (a 100,000-session sync printed 16 bars).
                self.con.execute("set enable_progress_bar = false")
            except duckdb.Error as exc:
                raise DatabaseError(
                    f"{self.db} is not a DuckDB database this version can open ({_first_line(exc)}): "
                    "give --db a quint database or a new path"
                ) from None
        except BaseException:
            self._discard()
            self._release()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self.con is not None:
                self.con.close()
                self.con = None
            if not self.published:
                self._discard()
        finally:
            self._release()

    def publish(self) -> None:
        """CHECKPOINT, close, fsync and atomically replace the published file with the work file.

        Raises:
            DatabaseError: the checkpoint left a WAL behind, or the rename failed.
        """
        if self.con is None:
            raise RuntimeError("publish() needs an open work database")
        try:
            self.con.execute("checkpoint")
            self.con.close()
            self.con = None
            if _wal(self.work).exists():
                raise DatabaseError(f"{self.work} still has a write-ahead log after CHECKPOINT; not published")
            _fsync(self.work)
            # Checked again at the last moment: a writer that opened the published file during the
            # run would replay its WAL onto the new snapshot for every reader.
            self._refuse_in_place_writers()
            os.replace(self.work, self.db)
            _fsync(self.db.parent)
        except OSError as exc:
            raise DatabaseError(
                f"could not publish {self.db}: {exc.strerror}; the previous snapshot is intact"
            ) from exc
        self.published = True

    def _refuse_in_place_writers(self) -> None:
        """Refuse (exit 7) while the published file has a WAL or another process holds it read-write."""
        wal = _wal(self.db)
        holder = read_write_holder(self.db)
        if holder is not None:
            raise DatabaseError(
                f"{self.db} is open read-write by {holder}: its writes would go to {wal.name} and be replayed "
                "onto the new snapshot. Nothing was published. Close that process (open the file with "
                "`duckdb -readonly` or quint_reports.connect()), then sync again"
            )
        if wal.exists():
            raise DatabaseError(
                f"{self.db} has a write-ahead log ({wal.name}): something wrote to the published file in "
                "place. Open it once read-write with duckdb and run CHECKPOINT, then sync again."
            )

    def _discard(self) -> None:
        for path in (self.work, _wal(self.work)):
            path.unlink(missing_ok=True)
        shutil.rmtree(self.resources.spill_dir(self.db, "work"), ignore_errors=True)

    def _release(self) -> None:
        if self._lock is not None:
            with _held_guard:
                _writing.discard(self.db)
            self._lock.__exit__(None, None, None)
            self._lock = None


def connect(
    db: str | os.PathLike[str] | None = None,
    *,
    memory_limit: str | None = None,
    temp_dir: str | os.PathLike[str] | None = None,
    lake: str | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open a read-only connection to the latest published snapshot.

    The connection keeps seeing that snapshot, and never blocks a sync; call
    ``connect()`` again to see a newer one. Close it when done.

    Args:
        db: the published database; else ``QUINT_DB``; else ``quint.duckdb``. A value
            starting ``ducklake:`` names a lake, as ``lake`` does.
        memory_limit: DuckDB's memory limit; else ``QUINT_MEMORY_LIMIT``; else 512MB.
        temp_dir: where to spill what does not fit; else ``QUINT_TEMP_DIR``; else beside the database.
        lake: a DuckLake's catalog (``ducklake:postgres:dbname=quint host=...``): its newest
            snapshot, with the same views and marts as the file (see ``warehouse/lake.py``).

    Raises:
        DatabaseError: there is no published database at that path, or it cannot be opened.

    Example:
        >>> con = quint_reports.connect("quint.duckdb")
        >>> con.sql("select count(*) from sessions").fetchall()
    """
    from quint_reports.warehouse import lake as lakes

    if lake is not None or lakes.is_lake(db):
        target = lakes.resolve_lake(lake if lake is not None else str(db))
        assert target is not None  # a URL was given
        return lakes.connect_lake(target)
    path = resolve_db(db)
    resources = Resources.resolve(memory_limit, temp_dir)
    if not path.is_file():
        raise DatabaseError(f"no published database at {path}: run `quint-reports sync --db {path}` first")
    con = duckdb.connect(":memory:")
    resources.apply(con, path, f"read-{os.getpid()}-{next(_readers)}")  # one spill folder per connection
    literal = "'" + str(path).replace("'", "''") + "'"
    try:
        for statement in split_statements(read_sql("landing/attach_snapshot.sql").format(path=literal)):
            con.execute(statement)
        schemas = [row[0] for row in con.execute(read_sql("landing/reader_schemas.sql")).fetchall()]
        con.execute(f"set search_path = '{','.join('quint.' + name for name in schemas)}'")  # fixed names
    except duckdb.Error as exc:
        con.close()
        raise DatabaseError(f"cannot open {path} read-only: {exc}") from None
    return con


def read_write_holder(path: Path) -> str | None:
    """Who holds ``path`` with DuckDB's write lock (``PID n (name)``), or None.

    Asks the kernel (F_GETLK) which lock would block a shared one; it takes no lock
    itself, so the POSIX locks of this process's own readers are left alone.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        query = struct.pack(_FLOCK, fcntl.F_RDLCK, os.SEEK_SET, 0, 0, 0) + b"\0" * 8
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
    except OSError:
        return None
    finally:
        os.close(fd)
    kind, _, _, _, pid = struct.unpack_from(_FLOCK, answer)
    if kind == fcntl.F_UNLCK:
        return None
    try:
        name = Path(f"/proc/{pid}/comm").read_text(encoding="utf-8").strip()
    except OSError:
        name = ""
    return f"PID {pid} ({name})" if name else f"PID {pid}"


_readers = itertools.count(1)
"""Numbers this process's reader connections, so that no two share a spill folder."""

_FLOCK = "hhqqi"
"""struct flock: l_type, l_whence, l_start, l_len, l_pid (padded to the platform's size)."""


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
