"""``quint-reports nightly``: sync, check and report in one cron-friendly run."""

from __future__ import annotations

import argparse
from typing import Any

from quint_reports.commands import add_resource_arguments
from quint_reports.commands.report import add_window_arguments
from quint_reports.commands.sync import add_full_arguments, add_lake_arguments


def register(subparsers: Any) -> None:
    """Add the ``nightly`` command."""
    parser = subparsers.add_parser(
        "nightly",
        help="sync, run the checks and write the report, under one lock, logging to a file",
        description="Sync (incremental unless --full), run the checks and write the report, holding the "
        "database's writer lock so runs never overlap. The report is written even when checks find "
        "something. Exit 0: clean; 1: findings at or above --fail-on (with --fail-on-new: new ones only); 5: partial sync, reported anyway; "
        "2-7: failed (see quint-reports --help); 70: internal error (traceback in the log).\n\n"
        "example (crontab): 15 2 * * * cd /srv/quint && .venv/bin/quint-reports nightly --token-file token "
        "--db quint.duckdb --out report --days 30",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", help="published database (default: $QUINT_DB, else quint.duckdb)")
    parser.add_argument("--out", default="report", metavar="DIR", help="report folder (default: report)")
    add_window_arguments(parser)
    parser.add_argument(
        "--fail-on",
        choices=["error", "warning", "never"],
        default="error",
        help="exit 1 when findings of this severity or worse exist (default: error)",
    )
    parser.add_argument(
        "--fail-on-new",
        action="store_true",
        help="count only findings this run's sync saw for the first time (one alert per defect)",
    )
    parser.add_argument("--log-file", metavar="PATH", help="log file, appended to (default: <db>.nightly.log)")
    parser.add_argument("--api-url", help="API base URL (default: $QUINT_API_URL, else https://api.quintai.dev)")
    parser.add_argument("--token-file", metavar="PATH", help="file holding the API token (default: $QUINT_API_TOKEN)")
    add_full_arguments(parser)
    add_resource_arguments(parser)
    add_lake_arguments(parser)
    parser.add_argument(
        "--lake-maintain",
        action="store_true",
        help="after the report, expire the lake's snapshots older than 7 days and merge its small files",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the nightly job, print the report path, return its exit code."""
    import sys

    from quint_reports.exceptions import INTERNAL_ERROR, QuintError
    from quint_reports.jobs.nightly import nightly

    try:
        result = nightly(
            db=args.db,
            out=args.out,
            days=args.days,
            since=args.since,
            until=args.until,
            fail_on=args.fail_on,
            fail_on_new=args.fail_on_new,
            log_file=args.log_file,
            api_url=args.api_url,
            token_file=args.token_file,
            full=args.full,
            allow_shrink=args.allow_shrink,
            max_response_mb=args.max_response_mb,
            lake=args.lake,
            lake_data=args.lake_data,
            lake_maintain=args.lake_maintain,
        )
    except QuintError:
        raise
    except Exception as exc:  # a bug, not an outcome: never let cron read it as 1 ("findings")
        print(f"quint-reports: internal error ({type(exc).__name__}); the traceback is in the log", file=sys.stderr)
        return INTERNAL_ERROR
    print(result.index)
    return result.exit_code
