"""``quint-reports lake maintain``: upkeep of the team's DuckLake."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``lake`` command with its ``maintain`` action."""
    parser = sub.add_parser(
        "lake",
        help="maintain the DuckLake that sync --lake publishes to",
        description=(
            "maintain: merge the small Parquet files that publishes leave, expire snapshots older than --keep "
            "(time travel reaches back that far) and delete the files no snapshot needs.\n\n"
            "example:\n  PGPASSWORD=... quint-reports lake maintain --lake 'ducklake:postgres:dbname=quint host=db'"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("action", choices=("maintain",))
    parser.add_argument("--lake", metavar="URL", help="the lake's catalog (default: $QUINT_LAKE)")
    parser.add_argument("--keep", default="7 days", help="snapshots younger than this stay (default: '7 days')")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Maintain the lake."""
    from quint_reports.exceptions import ConfigError
    from quint_reports.warehouse.lake import maintain_lake, resolve_lake

    lake = resolve_lake(args.lake)
    if lake is None:
        raise ConfigError("lake maintain needs --lake or QUINT_LAKE")
    maintain_lake(lake, args.keep)
    print(f"lake maintained: snapshots older than {args.keep} expired, small files merged")
    return 0
