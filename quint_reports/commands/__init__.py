"""One module per CLI command; each exposes ``register(subparsers)``.

A command module adds its parser and sets ``func`` to a callable taking the
parsed arguments and returning an exit code. It only parses arguments and
calls the public function of the same name: the logic lives elsewhere.
"""

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
