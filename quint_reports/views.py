"""Applies the ``sql/`` view layers to a DuckDB database.

Layers run in a fixed order, and inside a layer files run by name::

    staging/       stg_*    one per raw_* table: parse, rename, cast (JSON-heavy ones are tables)
    intermediate/  int_*    joins, rollups, the hierarchy walk, the mart macros' building blocks
    marts/                  the stable names analysts query: sessions, events, risk_by_model ...
    checks/                 check_findings

Every file is ``create or replace``, so applying twice is the same as once.
"""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from quint_reports.sqlfiles import sql_dir

LAYERS: tuple[str, ...] = ("staging", "intermediate", "marts", "checks")
"""View layers, in the order they are applied."""

_CREATES = re.compile(
    r"create\s+or\s+replace\s+(view|table|macro)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE
)


def sql_files() -> list[Path]:
    """Return every view-layer file, in the order ``apply_views`` runs them."""
    root = sql_dir()
    return [path for layer in LAYERS for path in sorted((root / layer).glob("*.sql"))]


def created_objects(path: Path) -> list[tuple[str, str]]:
    """Return the ``(kind, name)`` pairs a SQL file creates, in order."""
    return [(kind.lower(), name.lower()) for kind, name in _CREATES.findall(path.read_text(encoding="utf-8"))]


def list_views() -> list[str]:
    """Return the names of the views (and tables) the ``sql/`` layers create, in apply order."""
    return [name for path in sql_files() for kind, name in created_objects(path) if kind != "macro"]


def apply_views(con: duckdb.DuckDBPyConnection) -> None:
    """Apply every ``sql/`` layer to ``con``; the raw_* tables must already exist.

    Args:
        con: a read-write connection to the database to build the views in.

    Raises:
        duckdb.Error: when a file fails; the message names the file.
    """
    for path in sql_files():
        try:
            con.execute(path.read_text(encoding="utf-8"))
        except duckdb.Error as exc:
            raise type(exc)(f"{path.parent.name}/{path.name}: {exc}") from exc
