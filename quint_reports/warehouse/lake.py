"""The team target: publish the synced database into a DuckLake, and read it from anywhere.

A lake is a catalog (PostgreSQL, SQLite or a DuckDB file) plus a data folder of Parquet
files (local or ``s3://bucket/prefix``). The sync still writes the local file first (its
private copy, its lock, its views); :func:`publish_lake` then copies that published file's
landing (``raw``) and bookkeeping (``internal``) tables into the lake, only the rows that
changed (delete + insert by primary key), and rebuilds the view layers there with the same
``sql/`` files (macros, views, comments and the JSON-heavy staging tables), all in ONE
transaction: one DuckLake snapshot per publish that writes (none when the lake already holds the
file and its views), and readers see the previous one until it commits. A kill at any moment
leaves the last snapshot as it was (uncommitted Parquet files are orphans that ``maintain_lake``
deletes).

Two writers: every publish rewrites the row of ``internal._lake_writer`` in its transaction,
so overlapping publishes conflict in DuckLake's commit check; the loser rolls back and exits 6.

Extensions load by path from the ``duckdb-extension-*`` packages, never downloaded. The
catalog's password comes from ``PGPASSWORD`` or libpq's password file (``PGPASSFILE``,
``~/.pgpass``) and S3 keys from ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``: a URL with
a password is refused, so none reaches a log or an error message.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from quint_reports.exceptions import ConfigError, DatabaseError, LockHeld, PartialFailure
from quint_reports.warehouse.sqlfiles import read_sql, split_statements

if TYPE_CHECKING:
    from quint_reports.ingest.sync import SyncResult

log = logging.getLogger(__name__)

LAKE_ENV = "QUINT_LAKE"
LAKE_DATA_ENV = "QUINT_LAKE_DATA"
S3_ENDPOINT_ENV = "QUINT_S3_ENDPOINT"
"""host:port of an S3-compatible server other than AWS (path-style URLs then)."""
S3_USE_SSL_ENV = "QUINT_S3_USE_SSL"
"""``false`` for a plain-http endpoint (a server on loopback)."""

PREFIX = "ducklake:"

PACKAGES = {
    "ducklake": "duckdb-extension-ducklake",
    "postgres_scanner": "duckdb-extension-postgres-scanner",
    "sqlite_scanner": "duckdb-extension-sqlite-scanner",
    "httpfs": "duckdb-extension-httpfs",
}
"""Extension -> the PyPI package that ships it for this DuckDB version."""

SCHEMAS = ("raw", "internal", "staging")
"""The lake's schemas besides ``main``, as in the file."""


@dataclass(frozen=True)
class Lake:
    """Where a lake is: its catalog URL (``ducklake:...``) and, for a new lake, its data folder."""

    url: str
    data: str | None = None

    @property
    def extensions(self) -> tuple[str, ...]:
        """The extensions this lake needs."""
        catalog = self.url[len(PREFIX) :]
        needed = ["ducklake"]
        if catalog.startswith(("postgres:", "postgresql:")):
            needed.append("postgres_scanner")
        elif catalog.startswith("sqlite:"):
            needed.append("sqlite_scanner")
        if (self.data or "").startswith("s3://") or os.environ.get("AWS_ACCESS_KEY_ID"):
            needed.append("httpfs")
        return tuple(needed)


def is_lake(target: object) -> bool:
    """True when a ``--db`` value names a lake (``ducklake:...``) rather than a file."""
    return isinstance(target, str) and target.startswith(PREFIX)


def resolve_lake(url: str | None = None, data: str | os.PathLike[str] | None = None) -> Lake | None:
    """The lake from arguments, else ``QUINT_LAKE`` / ``QUINT_LAKE_DATA``; None when neither names one.

    Raises:
        ConfigError: the URL carries a password, or is empty.
    """
    url = url if url is not None else os.environ.get(LAKE_ENV)
    if url is None:
        return None
    url = url.strip()
    if not url:
        raise ConfigError("--lake is empty: give the lake's catalog, e.g. ducklake:postgres:dbname=quint host=db")
    if "password=" in url.replace(" ", "").lower():
        raise ConfigError(
            "the lake URL carries a password: remove it and set PGPASSWORD, or put it in the password file "
            "(PGPASSFILE, else ~/.pgpass), so that it never shows in ps, logs or errors"
        )
    if not url.startswith(PREFIX):
        url = PREFIX + url
    folder = data if data is not None else os.environ.get(LAKE_DATA_ENV)
    text = None if folder is None else str(folder)
    if text and not text.startswith("s3://"):
        text = str(Path(text).expanduser().absolute()) + "/"
    return Lake(url, text)


def load_extensions(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> None:
    """Load each extension from its package, by path.

    Raises:
        ConfigError: a package is not installed, or its file does not load here; names the package.
    """
    for name in names:
        package = PACKAGES[name]
        spec = importlib.util.find_spec(package.replace("-", "_"))
        found = (
            [] if spec is None or spec.origin is None else sorted(Path(spec.origin).parent.rglob("*.duckdb_extension"))
        )
        if not found:
            raise ConfigError(
                f"the {name} extension is missing: install the package {package}=={duckdb.__version__} "
                "(pip install quint_reports brings it)"
            )
        try:
            con.execute("load " + _literal(str(found[-1])))
        except duckdb.Error as exc:
            raise ConfigError(
                f"the {name} extension from {package} does not load into DuckDB {duckdb.__version__} ({exc}): "
                f"install {package}=={duckdb.__version__}"
            ) from None


def open_lake(lake: Lake, *, read_only: bool, alias: str = "lake") -> duckdb.DuckDBPyConnection:
    """An in-memory connection with ``lake`` attached as ``alias`` (and S3 credentials from the environment).

    Raises:
        ConfigError: an extension is missing.
        DatabaseError: the catalog cannot be reached or opened.
    """
    for attempt in range(1, INIT_ATTEMPTS + 1):
        con = duckdb.connect(":memory:")
        try:
            load_extensions(con, lake.extensions)
            if "httpfs" in lake.extensions:
                _s3_secret(con)
            options = ["read_only"] if read_only else []
            if lake.data and not read_only:
                options.append("data_path " + _literal(lake.data))
            sql = read_sql("lake/attach.sql").format(url=_literal(lake.url), options=_options(options))
            if alias != "lake":
                sql = sql.replace(" as lake ", f" as {alias} ")  # a fixed name of this module
            for statement in split_statements(sql):
                con.execute(statement)
        except duckdb.Error as exc:
            con.close()
            if attempt < INIT_ATTEMPTS and _lost_init_race(exc):
                time.sleep(0.2 * attempt)  # the other writer is creating the catalog: it exists once that commits
                continue
            raise DatabaseError(f"cannot open the lake {_where(lake)}: {_first_line(exc)}") from None
        except BaseException:
            con.close()
            raise
        return con
    raise AssertionError("unreachable: the last attempt returns or raises")


INIT_ATTEMPTS = 5
"""Attaches tried when two writers create a new lake's catalog at once (the loser's CREATE collides)."""


def _lost_init_race(exc: duckdb.Error) -> bool:
    """True for DuckLake's catalog creation colliding with another process creating it at the same moment."""
    text = str(exc)
    return "Failed to initialize DuckLake" in text and ("duplicate key" in text or "already exists" in text)


def connect_lake(lake: Lake) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the lake's newest snapshot, pinned: like ``connect()`` on a file.

    The views, macros and marts are the lake's own (built by the publish from ``sql/``), so
    every query of ``quint_reports`` runs unchanged; reconnect to see a newer publish.
    """
    con = open_lake(lake, read_only=True, alias="quint")
    try:
        snapshot = _latest_snapshot(con, "quint")
        con.execute("detach quint")
        statement = read_sql("lake/attach.sql").format(
            url=_literal(lake.url), options=_options(["read_only", f"snapshot_version {snapshot}"])
        )
        for sql in split_statements(statement.replace(" as lake ", " as quint ")):
            con.execute(sql)
        con.execute("use quint")
        schemas = [row[0] for row in con.execute(read_sql("landing/reader_schemas.sql")).fetchall()]
        if "raw" not in schemas:
            raise DatabaseError(f"the lake {_where(lake)} has nothing published yet: run sync --lake first")
        con.execute(f"set search_path = '{','.join('quint.' + name for name in schemas)}'")  # fixed names
    except duckdb.Error as exc:
        con.close()
        raise DatabaseError(f"cannot read the lake {_where(lake)}: {_first_line(exc)}") from None
    except BaseException:
        con.close()
        raise
    return con


@dataclass(frozen=True)
class LakePublish:
    """What one publish into the lake did."""

    snapshot: int
    inserted: int
    deleted: int
    seconds: float
    views_rebuilt: bool = True
    """False when no row changed and the layer files are those the lake's views were built from."""
    copied: bool = True
    """False when the file is the one the last publish copied (same inode, size and modification time):
    no table was compared."""
    phases: dict[str, float] = field(default_factory=dict)
    """Seconds of each part: ``open`` (catalog and data path), ``copy`` (every table compared with its copy,
    changed rows written), ``views``, ``commit``; or ``open`` and ``check`` when the lake already held the file and
    its views (nothing written)."""


def publish_lake(db: str | os.PathLike[str], lake: Lake) -> LakePublish:
    """Copy the published file ``db`` into ``lake`` as one snapshot: changed rows only, views rebuilt.

    No table is compared when ``db`` is the file the last publish copied (``_file_identity``: every publish of
    the file replaces it, and a write in place changes its modification time). The views are left as they are
    when no row changed and ``views.layer_signature()`` is the one recorded at their last build: rebuilt, they
    would be the same. When both hold, nothing is written and no snapshot is made.

    The caller holds the file's writer lock, so ``db`` does not change meanwhile.

    Raises:
        LockHeld: another writer published to the lake during this one (nothing of this run committed).
        DatabaseError: the lake cannot be written; the previous snapshot is intact.
    """
    from quint_reports.warehouse.views import layer_signature

    started = last = time.monotonic()
    phases: dict[str, float] = {}

    def lap(phase: str) -> None:
        nonlocal last
        now = time.monotonic()
        phases[phase], last = round(now - last, 3), now

    source = _file_identity(Path(db))
    signature = layer_signature()
    con = open_lake(lake, read_only=False)
    lap("open")
    try:
        con.execute("use lake")
        if _recorded(con, "source_file", create=False) == source and (
            _recorded(con, "views_signature", create=False) == signature
        ):
            # The lake holds this very file under these views: a publish would write nothing, so it makes no
            # snapshot either (no transaction, no writer row).
            inserted = deleted = 0
            copied = rebuilt = False
            lap("check")
        else:
            inserted, deleted, copied, rebuilt = _write(con, Path(db), source, signature, lap)
        snapshot = _latest_snapshot(con, "lake")
    except duckdb.Error as exc:
        _rollback(con)
        if isinstance(exc, duckdb.TransactionException) or "conflict" in str(exc).lower():
            raise LockHeld(
                f"another writer published to the lake {_where(lake)} while this run did; nothing of this run "
                "was committed (the lake holds the other run's snapshot): run again once it is done"
            ) from None
        raise DatabaseError(
            f"could not publish to the lake {_where(lake)} ({_first_line(exc)}); its previous snapshot is intact"
        ) from None
    finally:
        con.close()
    seconds = round(time.monotonic() - started, 3)
    result = LakePublish(snapshot, inserted, deleted, seconds, rebuilt, copied, phases)
    log.info(
        "lake %s: snapshot %d, %d rows inserted, %d deleted, views %s, in %.1fs",
        _where(lake),
        result.snapshot,
        inserted,
        deleted,
        "rebuilt" if rebuilt else "unchanged",
        result.seconds,
    )
    return result


def _write(
    con: duckdb.DuckDBPyConnection, db: Path, source: str, signature: str, lap: Callable[[str], None]
) -> tuple[int, int, bool, bool]:
    """The publish's transaction: the writer row, the rows that changed, the views when they would differ;
    ``(inserted, deleted, copied, views rebuilt)``. ``lap`` closes each phase."""
    inserted = deleted = 0
    con.execute("begin")
    for schema in SCHEMAS:
        con.execute(f"create schema if not exists {schema}")  # fixed names
    guard = split_statements(read_sql("lake/writer_guard.sql"))
    con.execute(guard[0])
    con.execute(guard[1])
    con.execute(guard[2], [socket.gethostname(), os.getpid(), datetime.now(timezone.utc)])
    copied = _recorded(con, "source_file") != source
    if copied:
        con.execute("attach " + _literal(str(db.absolute())) + " as src (read_only)")
        for schema, table, key, columns in con.execute(read_sql("lake/tables.sql")).fetchall():
            added, removed = _copy_table(con, f"{schema}.{table}", list(key), list(columns))
            inserted += added
            deleted += removed
        con.execute(read_sql("lake/record_source_file.sql"), [source])
    lap("copy")
    rebuilt = bool(inserted or deleted) or _recorded(con, "views_signature") != signature
    if rebuilt:
        from quint_reports.warehouse.views import apply_views

        apply_views(con, column_comments=False)
        con.execute(read_sql("lake/record_views_signature.sql"), [signature])
    lap("views")
    con.execute("commit")
    lap("commit")
    return inserted, deleted, copied, rebuilt


def _latest_snapshot(con: duckdb.DuckDBPyConnection, alias: str) -> int:
    """The newest snapshot of the lake attached as ``alias`` (0 before the first)."""
    row = con.execute(read_sql("lake/latest_snapshot.sql").replace("'quint'", f"'{alias}'")).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _recorded(con: duckdb.DuckDBPyConnection, lookup: str, *, create: bool = True) -> str | None:
    """What the lake records under ``sql/lake/<lookup>.sql`` (None if empty). Its table is created when missing,
    unless not ``create``: then nothing is written, and a missing table reads None."""
    create_table, select = split_statements(read_sql(f"lake/{lookup}.sql"))  # a name from this module
    if create:
        con.execute(create_table)
    try:
        row = con.execute(select).fetchone()
    except duckdb.CatalogException:  # never recorded (only when not ``create``)
        return None
    return None if row is None else row[0]


def _file_identity(db: Path) -> str:
    """Which file ``db`` is, as a publish leaves it: host, absolute path, device, inode, size, modification time."""
    st = db.stat()
    return f"{socket.gethostname()}:{db.absolute()}:{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}"


def sync_into_lake(lake: Lake | None, db: str | os.PathLike[str] | None = None, **options: Any) -> SyncResult:
    """``sync(db, **options)``, then, when ``lake`` is given, :func:`publish_lake` under the same file lock.

    A partial sync (exit 5) is published too, as the file is, before its error propagates.
    """
    from quint_reports.ingest.sync import sync
    from quint_reports.settings import resolve_db
    from quint_reports.warehouse.publish import db_lock

    if lake is None:
        return sync(db, **options)
    path = resolve_db(db)
    with db_lock(path):
        try:
            result = sync(path, **options)
        except PartialFailure:
            publish_lake(path, lake)
            raise
        publish_lake(path, lake)
    return result


def maintain_lake(lake: Lake, keep: str = "7 days") -> None:
    """Merge small files, expire snapshots older than ``keep`` and delete unreferenced files.

    Raises:
        ConfigError: ``keep`` is not ``<n> <unit>``.
        DatabaseError: a maintenance call failed.
    """
    number, _, unit = keep.partition(" ")
    if not number.isdigit() or unit.rstrip("s") not in ("minute", "hour", "day", "week"):
        raise ConfigError(f"--keep must be like '7 days' (minutes, hours, days, weeks), got {keep!r}")
    con = open_lake(lake, read_only=False)
    try:
        for statement in split_statements(read_sql("lake/maintain.sql").format(keep=_literal(keep))):
            con.execute(statement)
    except duckdb.Error as exc:
        raise DatabaseError(f"lake maintenance failed on {_where(lake)}: {_first_line(exc)}") from None
    finally:
        con.close()
    log.info("lake %s maintained: snapshots older than %s expired, files merged", _where(lake), keep)


def _copy_table(con: duckdb.DuckDBPyConnection, name: str, key: list[str], columns: list[str]) -> tuple[int, int]:
    """Make ``lake.<name>`` equal ``src.<name>``, writing only what differs; (inserted, deleted)."""
    src, dst = f"src.{name}", f"lake.{name}"  # names from the file's catalog, fixed by migrations
    lake_columns = [
        row[0]
        for row in con.execute(
            "select column_name from duckdb_columns() where database_name = 'lake' "
            "and schema_name || '.' || table_name = ? order by column_index",
            [name],
        ).fetchall()
    ]
    if lake_columns != columns:  # new, or its shape changed with a migration
        con.execute(f"drop table if exists {dst}")
        con.execute(f"create table {dst} as select * from {src}")
        count = con.execute(f"select count(*) from {dst}").fetchone()
        return (int(count[0]) if count else 0), 0
    same = " and ".join(f's."{c}" is not distinct from l."{c}"' for c in columns)
    if not key:  # no key to match rows by: replace the table when anything differs
        differs = con.execute(
            f"select exists (select * from {src} except all select * from {dst}) "
            f"or exists (select * from {dst} except all select * from {src})"
        ).fetchone()
        if not differs or not differs[0]:
            return 0, 0
        removed = _count(con.execute(f"delete from {dst}"))
        return _count(con.execute(f"insert into {dst} select * from {src}")), removed
    by_key = " and ".join(f's."{c}" = l."{c}"' for c in key)
    removed = _count(con.execute(f"delete from {dst} as l where not exists (select 1 from {src} as s where {same})"))
    added = _count(
        con.execute(
            f"insert into {dst} select * from {src} as s where not exists (select 1 from {dst} as l where {by_key})"
        )
    )
    return added, removed


def _count(con: duckdb.DuckDBPyConnection) -> int:
    row = con.fetchone()
    return int(row[0]) if row else 0


def _s3_secret(con: duckdb.DuckDBPyConnection) -> None:
    """An S3 secret from the environment; the keys go into DuckDB's secret manager only."""
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        return
    parts = [f"key_id {_literal(key)}", f"secret {_literal(secret)}"]
    parts.append(
        "region " + _literal(os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1")
    )
    endpoint = os.environ.get(S3_ENDPOINT_ENV)
    if endpoint:
        parts += [f"endpoint {_literal(endpoint)}", "url_style 'path'"]
    if os.environ.get(S3_USE_SSL_ENV, "").lower() in ("0", "false", "no"):
        parts.append("use_ssl false")
    try:
        con.execute("create or replace secret quint_lake_s3 (type s3, " + ", ".join(parts) + ")")
    except duckdb.Error:
        raise ConfigError("the S3 credentials from the environment were refused by DuckDB") from None


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """After a failed statement or commit the transaction is aborted: end it before anything else."""
    try:
        con.execute("rollback")
    except duckdb.Error:
        pass  # no transaction was open any more


def _where(lake: Lake) -> str:
    """The lake's catalog as a message shows it (its URL carries no secret: see resolve_lake)."""
    return lake.url


def _options(options: list[str]) -> str:
    return f"({', '.join(options)})" if options else ""


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
