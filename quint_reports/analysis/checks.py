"""Runs the cross-checks (the ``check_findings`` view) and formats their findings.

``check()`` returns one row per finding (``FINDING_COLUMNS``); an empty frame
means every check passed. Each check is one file ``sql/checks/<id>.sql`` whose
header gives its id, severity and rule; the ids here come from those files.
``status`` is ``new`` for a finding the latest sync saw first, else ``open``;
``resolved()`` lists those the latest sync no longer saw.
"""

from __future__ import annotations

import json
import os
from typing import Any

import duckdb
import pandas as pd

from quint_reports.analysis.severity import FAIL_ON
from quint_reports.warehouse.query import run_query
from quint_reports.warehouse.views import checks

FINDING_COLUMNS: tuple[str, ...] = (
    "check",
    "severity",
    "session_id",
    "item",
    "detail",
    "expected",
    "actual",
    "status",
    "first_seen_run",
    "first_seen_at",
)
"""The columns of a findings frame, in order (``check_findings``)."""

CHECK_IDS: tuple[str, ...] = tuple(c.id for c in checks())
"""Every check id ``check_findings`` can report, one per file of ``sql/checks/`` (stable: scripts and
the simulator's manifest use them)."""

SEVERITY: dict[str, str] = {c.id: c.severity for c in checks()}
"""Check id -> its severity, as its file declares it."""


def check(con_or_db: duckdb.DuckDBPyConnection | str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Return every finding of the cross-checks as a DataFrame (empty when all pass).

    Args:
        con_or_db: an open connection, or the path of a published database (opened
            read-only and closed again); None means ``QUINT_DB`` or ``quint.duckdb``.

    Returns:
        One row per finding, columns ``FINDING_COLUMNS``, ordered by check and session.

    Raises:
        DatabaseError: the database cannot be opened.

    Example:
        >>> findings = check("quint.duckdb")
        >>> summarize(findings)
        {'data.invalid_id': 1, 'risk_summary.avg_risk_mismatch': 1, ...}
    """
    return _query(con_or_db, "findings")


def summarize(findings: pd.DataFrame) -> dict[str, int]:
    """Count findings per check id, sorted by id."""
    if findings.empty:
        return {}
    counts = findings["check"].value_counts()
    return {str(check_id): int(counts[check_id]) for check_id in sorted(counts.index)}


def count_failing(findings: pd.DataFrame, fail_on: str, *, new_only: bool = False) -> int:
    """Return how many findings have a severity at or above ``fail_on`` (error, warning, never).

    Args:
        findings: the frame ``check()`` returned.
        fail_on: the lowest failing severity.
        new_only: count only findings whose ``status`` is ``new`` (first seen by the latest sync),
            so that a scheduled job alerts once per defect rather than every night.

    Raises:
        ValueError: ``fail_on`` is not one of ``FAIL_ON``.
    """
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, got {fail_on!r}")
    if findings.empty:
        return 0
    failing = findings["severity"].isin(FAIL_ON[fail_on])
    if new_only:
        failing &= findings["status"] == "new"
    return int(failing.sum())


def resolved(con_or_db: duckdb.DuckDBPyConnection | str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Return the findings the latest sync no longer saw (``finding_history`` with status ``resolved``)."""
    return _query(con_or_db, "resolved_findings")


def _query(con_or_db: duckdb.DuckDBPyConnection | str | os.PathLike[str] | None, name: str) -> pd.DataFrame:
    """Run a query on an open connection, or on a published database opened read-only for it."""
    if isinstance(con_or_db, duckdb.DuckDBPyConnection):
        return run_query(con_or_db, name)
    from quint_reports.warehouse.publish import connect

    con = connect(con_or_db)
    try:
        return run_query(con, name)
    finally:
        con.close()


def _rows(frame: pd.DataFrame, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    return [{c: (None if pd.isna(row[c]) else str(row[c])) for c in columns} for _, row in frame.iterrows()]


def to_json(findings: pd.DataFrame, gone: pd.DataFrame | None = None) -> str:
    """Render ``{"summary": {check id: count}, "new": n, "findings": [...], "resolved": [...]}``.

    Args:
        findings: the frame ``check()`` returned.
        gone: the frame ``resolved()`` returned (omitted: an empty list).
    """
    new = int((findings["status"] == "new").sum()) if len(findings) else 0
    resolved_rows = [] if gone is None else _rows(gone, tuple(gone.columns))
    return json.dumps(
        {
            "summary": summarize(findings),
            "new": new,
            "findings": _rows(findings, FINDING_COLUMNS),
            "resolved": resolved_rows,
        },
        indent=2,
    )


def _one_line(frame: pd.DataFrame, columns: list[str], width: int) -> str:
    shown = frame.loc[:, columns].fillna("").astype(str)
    shown["detail"] = shown["detail"].map(lambda text: text if len(text) <= width else text[: width - 1] + "…")
    # Agent-supplied text can hold control characters; keep each finding on one line.
    shown = shown.apply(lambda column: column.str.replace(r"[\x00-\x1f\x7f]", "?", regex=True))
    return str(shown.to_string(index=False))


def to_table(findings: pd.DataFrame, width: int = 60, gone: pd.DataFrame | None = None) -> str:
    """Render findings as a plain-text table for people, with a per-check summary first.

    Args:
        findings: the frame ``check()`` returned.
        width: the widest a ``detail`` cell may be before it is shortened.
        gone: the frame ``resolved()`` returned, listed after the findings.
    """
    lines: list[str] = []
    if findings.empty:
        lines.append("no findings: every check passed")
    else:
        summary = summarize(findings)
        severity = findings.groupby("check")["severity"].first()
        new = findings[findings["status"] == "new"].groupby("check").size()
        lines.append(f"{len(findings)} findings, {int(new.sum())} new since the previous sync")
        lines += [
            f"  {count:>6}  {severity[check_id]:<7}  {check_id}"
            + (f"  ({int(new[check_id])} new)" if check_id in new.index else "")
            for check_id, count in summary.items()
        ]
        lines.append("")
        lines.append(_one_line(findings, ["status", "check", "severity", "session_id", "detail"], width))
    if gone is not None and len(gone):
        lines += [
            "",
            f"{len(gone)} resolved since the previous sync",
            _one_line(gone, ["check", "severity", "session_id", "detail"], width),
        ]
    return "\n".join(lines)
