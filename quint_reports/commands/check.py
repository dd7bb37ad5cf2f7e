"""``quint-reports check``: print the cross-check findings of the published database."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from quint_reports.analysis.severity import FAIL_ON
from quint_reports.commands import add_resource_arguments


def register(sub: Any) -> None:
    """Add the ``check`` command to the CLI's subparsers."""
    parser = sub.add_parser(
        "check",
        help="print the cross-check findings (risk summaries, hierarchy, data defects)",
        description=(
            "Run every cross-check on the published database (opened read-only) and print the findings, "
            "each marked new (first seen by the latest sync) or open, then those the latest sync resolved. "
            "Exit 0 when no finding is at or above --fail-on, 1 otherwise; with --fail-on-new, only "
            "new findings count, so a scheduled job alerts once per defect.\n\n"
            "example: quint-reports check --db quint.duckdb --format json --fail-on error --fail-on-new"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", default=None, help="published database (default: $QUINT_DB or quint.duckdb)")
    parser.add_argument(
        "--format", choices=("table", "json"), default="table", help="table for people, json for machines"
    )
    parser.add_argument(
        "--fail-on",
        choices=tuple(FAIL_ON),
        default="error",
        help="lowest severity that makes the exit code 1 (default: error)",
    )
    parser.add_argument(
        "--fail-on-new",
        action="store_true",
        help="count only findings first seen by the latest sync (new) towards the exit code",
    )
    add_resource_arguments(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the findings and return the exit code."""
    # The rows, not DataFrames: pandas would cost this command more than its start-up budget.
    from quint_reports.analysis.checks import check_records, count_failing, resolved_records, to_json, to_table
    from quint_reports.warehouse.publish import connect

    con = connect(args.db)
    try:
        # One connection, one snapshot: the findings and the resolved ones come from the same sync.
        findings, gone = check_records(con), resolved_records(con)
    finally:
        con.close()
    text = to_json(findings, gone) if args.format == "json" else to_table(findings, gone=gone)
    sys.stdout.write(text + "\n")
    return 1 if count_failing(findings, args.fail_on, new_only=args.fail_on_new) else 0
