"""The report's pages in headless Chromium: no errors, charts drawn, hostile strings inert."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Browser
from report_db import simulated_db
from test_report_pages import PAYLOAD as SESSION_PAYLOAD
from test_report_pages import make_data
from test_report_sessions import PAYLOAD as ID_PAYLOAD
from test_report_sessions import hostile_db

from quint_reports import analysis
from quint_reports.reporting.build import report, write_report
from quint_reports.reporting.pages import CRITICAL_ALLOWED
from quint_reports.warehouse.publish import connect

pytestmark = pytest.mark.slow

PAYLOAD = "<script>window.__pwned=1</script>"
FIGURES = {"index.html": 5, "model": 6, "platform": 6}
"""Plotly figures per page kind."""


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with Browser() as b:
        yield b


@pytest.fixture(scope="session")
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
    ticks = browser.evaluate(
        "Array.from(document.querySelectorAll('#fig-compare-models .ytick text')).map(t => t.textContent)"
    )
    assert PAYLOAD in ticks and "=1+1" in ticks and "../../models/evil" in ticks
    links = browser.evaluate("Array.from(document.querySelectorAll('nav[data-links=model] a')).map(a => a.textContent)")
    assert PAYLOAD in links
    hostile_page = next(p for p in (index.parent / "model").glob("script-*.html"))
    browser.load(hostile_page)
    assert browser.evaluate("document.querySelector('h1').textContent") == f"Model: {PAYLOAD}"
    assert browser.evaluate("document.querySelectorAll('img').length") == 0


@pytest.fixture(scope="session")
def hand_made(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A report from the hand-made frames, whose riskiest session is named with a script and an img payload.

    The simulator's hostile session names are not among its riskiest sessions, so the
    simulated report never shows them; this one puts a hostile name in every session table.
    """
    return write_report(make_data(), tmp_path_factory.mktemp("hand-made") / "report")


def test_hostile_session_names_are_inert_and_shown_literally(browser: Browser, hand_made: Path) -> None:
    root = hand_made.parent
    pages = [hand_made, *sorted((root / "model").glob("*.html")), *sorted((root / "platform").glob("*.html"))]
    cells = (
        "Array.from(document.querySelectorAll('table[data-table=sessions] td[data-col=session_name]'))"
        ".map(td => td.textContent)"
    )
    shown_on = 0
    for page in pages:
        loaded = browser.load(page)
        assert loaded.errors == [], (page.name, loaded.errors)
        assert browser.evaluate("typeof window.__pwned") == "undefined", page
        assert browser.evaluate("document.querySelectorAll('img').length") == 0, page
        names = browser.evaluate(cells)
        if SESSION_PAYLOAD in names:
            shown_on += 1
        # The tree chart draws the same name as text too.
        tree = browser.evaluate("document.querySelector('#fig-tree').textContent")
        assert (SESSION_PAYLOAD in names) == ("window.__pwned" in tree), page.name
    # Every page's riskiest sessions sit in the hostile root's tree, so every page shows its name.
    assert shown_on == len(pages) == 10


VISIBLE_CELLS = (
    "Array.from(document.querySelectorAll('table[data-table=risk_by_model] tbody tr'))"
    ".filter(r => r.offsetParent !== null).map(r => r.querySelector('td[data-col={col}]').textContent)"
)


def numbers(cells: list[str]) -> list[float]:
    return [float(c.rstrip("%")) for c in cells]


def test_group_tables_sort_by_a_click_and_fold_small_groups(browser: Browser, index: Path) -> None:
    browser.load(index)
    all_rows = browser.evaluate("document.querySelectorAll('table[data-table=risk_by_model] tbody tr').length")
    rates = numbers(browser.evaluate(VISIBLE_CELLS.replace("{col}", "high_critical_rate")))
    assert rates == sorted(rates, reverse=True) and len(rates) >= 3  # riskiest first
    assert 0 < len(rates) < all_rows  # the one-session hostile models are folded away
    heading = "document.querySelector('table[data-table=risk_by_model] th:nth-child(2)')"
    before = numbers(browser.evaluate(VISIBLE_CELLS.replace("{col}", "sessions")))
    browser.evaluate(f"{heading}.click()")
    sessions = numbers(browser.evaluate(VISIBLE_CELLS.replace("{col}", "sessions")))
    assert sessions == sorted(before, reverse=True)
    browser.evaluate(f"{heading}.click()")
    again = numbers(browser.evaluate(VISIBLE_CELLS.replace("{col}", "sessions")))
    assert again == sorted(again) and again != sessions
    browser.evaluate("document.querySelector('#models .show-small').click()")
    assert len(browser.evaluate(VISIBLE_CELLS.replace("{col}", "sessions"))) == all_rows
    assert browser.evaluate("typeof window.__pwned") == "undefined"


@pytest.fixture(scope="module")
def hostile_sessions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A report of an organisation with hostile session ids, names and arguments (see test_report_sessions)."""
    db = hostile_db(tmp_path_factory.mktemp("hostile-sessions-db"))
    return db, report(db, tmp_path_factory.mktemp("hostile-sessions") / "report")


def _link_to(browser: Browser, table: str, sid: str) -> str:
    """A CSS selector of the link of session ``sid`` in ``table`` (found by its text, as a reader would)."""
    href = browser.evaluate(
        f"Array.from(document.querySelectorAll('table[data-table={table}] td[data-col=session_id] a'))"
        f".find(a => a.textContent === {json.dumps(sid)}).getAttribute('href')"
    )
    return f"a[href={json.dumps(href)}]"


def test_a_session_link_opens_its_page(browser: Browser, index: Path) -> None:
    root = index.parent
    browser.load(index)
    sid = browser.evaluate("document.querySelector('table[data-table=sessions] td[data-col=session_id] a').textContent")
    loaded = browser.click(_link_to(browser, "sessions", sid))
    assert loaded.errors == [] and loaded.url.startswith(root.as_uri() + "/session/")
    assert all(u.startswith(root.as_uri() + "/") for u in loaded.requests), loaded.requests
    assert browser.evaluate("document.querySelector('[data-session-id]').textContent") == sid
    assert browser.evaluate("document.querySelectorAll('table[data-table=events] tbody tr').length") > 0
    back = browser.click("header a")
    assert back.url == index.resolve().as_uri()


def test_a_hostile_session_page_shows_its_arguments_as_text(
    browser: Browser, hostile_sessions: tuple[Path, Path]
) -> None:
    db, index = hostile_sessions
    root = index.parent
    con = connect(db)
    try:
        arguments = analysis.session_events(con, "A-1")["arguments"].tolist()
    finally:
        con.close()
    browser.load(index)
    loaded = browser.click(_link_to(browser, "check_findings", "A-1"))
    assert loaded.errors == [], loaded.errors
    # Offline: nothing but the page itself, from inside the report folder.
    assert loaded.requests and all(u.startswith(root.as_uri() + "/session/") for u in loaded.requests), loaded.requests
    assert browser.evaluate("typeof window.__pwned") == "undefined"
    assert browser.evaluate("document.querySelectorAll('img').length") == 0
    assert browser.evaluate("document.querySelectorAll('script').length") == 1  # the page's own sort script
    assert browser.evaluate("document.querySelector('[data-session-id]').textContent") == "A-1"
    assert browser.evaluate("document.querySelector('h1').textContent") == f"Session: {ID_PAYLOAD} #1"
    shown = browser.evaluate(
        "Array.from(document.querySelectorAll('table[data-table=events] td[data-col=arguments]')).map(td => td.textContent)"
    )
    assert shown == arguments and any(ID_PAYLOAD in a for a in shown)
    flagged = browser.evaluate(
        "Array.from(document.querySelectorAll('tr.critical-allowed td[data-col=flag]')).map(td => td.textContent)"
    )
    assert flagged == [CRITICAL_ALLOWED]
    # Up the tree: the parent link opens a-1's page, whose children list links back down.
    up = browser.click("[data-place=parent] a")
    assert up.errors == [] and browser.evaluate("document.querySelector('[data-session-id]').textContent") == "a-1"
    down = browser.click("[data-place=children] a")
    assert down.url == loaded.url
    for hostile in ("../../etc/passwd", '"><img src=x onerror=window.__pwned=1>'):
        browser.load(index)
        page = browser.click(_link_to(browser, "check_findings", hostile))
        assert page.errors == [] and browser.evaluate("typeof window.__pwned") == "undefined"
        assert browser.evaluate("document.querySelector('[data-session-id]').textContent") == hostile
        assert browser.evaluate("document.querySelectorAll('img').length") == 0
