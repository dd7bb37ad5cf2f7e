"""The ``quint-reports`` command line: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from quint_reports.commands import COMMANDS, export_resources
from quint_reports.exceptions import EXIT_CODES, INTERNAL_ERROR, QuintError
from quint_reports.ingest.jsonbody import redact_text


class SafeParser(argparse.ArgumentParser):
    """An argument parser that never matches an abbreviation and never echoes a value in an error.

    ``--token qt_sk_...`` would otherwise be taken as ``--token-file`` (argparse expands prefixes),
    and argparse's own messages repeat the offending values, which may be secrets.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """Print usage and a message without argument values, then exit 2."""
        if message.startswith("unrecognized arguments:"):
            names = [word for word in message.split()[2:] if word.startswith("-")]
            message = "unrecognized arguments: " + (" ".join(n.split("=", 1)[0] for n in names) or "(values left out)")
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: error: {redact_text(message)}\n")


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every command registered."""
    codes = "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())
    parser = SafeParser(
        prog="quint-reports",
        description="Sync the Quint Security API into DuckDB, check it, and report risk per model and platform.",
        epilog=f"exit codes:\n{codes}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (never shows the token)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in COMMANDS:
        importlib.import_module(f"quint_reports.commands.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs full request lines at INFO; keep transport chatter out of logs.
    for noisy in ("httpx", "httpcore", "aiohttp"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        export_resources(args)
        return int(args.func(args))
    except QuintError as exc:
        print(f"quint-reports: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("quint-reports: interrupted", file=sys.stderr)
        return 130
    except Exception:  # noqa: BLE001 - a bug must not look like exit 1 ("findings")
        logging.getLogger("quint_reports").exception("internal error; please report it with this traceback")
        return INTERNAL_ERROR


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
