"""``quint-reports simulate``: serve the stand-in Quint API in the foreground."""

from __future__ import annotations

import argparse
from typing import Any

from quint_reports.exceptions import ConfigError

EXAMPLE = "example: quint-reports simulate --port 8765 --seed 1 --sessions 2000 --latency-ms 20 --error-rate 0.05"


def register(subparsers: Any) -> None:
    """Add the ``simulate`` command."""
    p: argparse.ArgumentParser = subparsers.add_parser(
        "simulate",
        help="serve a deterministic simulator of the Quint API (for tests, demos, benchmarks)",
        description="Serve a deterministic simulator of the Quint read API on 127.0.0.1 until Ctrl-C. "
        "Prints the base URL and the bearer token to use. Same seed and size, same bytes.",
        epilog=EXAMPLE,
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="port to bind; 0 picks a free one (default: 8765)")
    p.add_argument("--seed", type=int, default=1, help="seed of all generated data and faults (default: 1)")
    p.add_argument("--sessions", type=int, default=2000, help="sessions to serve, about 50 events each (default: 2000)")
    p.add_argument(
        "--end",
        metavar="TIME",
        help="the simulated now, where the six weeks of history end: 'now' or an ISO 8601 date or time "
        "(default: 2026-05-01T00:00:00Z)",
    )
    data = p.add_mutually_exclusive_group()
    data.add_argument(
        "--defects",
        dest="defects",
        action="store_true",
        help="plant every kind of data defect a few times, plus hostile strings and extra fields",
    )
    data.add_argument("--clean", dest="defects", action="store_false", help="a clean organisation (the default)")
    p.add_argument(
        "--no-doc-examples",
        dest="doc_examples",
        action="store_false",
        help="leave out the API documentation's own example sessions (and their defects)",
    )
    p.add_argument(
        "--live",
        action="store_true",
        help="let the organisation change while it is read: running sessions gain events (some "
        "unscored at first), flip between active and idle and end; some ids take the edge form",
    )
    p.add_argument(
        "--open-share",
        type=float,
        metavar="SHARE",
        help="share of session trees still running at the simulated now, 0 to 1 (default: 0.14, 0.25 with --live)",
    )
    p.add_argument("--latency-ms", type=int, default=0, help="delay added to every request, ms (default: 0)")
    p.add_argument("--error-rate", type=float, default=0.0, help="share of attempts answered 500/502/503")
    p.add_argument("--rate-limit-rate", type=float, default=0.0, help="share of attempts answered 429")
    p.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds on a 429 (default: 1)")
    p.add_argument(
        "--cut-body-rate",
        type=float,
        default=0.0,
        help="share of attempts whose body stops half way, then the connection closes",
    )
    p.add_argument("--hang-rate", type=float, default=0.0, help="share of attempts that get no answer")
    p.add_argument("--hang-seconds", type=float, default=30.0, help="how long a hung request waits (default: 30)")
    p.add_argument(
        "--max-faults-per-path",
        type=int,
        default=2,
        help="only the first N attempts of one path and query can fault (default: 2)",
    )
    p.add_argument(
        "--page-size",
        type=int,
        default=None,
        help="paginate list endpoints with a 'next' link (default: off, as documented)",
    )
    p.add_argument("--manifest", metavar="PATH", help="write the manifest (what is served and planted) as JSON")
    p.add_argument(
        "--token-file",
        metavar="PATH",
        help="also write the accepted token to PATH (mode 0600), for 'sync --token-file'",
    )
    p.set_defaults(func=run, defects=False)


def run(args: argparse.Namespace) -> int:
    """Build the fault switches from the arguments and call ``simulate``."""
    from quint_reports.simulator.faults import Faults
    from quint_reports.simulator.run import simulate
    from quint_reports.timebounds import end_time

    try:
        faults = Faults(
            latency_ms=args.latency_ms,
            error_rate=args.error_rate,
            rate_limit_rate=args.rate_limit_rate,
            retry_after=args.retry_after,
            cut_body_rate=args.cut_body_rate,
            hang_rate=args.hang_rate,
            hang_seconds=args.hang_seconds,
            max_faults_per_path=args.max_faults_per_path,
        )
    except ValueError as exc:
        raise ConfigError(f"simulate: {exc}") from None
    if args.page_size is not None and args.page_size < 1:
        raise ConfigError("simulate: --page-size must be at least 1")
    if args.open_share is not None and not 0.0 <= args.open_share <= 1.0:
        raise ConfigError("simulate: --open-share must lie between 0 and 1")
    return simulate(
        seed=args.seed,
        sessions=args.sessions,
        defects=args.defects,
        faults=faults,
        page_size=args.page_size,
        host=args.host,
        port=args.port,
        doc_examples=args.doc_examples,
        live=args.live,
        open_share=args.open_share,
        end=end_time(args.end),
        manifest=args.manifest,
        token_file=args.token_file,
    )
