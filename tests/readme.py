"""The README's fenced examples, by section: what the example tests run."""

from __future__ import annotations

import re
from pathlib import Path

TEXT = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
TEAM_SETUP = "## Team setup"
"""The lake's section: its examples need a PostgreSQL server, so tests/test_lake.py runs them."""


def sections() -> list[tuple[str, str]]:
    """(heading, text) of every ``## `` section, in order (the text before the first one under "")."""
    parts = re.split(r"^(## .*)$", TEXT, flags=re.MULTILINE)
    return [("", parts[0]), *zip(parts[1::2], parts[2::2], strict=True)]


def blocks(*, team_setup: bool) -> list[tuple[str, str]]:
    """(language, text) of every fenced block, in order: of the Team setup section, or of all the others."""
    found = []
    for heading, text in sections():
        if heading.startswith(TEAM_SETUP) == team_setup:
            found += re.findall(r"^```(\w+)\n(.*?)^```", text, re.MULTILINE | re.DOTALL)
    return found
