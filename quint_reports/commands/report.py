"""``quint-reports report``: write the HTML risk report and the CSV/Parquet exports."""

from __future__ import annotations

import argparse
from typing import Any

from quint_reports.commands import add_resource_arguments


def add_window_arguments(parser: argparse.ArgumentParser) -> None:
    """The report window options, shared with ``nightly``."""
    window = parser.add_mutually_exclusive_group()
    window.add_argument("--days", type=int, metavar="N", help="only events of the last N days")
    window.add_argument("--since", metavar="DATE", help="only events at or after DATE (ISO 8601, UTC)")
    parser.add_argument("--until", metavar="DATE", help="only events before DATE (ISO 8601, UTC)")


def register(subparsers: Any) -> None:
    """Add the ``report`` command."""
    parser = subparsers.add_parser(
        "report",
        help="write the HTML risk report (index, one page per model and platform) and data exports",
        description="Write DIR/index.html (fleet overview), DIR/model/<slug>.html, DIR/platform/<slug>.html, "
        "DIR/data/*.csv|.parquet and DIR/assets/plotly.min.js. The folder works offline, from the file "
        "system; an earlier report in DIR is replaced only once the new one is complete.\n\n"
        "example: quint-reports report --db quint.duckdb --out report --days 30",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", help="published database (default: $QUINT_DB, else quint.duckdb)")
    parser.add_argument("--out", default="report", metavar="DIR", help="report folder (default: report)")
    add_window_arguments(parser)
    add_resource_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Write the report and print the path of its index page."""
    from quint_reports.reporting.build import report

    index = report(db=args.db, out=args.out, days=args.days, since=args.since, until=args.until)
    print(index)
    return 0
