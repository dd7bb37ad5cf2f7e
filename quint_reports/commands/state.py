"""``quint-reports state show|reset``: the sync's watermark and run history."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``state`` command with its ``show`` and ``reset`` actions."""
    parser = sub.add_parser(
        "state",
        help="show or reset the sync's watermark and run history",
        description=(
            "show: the watermark (latest session start seen), sessions still open, and the last runs.\n"
            "reset: forget the watermark, so that the next sync lists every session again (rows stay).\n\n"
            "example:\n  quint-reports state show --db quint.duckdb"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=("show", "reset"))
    parser.add_argument("--db", help="published database file (default: $QUINT_DB or quint.duckdb)")
    parser.add_argument("--runs", type=int, default=10, help="how many recent runs to show (default: 10)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the state, or reset it."""
    from quint_reports.warehouse.state import state_reset, state_show

    if args.action == "reset":
        state_reset(args.db)
        print(f"watermark forgotten in {args.db or 'quint.duckdb'}: the next sync lists every session")
        return 0
    state = state_show(args.db, runs=args.runs)
    print(f"database:      {state['db']}")
    print(f"watermark:     {state['watermark'] or '(none: the next sync lists every session)'}")
    print(f"open sessions: {state['open_sessions']} (refetched by every incremental sync)")
    for row in state["runs"]:
        print(
            f"{row['started_at']:%Y-%m-%d %H:%M:%S} {row['mode']:<11} {row['status']:<8} "
            f"new {row['sessions_new']} updated {row['sessions_updated']} unchanged {row['sessions_unchanged']} "
            f"events {row['events']} quarantined {row['quarantined']} requests {row['requests']} "
            f"retries {row['retries']} {row['seconds']} s"
        )
    return 0
