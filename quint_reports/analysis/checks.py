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
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Union

import duckdb

from quint_reports.analysis.severity import FAIL_ON
from quint_reports.warehouse.sqlfiles import read_sql
from quint_reports.warehouse.views import checks

if TYPE_CHECKING:
    import pandas as pd

# pandas is imported only where a DataFrame is asked for: `quint-reports check` works on plain
# rows, and importing pandas alone costs it more than its whole 0.5 s start-up budget.
Findings = Union["pd.DataFrame", Sequence[Mapping[str, Any]]]
"""What the helpers accept: the frame ``check()`` returns, or the rows ``check_records()`` returns."""
Target = Union[duckdb.DuckDBPyConnection, str, "os.PathLike[str]", None]

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


def check(con_or_db: Target = None) -> pd.DataFrame:
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
    return _query(con_or_db, "findings", frame=True)


def check_records(con_or_db: Target = None) -> list[dict[str, Any]]:
    """The rows of ``check()`` as plain dicts (missing values None), without loading pandas."""
    return _query(con_or_db, "findings", frame=False)


def resolved(con_or_db: Target = None) -> pd.DataFrame:
    """Return the findings the latest sync no longer saw (``finding_history`` with status ``resolved``)."""
    return _query(con_or_db, "resolved_findings", frame=True)


def resolved_records(con_or_db: Target = None) -> list[dict[str, Any]]:
    """The rows of ``resolved()`` as plain dicts, without loading pandas."""
    return _query(con_or_db, "resolved_findings", frame=False)


def summarize(findings: Findings) -> dict[str, int]:
    """Count findings per check id, sorted by id."""
    counts: dict[str, int] = {}
    for row in _records(findings):
        counts[str(row["check"])] = counts.get(str(row["check"]), 0) + 1
    return dict(sorted(counts.items()))


def count_failing(findings: Findings, fail_on: str, *, new_only: bool = False) -> int:
    """Return how many findings have a severity at or above ``fail_on`` (error, warning, never).

    Args:
        findings: the frame ``check()`` returned, or the rows ``check_records()`` did.
        fail_on: the lowest failing severity.
        new_only: count only findings whose ``status`` is ``new`` (first seen by the latest sync),
            so that a scheduled job alerts once per defect rather than every night.

    Raises:
        ValueError: ``fail_on`` is not one of ``FAIL_ON``.
    """
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, got {fail_on!r}")
    return sum(
        1
        for row in _records(findings)
        if row["severity"] in FAIL_ON[fail_on] and (not new_only or row["status"] == "new")
    )


def _query(con_or_db: Target, name: str, *, frame: bool) -> Any:
    """Run a query on an open connection, or on a published database opened read-only for it."""
    if isinstance(con_or_db, duckdb.DuckDBPyConnection):
        return _run(con_or_db, name, frame)
    from quint_reports.warehouse.publish import connect

    con = connect(con_or_db)
    try:
        return _run(con, name, frame)
    finally:
        con.close()


def _run(con: duckdb.DuckDBPyConnection, name: str, frame: bool) -> Any:
    if frame:
        from quint_reports.warehouse.query import run_query

        return run_query(con, name)
    result = con.execute(read_sql(f"queries/{name}.sql"))
    columns = [d[0] for d in result.description or ()]
    return [dict(zip(columns, row, strict=True)) for row in result.fetchall()]


def _records(findings: Findings) -> list[dict[str, Any]]:
    """Plain rows with None for a missing value, from a frame or from rows."""
    if not isinstance(findings, Sequence):  # a DataFrame: pandas is loaded already
        frame = findings.astype(object)
        return list(frame.where(frame.notna(), None).to_dict("records"))
    return [dict(row) for row in findings]


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def to_json(findings: Findings, gone: Findings | None = None) -> str:
    """Render ``{"summary": {check id: count}, "new": n, "findings": [...], "resolved": [...]}``.

    Args:
        findings: the frame ``check()`` returned, or the rows ``check_records()`` did.
        gone: what ``resolved()`` or ``resolved_records()`` returned (omitted: an empty list).
    """
    rows = _records(findings)
    gone_rows = [] if gone is None else _records(gone)
    return json.dumps(
        {
            "summary": summarize(rows),
            "new": sum(1 for row in rows if row["status"] == "new"),
            "findings": [{c: _text(row[c]) for c in FINDING_COLUMNS} for row in rows],
            "resolved": [{c: _text(v) for c, v in row.items()} for row in gone_rows],
        },
        indent=2,
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _one_line(rows: list[dict[str, Any]], columns: list[str], width: int) -> str:
    """A plain-text table: a header, then one line per row, columns padded to their widest cell."""

    def cell(row: dict[str, Any], column: str) -> str:
        text = "" if row[column] is None else str(row[column])
        if column == "detail" and len(text) > width:
            text = text[: width - 1] + "…"
        # Agent-supplied text can hold control characters; keep each finding on one line.
        return _CONTROL.sub("?", text)

    table = [columns, *([cell(row, c) for c in columns] for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(columns))]
    return "\n".join("  ".join(text.ljust(w) for text, w in zip(line, widths, strict=True)).rstrip() for line in table)


def to_table(findings: Findings, width: int = 60, gone: Findings | None = None) -> str:
    """Render findings as a plain-text table for people, with a per-check summary first.

    Args:
        findings: the frame ``check()`` returned, or the rows ``check_records()`` did.
        width: the widest a ``detail`` cell may be before it is shortened.
        gone: what ``resolved()`` or ``resolved_records()`` returned, listed after the findings.
    """
    rows = _records(findings)
    gone_rows = [] if gone is None else _records(gone)
    lines: list[str] = []
    if not rows:
        lines.append("no findings: every check passed")
    else:
        severity = {str(row["check"]): str(row["severity"]) for row in rows}
        new = summarize([row for row in rows if row["status"] == "new"])
        lines.append(f"{len(rows)} findings, {sum(new.values())} new since the previous sync")
        lines += [
            f"  {count:>6}  {severity[check_id]:<7}  {check_id}"
            + (f"  ({new[check_id]} new)" if check_id in new else "")
            for check_id, count in summarize(rows).items()
        ]
        lines.append("")
        lines.append(_one_line(rows, ["status", "check", "severity", "session_id", "detail"], width))
    if gone_rows:
        lines += [
            "",
            f"{len(gone_rows)} resolved since the previous sync",
            _one_line(gone_rows, ["check", "severity", "session_id", "detail"], width),
        ]
    return "\n".join(lines)
