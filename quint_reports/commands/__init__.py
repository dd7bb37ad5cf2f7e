"""One module per CLI command; each exposes ``register(subparsers)``.

A command module adds its parser and sets ``func`` to a callable taking the
parsed arguments and returning an exit code. It only parses arguments and
calls the public function of the same name: the logic lives elsewhere.
"""

from __future__ import annotations

import argparse
import os

from quint_reports.settings import DEFAULT_MEMORY_LIMIT, MEMORY_LIMIT_ENV, TEMP_DIR_ENV, Resources

COMMANDS: tuple[str, ...] = (
    "simulate",
    "sync",
    "state",
    "check",
    "report",
    "nightly",
    "lake",
    "demo",
)
"""Command modules, in the order --help lists them."""


def add_resource_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--memory-limit`` and ``--temp-dir``; ``export_resources`` applies them."""
    group = parser.add_argument_group("DuckDB resources")
    group.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help=f"DuckDB memory limit per connection, e.g. 1GB (default: ${MEMORY_LIMIT_ENV}, else {DEFAULT_MEMORY_LIMIT})",
    )
    group.add_argument(
        "--temp-dir",
        metavar="DIR",
        help=f"where DuckDB spills what does not fit (default: ${TEMP_DIR_ENV}, else beside the database)",
    )


def export_resources(args: argparse.Namespace) -> None:
    """Check ``--memory-limit`` / ``--temp-dir`` and hand them to every connection this process opens.

    They go into the environment variables that :meth:`Resources.resolve` reads, so the
    writer's work file and every reader follow them without each call passing them on.

    Raises:
        ConfigError: the memory limit is not a size.
    """
    limit, folder = getattr(args, "memory_limit", None), getattr(args, "temp_dir", None)
    resources = Resources.resolve(limit, folder)
    if limit is not None:
        os.environ[MEMORY_LIMIT_ENV] = resources.memory_limit
    if folder is not None and resources.temp_dir is not None:
        os.environ[TEMP_DIR_ENV] = str(resources.temp_dir)
