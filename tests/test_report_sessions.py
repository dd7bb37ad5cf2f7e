"""Session pages: one per session the report mentions, linked from every session id, hostile ids slugged.

A small simulated organisation gains sessions whose ids, names and arguments are hostile (served
by the simulator as overrides, synced into DuckDB like any other): ``a-1`` and ``A-1`` (one slug
apart on a case-insensitive file system), ``../../etc/passwd`` and an id with markup in it.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import httpx
import pandas as pd
import pytest
from test_report import Page

from quint_reports import analysis
from quint_reports.ingest.sync import sync
from quint_reports.reporting.build import PAGES, page_links, report, write_report
from quint_reports.reporting.gather import MAX_SESSION_PAGES, gather, page_sessions, session_details
from quint_reports.reporting.pages import CRITICAL_ALLOWED
from quint_reports.simulator import Simulator
from quint_reports.simulator.vocab import HOSTILE_ARGUMENTS
from quint_reports.timebounds import Window
from quint_reports.warehouse.publish import connect

PAYLOAD = "<script>window.__pwned=1</script>"
HOSTILE_IDS = ("a-1", "A-1", "../../etc/passwd", '"><img src=x onerror=window.__pwned=1>')
"""Session ids as an agent could send them; ``A-1`` is the child of ``a-1``."""


def _get(sim: Simulator, path: str) -> Any:
    return httpx.get(sim.base_url + path, headers={"Authorization": f"Bearer {sim.token}"}).json()


def _serve(sim: Simulator, template: str, sid: str, body: object) -> None:
    """Answer ``template`` for ``sid`` with ``body``, however the client escapes ``=`` in the path."""
    for safe in ("", "="):
        sim.override(template.format(quote(sid, safe=safe)), json.dumps(body).encode())


def hostile_org(sim: Simulator) -> None:
    """Add the hostile sessions to ``sim``'s listing, with details, children and events of their own."""
    listing = _get(sim, "/v1/sessions")
    base = next(s for s in listing["sessions"] if s.get("parent_id") is None)
    detail = _get(sim, f"/v1/sessions/{base['id']}")
    events = _get(sim, f"/v1/sessions/{base['id']}/events")["events"][:6]
    records = []
    for i, sid in enumerate(HOSTILE_IDS):
        parent = "a-1" if sid == "A-1" else None
        record = {**base, "id": sid, "parent_id": parent, "session_name": f"{PAYLOAD} #{i}"}
        records.append(record)
        children = [{**base, "id": "A-1", "parent_id": sid, "session_name": f"{PAYLOAD} #1"}] if sid == "a-1" else []
        own = [
            {
                **e,
                "id": f"{e['id'][:-12]}{i:04d}{j:08d}",
                "session_id": sid,
                "arguments": list(HOSTILE_ARGUMENTS[j % len(HOSTILE_ARGUMENTS)]),
                "risk_score": 95 if j == 0 else 10,
                "decision": "allow",
            }
            for j, e in enumerate(events)
        ]
        summary = {"total_events": len(own), "max_risk": 95, "avg_risk": 40}  # avg off: a finding
        for path, body in (
            ("/v1/sessions/{}", {**detail, **record, "children": children, "risk_summary": summary}),
            ("/v1/sessions/{}/events", {"events": own}),
            ("/v1/sessions/{}/children", {"children": children}),
        ):
            _serve(sim, path, sid, body)
    sim.override("/v1/sessions", json.dumps({**listing, "sessions": listing["sessions"] + records}).encode())


def hostile_db(root: Path) -> Path:
    """A small organisation with the hostile sessions, synced into ``root/quint.duckdb``."""
    root.mkdir(parents=True, exist_ok=True)
    token = root / "token"
    with Simulator(seed=5, sessions=20) as sim:
        hostile_org(sim)
        token.write_text(sim.token)
        token.chmod(0o600)
        try:
            sync(root / "quint.duckdb", api_url=sim.base_url, token_file=token, progress=False)
        finally:
            token.unlink()
    return root / "quint.duckdb"


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return hostile_db(tmp_path_factory.mktemp("hostile-sessions"))


@pytest.fixture(scope="module")
def index(db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return report(db, tmp_path_factory.mktemp("session-pages") / "report")


def pages_of(index: Path) -> list[Path]:
    root = index.parent
    return [index, *sorted((root / "model").glob("*.html")), *sorted((root / "platform").glob("*.html"))]


def session_page(index: Path, sid: str) -> Path:
    for path in (index.parent / "session").glob("*.html"):
        if Page(path.read_text()).h1 and f"data-session-id>{_html(sid)}</code>" in path.read_text():
            return path
    raise AssertionError(f"no page for {sid!r}")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;")


def test_the_hostile_sessions_landed(db: Path) -> None:
    con = connect(db)
    try:
        known = set(con.execute("select session_id from sessions").fetchnumpy()["session_id"])
    finally:
        con.close()
    assert set(HOSTILE_IDS) <= known


def test_every_session_link_opens_the_page_of_that_session(index: Path) -> None:
    root = index.parent
    linked: set[Path] = set()
    for page in pages_of(index):
        hrefs = [h for h in Page(page.read_text()).links if "session/" in h]
        for href in hrefs:
            target = (page.parent / unquote(href)).resolve()
            assert target.is_file() and target.is_relative_to((root / "session").resolve()), (page, href)
            linked.add(target)
    written = {p.resolve() for p in (root / "session").glob("*.html")}
    assert linked == written and len(written) >= len(HOSTILE_IDS)
    # The findings table links the hostile sessions (each has data.invalid_id): its cell text is the id.
    text = index.read_text()
    for sid in HOSTILE_IDS:
        path = session_page(index, sid)
        assert f'href="session/{path.name}">{_html(sid)}</a>' in text, sid


def test_hostile_ids_get_distinct_safe_file_names(index: Path) -> None:
    names = {sid: session_page(index, sid).name for sid in HOSTILE_IDS}
    assert len({n.lower() for n in names.values()}) == len(HOSTILE_IDS)
    assert names["a-1"] == "a-1.html" and names["A-1"] != names["a-1"]
    for name in names.values():
        assert "/" not in name and not name.startswith(".") and "<" not in name and '"' not in name
    every = [p for p in index.parent.parent.rglob("*") if p.is_file()]
    assert all(p.is_relative_to(index.parent) for p in every), "nothing is written outside the report"


def test_session_page_shows_tree_events_summary_and_findings(db: Path, index: Path) -> None:
    con = connect(db)
    try:
        events = analysis.session_events(con, "A-1")
        risk = analysis.session_risk(con, "A-1").iloc[0]
        findings = analysis.findings(con)
    finally:
        con.close()
    child, parent = session_page(index, "A-1"), session_page(index, "a-1")
    text = child.read_text()
    page = Page(text)
    assert page.h1 == f"Session: {PAYLOAD} #1"
    # Place in the tree: up to a-1, and a-1's page links back down.
    assert f'href="../session/{parent.name}" data-session="a-1"' in text
    assert f'href="../session/{child.name}" data-session="A-1"' in parent.read_text()
    # Events, arguments as escaped text exactly as the events view holds them.
    rows = page.tables["events"]
    assert [r["arguments"] for r in rows] == events["arguments"].tolist()
    assert [int(r["risk_score"]) for r in rows] == events["risk_score"].tolist()
    assert [r["decision"] for r in rows] == events["decision"].tolist()
    assert [r["risk_level"] for r in rows] == events["risk_level"].tolist()
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in text and "<script>window" not in text
    assert "<img" not in text
    # Critical and allowed: a CSS class and a text marker, on exactly those rows.
    flagged = [r["flag"] == CRITICAL_ALLOWED for r in rows]
    assert flagged == ((events["risk_level"] == "Critical") & (events["decision"] == "allow")).tolist()
    assert sum(flagged) == 1 and text.count('<tr class="critical-allowed">') == 1
    # The reported summary beside the recomputed one.
    summary = {r["figure"]: r for r in page.tables["risk_summary"]}
    assert summary["total events"]["reported"] == str(int(risk["reported_total_events"])) == str(len(events))
    assert summary["avg risk"]["reported"] == "40" and float(summary["avg risk"]["own"]) == pytest.approx(
        risk["own_mean_risk"], abs=0.01
    )
    assert summary["avg risk"]["agrees"] == "no" and summary["total events"]["agrees"] == "yes"
    # Its findings, every one of them.
    shown = sorted(r["check"] for r in page.tables["session_findings"])
    assert shown == sorted(findings.loc[findings["session_id"] == "A-1", "check"]) and "data.invalid_id" in shown


def test_group_pages_link_sessions_one_folder_up(index: Path) -> None:
    group = [p for p in pages_of(index) if p != index]
    hrefs = [h for p in group for h in Page(p.read_text()).links if "session/" in h]
    assert hrefs and all(h.startswith("../session/") for h in hrefs)


def test_pages_and_events_are_capped_and_say_so(db: Path, tmp_path: Path) -> None:
    con = connect(db)
    try:
        data = gather(con, Window(), datetime(2026, 5, 1, tzinfo=timezone.utc))
        ids = page_sessions(data.sessions, data.top, data.findings)
        assert 0 < len(ids) <= MAX_SESSION_PAGES
        assert page_sessions(data.sessions, data.top, data.findings, cap=3) == ids[:3]
        data.session_details = session_details(con, ids, data.findings, limit=2)
    finally:
        con.close()
    total = data.session_details["A-1"].event_count
    assert total > 2 and len(data.session_details["A-1"].events) == 2
    index = write_report(data, tmp_path / "report")
    page = session_page(index, "A-1").read_text()
    assert len(Page(page).tables["events"]) == 2
    assert f"<strong data-events-omitted>{total - 2}</strong> later events not listed" in page
    # An id without a page stays text: drop one page and its link goes too.
    links = page_links(data)["session"]
    assert set(links) == set(data.session_details)
    gone = next(iter(data.session_details))
    del data.session_details[gone]
    again = write_report(data, tmp_path / "report").read_text()
    assert f"session/{Path(links[gone]).name}" not in again
    assert pd.Series(list(links)).is_unique


def _session_pages(root: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((root / "session").glob("*.html"))}


def test_a_kept_session_page_is_the_page_a_render_gives(
    db: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A report over an earlier one keeps the body of each session page whose inputs did not change and
    renders only the provenance around it: every page byte for byte the page of a report built afresh."""
    con = connect(db)
    try:
        data = gather(con, Window(), datetime(2026, 5, 1, tzinfo=timezone.utc))
    finally:
        con.close()
    out = tmp_path / "report"
    write_report(data, out)
    # A later build of another snapshot: its provenance differs on every page, its sessions do not.
    later = replace(data, built_at=datetime(2026, 5, 2, tzinfo=timezone.utc), snapshot='sync run "b" & <c>')
    with caplog.at_level(logging.INFO, logger="quint_reports.reporting.build"):
        write_report(later, out)
    pages = len(data.session_details)
    assert f"session pages: {pages} kept from the earlier report, 0 rendered" in caplog.text
    kept = _session_pages(out)
    assert len(kept) == pages and all(b"sync run &#34;b&#34; &amp; &lt;c&gt;" in page for page in kept.values())
    assert kept == _session_pages(write_report(later, tmp_path / "fresh").parent)

    # A page whose file changed since, and a session whose events changed, are rendered again.
    tampered, changed = sorted((out / "session").glob("*.html"))[:2]
    tampered.write_bytes(tampered.read_bytes().replace(b"<main>\n", b"<main>\n<p>edited</p>"))
    sid = next(s for s, d in data.session_details.items() if f"/{changed.name}" in page_links(data)["session"][s])
    detail = data.session_details[sid]
    data.session_details[sid] = replace(detail, events=detail.events.iloc[1:], event_count=detail.event_count + 1)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="quint_reports.reporting.build"):
        write_report(data, out)
    assert f"session pages: {pages - 2} kept from the earlier report, 2 rendered" in caplog.text
    assert _session_pages(out) == _session_pages(write_report(data, tmp_path / "fresh-2").parent)
    # A record that is not the report's own (unreadable, or naming a file outside the folder) keeps nothing.
    recorded = json.loads((out / PAGES).read_text())["pages"]
    shutil.copytree(out, tmp_path / "copy")  # the same files, beside the report
    outside = {key: {**entry, "href": f"../copy/{entry['href']}"} for key, entry in recorded.items()}
    for record in ("{not json", json.dumps({"pages": outside})):
        (out / PAGES).write_text(record)
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="quint_reports.reporting.build"):
            write_report(data, out)
        assert f"session pages: 0 kept from the earlier report, {pages} rendered" in caplog.text
