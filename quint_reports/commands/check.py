"""``quint-reports check``: print the cross-check findings of the published database."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from quint_reports.checks import FAIL_ON, check, count_failing, to_json, to_table


def register(sub: Any) -> None:
    """Add the ``check`` command to the CLI's subparsers."""
    parser = sub.add_parser(
        "check",
        help="print the cross-check findings (risk summaries, hierarchy, data defects)",
        description=(
            "Run every cross-check on the published database (opened read-only) and print the findings. "
            "Exit 0 when no finding is at or above --fail-on, 1 otherwise.\n\n"
            "example: quint-reports check --db quint.duckdb --format json --fail-on error"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", default=None, help="published database (default: $QUINT_DB or quint.duckdb)")
    parser.add_argument("--format", choices=("table", "json"), default="table", help="table for people, json for machines")
    parser.add_argument(
        "--fail-on", choices=tuple(FAIL_ON), default="error",
        help="lowest severity that makes the exit code 1 (default: error)",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the findings and return the exit code."""
    findings = check(args.db)
    sys.stdout.write((to_json(findings) if args.format == "json" else to_table(findings)) + "\n")
    return 1 if count_failing(findings, args.fail_on) else 0
