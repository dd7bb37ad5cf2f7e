"""Runs the cross-checks (the ``check_findings`` view) and formats their findings.

``check()`` returns one row per finding with the columns ``check, severity,
session_id, detail, expected, actual``; an empty frame means every check
passed. The check ids and their rules are documented in
``sql/checks/check_findings.sql``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import duckdb
import pandas as pd

from quint_reports._query import run_query

FINDING_COLUMNS: tuple[str, ...] = ("check", "severity", "session_id", "detail", "expected", "actual")
"""The columns of a findings frame, in order."""

CHECK_IDS: tuple[str, ...] = (
    "risk_summary.total_events_mismatch",
    "risk_summary.max_risk_mismatch",
    "risk_summary.avg_risk_mismatch",
    "risk_summary.missing",
    "hierarchy.orphan",
    "hierarchy.cycle",
    "hierarchy.self_parent",
    "hierarchy.children_mismatch",
    "hierarchy.child_outside_parent_window",
    "data.invalid_id",
    "data.risk_score_invalid",
    "data.duplicate_event",
    "data.ended_before_started",
    "data.missing_field",
)
"""Every check id ``check_findings`` can report (stable: scripts and the simulator's manifest use them)."""

FAIL_ON: dict[str, tuple[str, ...]] = {
    "error": ("error",),
    "warning": ("error", "warning"),
    "never": (),
}
"""``--fail-on`` value -> the severities that count as failing."""


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
    if isinstance(con_or_db, duckdb.DuckDBPyConnection):
        return run_query(con_or_db, "findings")
    from quint_reports.publish import connect

    con = connect(con_or_db)
    try:
        return run_query(con, "findings")
    finally:
        con.close()


def summarize(findings: pd.DataFrame) -> dict[str, int]:
    """Count findings per check id, sorted by id."""
    if findings.empty:
        return {}
    counts = findings["check"].value_counts()
    return {str(check_id): int(counts[check_id]) for check_id in sorted(counts.index)}


def count_failing(findings: pd.DataFrame, fail_on: str) -> int:
    """Return how many findings have a severity at or above ``fail_on`` (error, warning, never).

    Raises:
        ValueError: ``fail_on`` is not one of ``FAIL_ON``.
    """
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, got {fail_on!r}")
    if findings.empty:
        return 0
    return int(findings["severity"].isin(FAIL_ON[fail_on]).sum())


def to_json(findings: pd.DataFrame) -> str:
    """Render findings as ``{"summary": {check id: count}, "findings": [...]}``."""
    rows: list[dict[str, Any]] = [
        {column: (None if pd.isna(row[column]) else str(row[column])) for column in FINDING_COLUMNS}
        for _, row in findings.iterrows()
    ]
    return json.dumps({"summary": summarize(findings), "findings": rows}, indent=2)


def to_table(findings: pd.DataFrame, width: int = 60) -> str:
    """Render findings as a plain-text table for people, with a per-check summary first.

    Args:
        findings: the frame ``check()`` returned.
        width: the widest a ``detail`` cell may be before it is shortened.
    """
    if findings.empty:
        return "no findings: every check passed"
    summary = summarize(findings)
    severity = findings.groupby("check")["severity"].first()
    lines = [f"{len(findings)} findings"]
    lines += [f"  {count:>6}  {severity[check_id]:<7}  {check_id}" for check_id, count in summary.items()]
    lines.append("")
    shown = findings.loc[:, ["check", "severity", "session_id", "detail"]].fillna("").astype(str)
    shown["detail"] = shown["detail"].map(lambda text: text if len(text) <= width else text[: width - 1] + "…")
    # Agent-supplied text can hold control characters; keep each finding on one line.
    shown = shown.apply(lambda column: column.str.replace(r"[\x00-\x1f\x7f]", "?", regex=True))
    lines.append(shown.to_string(index=False))
    return "\n".join(lines)
