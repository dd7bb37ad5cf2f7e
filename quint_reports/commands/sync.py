"""``quint-reports sync``: pull the Quint API into the DuckDB file and publish a new snapshot."""

from __future__ import annotations

import argparse

from quint_reports.commands import add_resource_arguments
from quint_reports.exceptions import EXIT_CODES
from quint_reports.settings import DEFAULT_API_URL, DEFAULT_CONCURRENCY

DESCRIPTION = """\
Sync sessions, their hierarchy and events from the Quint API into a DuckDB file.

The token comes from QUINT_API_TOKEN or --token-file (never from the command
line). The run writes a private copy (<db>.work) under a lock (<db>.lock) and
publishes it with an atomic rename, so readers (quint_reports.connect(),
`duckdb -readonly <db>`) never block it and never see half a sync; they see the
new snapshot when they reconnect. Incremental by default: sessions started
since the last run (minus one day of overlap; those landed settled and listed
unchanged are not refetched) plus every session not yet settled.

example:
  QUINT_API_TOKEN=qt_sk_... quint-reports sync --db quint.duckdb
"""


def add_full_arguments(parser: argparse.ArgumentParser) -> None:
    """--full, --allow-shrink and --max-response-mb, shared with ``nightly``."""
    parser.add_argument(
        "--full", action="store_true", help="refetch everything and drop rows not seen (refused together with --since)"
    )
    parser.add_argument(
        "--allow-shrink",
        action="store_true",
        help="let --full prune even when the API lists fewer than half the sessions landed",
    )
    parser.add_argument(
        "--max-response-mb",
        type=int,
        metavar="MB",
        help="largest response body read; a larger one fails its session (default: 64)",
    )


def add_lake_arguments(parser: argparse.ArgumentParser) -> None:
    """--lake and --lake-data, shared with ``nightly``."""
    parser.add_argument(
        "--lake",
        metavar="URL",
        help="also publish into this DuckLake, one snapshot per run, e.g. 'ducklake:postgres:dbname=quint "
        "host=db user=quint' (default: $QUINT_LAKE; the password from PGPASSWORD or ~/.pgpass, never here)",
    )
    parser.add_argument(
        "--lake-data",
        metavar="PATH",
        help="the lake's data folder or s3://bucket/prefix, needed when the lake is new (default: $QUINT_LAKE_DATA)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``sync`` command."""
    codes = "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items() if code != 1)
    parser = sub.add_parser(
        "sync",
        help="sync the Quint API into the DuckDB file (incremental; --full rebuilds)",
        description=DESCRIPTION,
        epilog=f"exit codes:\n{codes}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", help="published database file (default: $QUINT_DB or quint.duckdb)")
    parser.add_argument("--api-url", help=f"API base URL (default: $QUINT_API_URL or {DEFAULT_API_URL})")
    parser.add_argument("--token-file", help="file holding the API token (default: $QUINT_API_TOKEN)")
    parser.add_argument("--since", help="only sessions started on or after this date or ISO datetime")
    add_full_arguments(parser)
    add_lake_arguments(parser)
    parser.add_argument("--concurrency", type=int, help=f"requests in flight at once (default: {DEFAULT_CONCURRENCY})")
    parser.add_argument("--batch-size", type=int, help="sessions per database write; bounds memory (default: 200)")
    bar = parser.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="force the progress bar")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="log lines instead of a bar")
    add_resource_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the sync and print its one-line summary."""
    from quint_reports.exceptions import PartialFailure
    from quint_reports.warehouse.lake import resolve_lake, sync_into_lake

    lake = resolve_lake(args.lake, args.lake_data)
    try:
        result = sync_into_lake(
            lake,
            args.db,
            api_url=args.api_url,
            token_file=args.token_file,
            since=args.since,
            full=args.full,
            concurrency=args.concurrency,
            batch_size=args.batch_size,
            progress=args.progress,
            allow_shrink=args.allow_shrink,
            max_response_mb=args.max_response_mb,
        )
    except PartialFailure as exc:
        print(exc.result.summary())  # type: ignore[attr-defined]
        raise
    print(result.summary())
    return 0
