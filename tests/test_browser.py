"""The report's pages in headless Chromium: no errors, charts drawn, hostile strings inert."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Browser
from report_db import simulated_db

from quint_reports.report import report

pytestmark = pytest.mark.slow

PAYLOAD = "<script>window.__pwned=1</script>"
FIGURES = {"index.html": 5, "model": 6, "platform": 6}
"""Plotly figures per page kind."""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser() as b:
        yield b


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = simulated_db(tmp_path_factory.getbasetemp())
    return report(db, tmp_path_factory.mktemp("browser") / "report")


def test_the_checks_can_fail(browser: Browser, tmp_path: Path) -> None:
    """Controls: a page that does run a planted script, and one that logs an error, are caught."""
    bad = tmp_path / "bad.html"
    bad.write_text(f"<!doctype html><title>t</title>{PAYLOAD}<script>console.error('boom')</script>")
    loaded = browser.load(bad, settle=0.1)
    assert browser.evaluate("window.__pwned") == 1
    assert any("boom" in e for e in loaded.errors)


def test_every_page_loads_clean_draws_its_charts_and_runs_nothing_planted(browser: Browser, index: Path) -> None:
    root = index.parent
    pages = [index, *sorted((root / "model").glob("*.html")), *sorted((root / "platform").glob("*.html"))]
    assert len(pages) > 10
    for page in pages:
        loaded = browser.load(page)
        assert loaded.errors == [], (page.name, loaded.errors)
        # Offline: the page and plotly.js, from inside the report folder, nothing else.
        assert all(u.startswith(root.as_uri() + "/") for u in loaded.requests), loaded.requests
        assert browser.evaluate("typeof window.__pwned") == "undefined", page
        svgs = browser.evaluate(
            "Array.from(document.querySelectorAll('.plotly-graph-div')).map(d => d.querySelectorAll('svg.main-svg').length)"
        )
        expected = FIGURES["index.html" if page == index else page.parent.name]
        assert len(svgs) == expected and all(n > 0 for n in svgs), (page.name, svgs)
        assert browser.evaluate("document.querySelectorAll('script:not([src])').length") == expected + 1


def test_hostile_names_show_as_text(browser: Browser, index: Path) -> None:
    browser.load(index)
    ticks = browser.evaluate("Array.from(document.querySelectorAll('#fig-compare-models .ytick text')).map(t => t.textContent)")
    assert PAYLOAD in ticks and "=1+1" in ticks and "../../models/evil" in ticks
    links = browser.evaluate("Array.from(document.querySelectorAll('nav[data-links=model] a')).map(a => a.textContent)")
    assert PAYLOAD in links
    hostile_page = next(p for p in (index.parent / "model").glob("script-*.html"))
    browser.load(hostile_page)
    assert browser.evaluate("document.querySelector('h1').textContent") == f"Model: {PAYLOAD}"
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
