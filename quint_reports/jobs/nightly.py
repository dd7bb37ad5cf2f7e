"""The cron job: sync, checks and report in one run, under one lock, with a log file.

Outcomes and exit codes (``quint-reports nightly``):

- 0: everything ran and no finding is at or above ``fail_on``;
- 1: everything ran, the report was written, but findings are at or above ``fail_on``;
- 2-7: a failure, with the code of its :mod:`quint_reports.exceptions` class
  (6 when another sync or nightly run holds the lock). A partial sync (5)
  still checks and reports what landed, then exits 5.

The lock is the sync's own writer lock (``<db>.lock``, re-entrant in this
process), so a nightly run and a hand-started sync never overlap, and the
checks and the report read the snapshot this run published.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from quint_reports.analysis.checks import FAIL_ON, count_failing
from quint_reports.exceptions import ConfigError, PartialFailure, QuintError
from quint_reports.timebounds import Window

if TYPE_CHECKING:
    from quint_reports.warehouse.lake import Lake

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class NightlyResult:
    """What one nightly run did."""

    exit_code: int
    """0 clean, 1 findings at or above ``fail_on``, 5 partial sync (reported anyway)."""
    index: Path
    findings: int
    failing_findings: int
    log_file: Path
    seconds: float


def default_log_file(db: Path) -> Path:
    """``<db>.nightly.log`` beside the database."""
    return db.with_name(db.name + ".nightly.log")


def nightly(
    db: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] = "report",
    *,
    days: int | None = None,
    since: datetime | date | str | None = None,
    until: datetime | date | str | None = None,
    fail_on: str = "error",
    fail_on_new: bool = False,
    log_file: str | os.PathLike[str] | None = None,
    api_url: str | None = None,
    token_file: str | os.PathLike[str] | None = None,
    full: bool = False,
    allow_shrink: bool = False,
    max_response_mb: int | None = None,
    lake: str | None = None,
    lake_data: str | os.PathLike[str] | None = None,
    lake_maintain: bool = False,
) -> NightlyResult:
    """Sync, check and report under the database's writer lock, logging to a file.

    Args:
        db: The published database (default ``$QUINT_DB``, else ``quint.duckdb``).
        out: The report folder.
        days: Report window: the last N days (excludes ``since``/``until``).
        since: Report window lower bound.
        until: Report window upper bound.
        fail_on: ``error``, ``warning`` or ``never``: findings of that severity
            or worse make the exit code 1.
        fail_on_new: Only findings the sync saw for the first time (status ``new``) count for
            ``fail_on``, so that the job alerts once per defect rather than every night.
        log_file: Appended to; default ``<db>.nightly.log``.
        api_url: The API (default ``$QUINT_API_URL``, else the real API).
        token_file: File with the API token (default ``$QUINT_API_TOKEN``).
        full: Re-sync everything instead of an incremental run.
        allow_shrink: Let ``full`` prune even when the listing shrank (see ``sync``).
        max_response_mb: Largest response body read, in MiB (default 64).
        lake: Also publish into this DuckLake (default ``$QUINT_LAKE``), one snapshot per run.
        lake_data: The lake's data folder or ``s3://bucket/prefix`` (default ``$QUINT_LAKE_DATA``).
        lake_maintain: After the report, expire the lake's old snapshots and merge its small files.

    Returns:
        The outcome; ``exit_code`` is 0, 1 or 5.

    Raises:
        QuintError: A failure; its ``exit_code`` tells which (see module doc).
            It is logged to the log file before it propagates.

    Example:
        >>> nightly("quint.duckdb", "report", days=30).exit_code  # doctest: +SKIP
        0
    """
    from quint_reports.timebounds import resolve_window
    from quint_reports.warehouse.lake import maintain_lake, resolve_lake
    from quint_reports.warehouse.publish import db_lock, resolve_db

    if fail_on not in FAIL_ON:
        raise ConfigError(f"--fail-on must be one of {', '.join(FAIL_ON)}, got {fail_on!r}")
    window = resolve_window(days, since, until)  # bad options fail before any work
    target = resolve_lake(lake, lake_data)
    if lake_maintain and target is None:
        raise ConfigError("--lake-maintain needs --lake (or QUINT_LAKE)")
    path = resolve_db(db)
    log_path = Path(log_file) if log_file else default_log_file(path)
    handler = _file_handler(log_path)
    package_logger = logging.getLogger("quint_reports")
    package_logger.addHandler(handler)
    previous_level = package_logger.level
    if package_logger.getEffectiveLevel() > logging.INFO:
        package_logger.setLevel(logging.INFO)
    started = time.monotonic()
    try:
        log.info(
            "nightly run starting: db=%s out=%s fail_on=%s%s", path, out, fail_on, " (new only)" if fail_on_new else ""
        )
        with db_lock(path):
            partial = _sync(
                path,
                api_url,
                token_file,
                lake=target,
                full=full,
                allow_shrink=allow_shrink,
                max_response_mb=max_response_mb,
            )
            index, findings, failing = _check_and_report(path, Path(out), window, fail_on, fail_on_new)
            if lake_maintain and target is not None:
                maintain_lake(target)
        code = PartialFailure.exit_code if partial else (1 if failing else 0)
        seconds = time.monotonic() - started
        log.info(
            "nightly run done in %.1fs: exit %d, %d findings (%d at or above %s), report %s",
            seconds,
            code,
            findings,
            failing,
            fail_on,
            index,
        )
        return NightlyResult(code, index, findings, failing, log_path, seconds)
    except QuintError as exc:
        log.error("nightly run failed (exit %d): %s", exc.exit_code, exc)
        raise
    except Exception:
        log.exception("nightly run failed with an unexpected error")
        raise
    finally:
        package_logger.removeHandler(handler)
        package_logger.setLevel(previous_level)
        handler.close()


def _file_handler(path: Path) -> logging.Handler:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot open the log file {path}: {exc.strerror}") from None
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.setLevel(logging.INFO)
    return handler


def _sync(
    db: Path, api_url: str | None, token_file: str | os.PathLike[str] | None, lake: Lake | None, **options: Any
) -> bool:
    """Run the sync (and the lake's publish); return True when it ended in a partial failure (data landed, some did not)."""
    from quint_reports.warehouse.lake import sync_into_lake

    try:
        result = sync_into_lake(lake, db, api_url=api_url, token_file=token_file, **options)
    except PartialFailure as exc:
        log.info("%s", exc.result.summary())  # type: ignore[attr-defined]
        log.warning("sync finished partially; checking and reporting what landed: %s", exc)
        return True
    log.info("%s", result.summary())
    return False


def _check_and_report(db: Path, out: Path, window: Window, fail_on: str, new_only: bool) -> tuple[Path, int, int]:
    from quint_reports.reporting.build import write_report
    from quint_reports.reporting.gather import gather
    from quint_reports.warehouse.publish import connect

    con = connect(db)
    try:
        # One connection, one snapshot: the findings counted here are the ones the report shows.
        data = gather(con, window, built_at=datetime.now(timezone.utc))
    finally:
        con.close()
    findings = data.findings
    failing = count_failing(findings, fail_on, new_only=new_only)
    for check_id, count in findings["check"].value_counts().sort_index().items() if len(findings) else []:
        log.info("finding %s: %d", check_id, count)
    index = write_report(data, out)
    return index, len(findings), failing
