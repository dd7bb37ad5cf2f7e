"""Numbered schema migrations: ``sql/migrations/<NNNN>_<name>.sql``, each applied once, in order.

The writer runs ``migrate()`` when it opens the work file, before anything
reads the landing tables; the versions applied are rows of
``internal._schema_migrations``. Each migration runs in its own transaction
and is recorded in it, so a failure leaves the work file as it was after the
previous one and nothing is published (exit 7, naming the file). A database
made before migrations were numbered has no versions table: migrations 1 and 2
are written with ``if not exists`` so that such a file starts at the beginning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache
from pathlib import Path

import duckdb

from quint_reports.exceptions import DatabaseError
from quint_reports.warehouse.sqlfiles import read_sql, sql_dir

VERSIONS_TABLE = "internal._schema_migrations"
"""One row per migration applied: ``version``, ``name``, ``applied_at``."""

_NAME = re.compile(r"(?P<version>[0-9]{4})_(?P<name>[a-z0-9_]+)\.sql")


@dataclass(frozen=True)
class Migration:
    """One file of ``sql/migrations/``."""

    version: int
    name: str
    path: Path


@cache
def migrations() -> tuple[Migration, ...]:
    """Every migration, by version.

    Raises:
        ValueError: a file is not named ``<NNNN>_<name>.sql``, or the versions are not 1, 2, 3 ...
    """
    found = []
    for path in sorted((sql_dir() / "migrations").glob("*.sql")):
        match = _NAME.fullmatch(path.name)
        if match is None:
            raise ValueError(f"migrations/{path.name}: must be named <NNNN>_<name>.sql")
        found.append(Migration(int(match["version"]), match["name"], path))
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise ValueError(f"migrations/: versions must run 1, 2, 3 ... without gaps, got {[m.version for m in found]}")
    return tuple(found)


def applied_versions(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The versions recorded in ``internal._schema_migrations`` (empty when it does not exist)."""
    try:
        return [row[0] for row in con.execute(read_sql("landing/schema_versions.sql")).fetchall()]
    except duckdb.CatalogException:
        return []


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration ``con``'s database lacks; return the versions applied now.

    Raises:
        DatabaseError: a migration failed (the message names its file), or the database was
            written by a newer release than this one.
    """
    con.execute(read_sql("landing/schema_migrations.sql"))
    done = set(applied_versions(con))
    known = migrations()
    if done and max(done) > len(known):
        raise DatabaseError(
            f"the database is at schema version {max(done)}, and this release knows only {len(known)}: "
            "upgrade quint_reports to read it"
        )
    ran = []
    for migration in known:
        if migration.version in done:
            continue
        con.begin()
        try:
            con.execute(migration.path.read_text(encoding="utf-8"))
            con.execute(
                read_sql("landing/record_migration.sql"),
                {"version": migration.version, "name": migration.name, "applied_at": datetime.now(timezone.utc)},
            )
            con.commit()
        except duckdb.Error as exc:
            con.rollback()
            raise DatabaseError(
                f"schema migration migrations/{migration.path.name} failed ({exc}); nothing was published, "
                "the previous snapshot is intact"
            ) from None
        ran.append(migration.version)
    return ran
