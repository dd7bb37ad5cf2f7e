"""Locates the ``sql/`` folder and reads its files.

``sql/`` sits beside the package in the checkout (the package is installed
editable), so its path is resolved here, once, and never from the working
directory. ``QUINT_SQL_DIR`` overrides it for an installed copy.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from quint_reports.exceptions import ConfigError


@cache
def sql_dir() -> Path:
    """Return the folder holding the project's SQL files."""
    override = os.environ.get("QUINT_SQL_DIR")
    path = Path(override) if override else Path(__file__).resolve().parent.parent / "sql"
    if not path.is_dir():
        raise ConfigError(
            f"SQL folder not found at {path}: run from a checkout installed with "
            "`pip install -e .`, or set QUINT_SQL_DIR to the project's sql/ folder"
        )
    return path


def read_sql(relative: str) -> str:
    """Return the text of ``sql/<relative>``, e.g. ``read_sql("landing/schema.sql")``."""
    return (sql_dir() / relative).read_text(encoding="utf-8")
