"""Take the README's screenshots of a report with the test browser: the index, a model page, a session page.

Usage (``make screenshot`` runs it on the demo report):
    python tests/screenshot.py demo/report docs

writes ``docs/report-screenshot.png`` (the fleet overview), ``docs/report-model.png`` (the page of
the first model the index links) and ``docs/report-session.png`` (the page of the riskiest session).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import Browser  # noqa: E402  (a sibling helper, not an installed module)

SHOTS = (
    ("report-screenshot.png", None),
    ("report-model.png", "nav[data-links=model] a"),
    ("report-session.png", "table[data-table=sessions] td[data-col=session_id] a"),
)
"""Each picture, and the link of the index that opens its page (None: the index itself)."""


def main(report: str, target: str) -> int:
    """Open each page in headless Chromium, fail on page errors, write a PNG of the top of it."""
    index = Path(report) / "index.html"
    with Browser(width=1280, height=1400) as browser:
        for name, link in SHOTS:
            load = browser.load(index, settle=1.0)
            if link is not None:
                load = browser.click(link, settle=1.0)
            if load.errors:
                print(load.url, *load.errors, sep="\n", file=sys.stderr)
                return 1
            browser.screenshot(Path(target) / name)
            print(Path(target) / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
