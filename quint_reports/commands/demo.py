"""``quint-reports demo``: the nightly job against the built-in simulator."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    """Add the ``demo`` command."""
    parser = subparsers.add_parser(
        "demo",
        help="run the nightly job against a built-in simulated organisation",
        description="Start the simulator on a free loopback port, run sync, checks and report into FOLDER, "
        "and print sessions per model and platform, the check summary and the report's path.\n\n"
        "example: quint-reports demo --folder demo --sessions 1500",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--folder", default="demo", help="where the database and report go (default: demo)")
    parser.add_argument("--sessions", type=int, default=1500, help="size of the simulated organisation")
    parser.add_argument("--seed", type=int, default=1, help="simulator seed (default: 1)")
    parser.add_argument(
        "--end",
        metavar="TIME",
        default="now",
        help="where the simulated organisation's history ends: 'now' (the default, so that --days N "
        "and now() - interval ... find its data) or an ISO 8601 date or time; same seed and end, same data",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo and print its summary. Exits 0: planted findings are the point of the demo."""
    from quint_reports.jobs.demo import demo
    from quint_reports.timebounds import end_time

    result = demo(args.folder, sessions=args.sessions, seed=args.seed, end=end_time(args.end))
    print(result.text)
    return 0
