"""Take the README's screenshot of a report page with the test browser.

Usage (``make screenshot`` runs it on the demo report):
    python tests/screenshot.py demo/report/index.html docs/report-screenshot.png
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser import Browser  # noqa: E402  (a sibling helper, not an installed module)


def main(page: str, target: str) -> int:
    """Load ``page`` in headless Chromium, fail on page errors, write a PNG of the top of it."""
    with Browser(width=1280, height=1400) as browser:
        load = browser.load(Path(page), settle=1.0)
        if load.errors:
            print("\n".join(load.errors), file=sys.stderr)
            return 1
        browser.screenshot(Path(target))
    print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:3]))
