"""Locates the ``sql/`` folder and reads its files.

``sql/`` sits at the top of the checkout, beside the package: an editable
install (``pip install -e .``) reads it there. A wheel ships it as data files
under ``<prefix>/share/quint_reports/sql/``, found through ``sys.prefix`` when
no checkout folder is beside the package. ``QUINT_SQL_DIR`` overrides both.
The path is resolved here, once, and never from the working directory.
"""

from __future__ import annotations

import os
import sys
from functools import cache
from pathlib import Path

from quint_reports.exceptions import ConfigError


@cache
def sql_dir() -> Path:
    """Return the folder holding the project's SQL files.

    Raises:
        ConfigError: neither ``QUINT_SQL_DIR``, the checkout nor the installed data holds it.
    """
    override = os.environ.get("QUINT_SQL_DIR")
    if override:
        candidates = [Path(override)]
    else:
        candidates = [
            Path(__file__).resolve().parents[2] / "sql",
            Path(sys.prefix) / "share" / "quint_reports" / "sql",
        ]
    for path in candidates:
        if path.is_dir():
            return path
    raise ConfigError(
        f"SQL folder not found (looked in {', '.join(str(p) for p in candidates)}): reinstall quint_reports, "
        "or set QUINT_SQL_DIR to the project's sql/ folder"
    )


def read_sql(relative: str) -> str:
    """Return the text of ``sql/<relative>``, e.g. ``read_sql("landing/schema.sql")``."""
    return (sql_dir() / relative).read_text(encoding="utf-8")


def split_statements(sql: str) -> list[str]:
    """Split a file of simple statements (no semicolons inside literals), dropping comment lines."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
