"""Sync against the simulator over loopback into real DuckDB files: truth, incremental, faults, errors."""

from __future__ import annotations

import json
import logging
import re
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from quint_reports import connect, sync
from quint_reports.exceptions import ApiUnreachable, AuthError, PartialFailure
from quint_reports.ingest.client import ApiClient, RequestFailed
from quint_reports.ingest.store import Store
from quint_reports.settings import Settings, Token
from quint_reports.simulator import Faults, Simulator
from quint_reports.warehouse.state import state_reset, state_show

SimFactory = Callable[..., Simulator]


def settings_for(sim: Simulator, db: Path, **overrides: Any) -> Settings:
    """Settings for a test run: fast backoff, so that retries cost little wall time."""
    values: dict[str, Any] = {"backoff_base": 0.02, "backoff_max": 0.2, "batch_size": 40}
    values.update(overrides)
    return Settings(api_url=sim.base_url, token=Token(sim.token), db=db, **values)


def landed(db: Path) -> dict[str, Any]:
    """The published landing tables, shaped like ``Simulator.truth()``."""
    with connect(db) as con:
        detail = con.execute(
            "select session_id, http_status, body from raw.raw_session_bodies where kind = 'detail'"
        ).fetchall()
        events = con.execute(
            "select session_id, body from raw.raw_session_bodies where kind = 'events' and http_status = 200"
        ).fetchall()
        children = con.execute(
            "select session_id, body from raw.raw_session_bodies where kind = 'children' and http_status = 200"
        ).fetchall()
    return {
        "sessions": {sid: json.loads(body) for sid, status, body in detail if status == 200},
        "missing": sorted(sid for sid, status, _ in detail if status == 404),
        "events": {sid: json.loads(body)["events"] for sid, body in events},
        "children": {sid: json.loads(body)["children"] for sid, body in children},
    }


def assert_truth(db: Path, sim: Simulator) -> None:
    """The published database holds exactly what the simulator serves, table by table."""
    truth, got = sim.truth(), landed(db)
    assert set(got["sessions"]) == set(truth["sessions"])
    assert got["sessions"] == truth["sessions"]
    assert got["missing"] == sorted(truth["missing"])
    assert set(got["events"]) == set(truth["events"])
    assert got["events"] == truth["events"]
    # /children is fetched where the hierarchy says there are children; those must all be there and exact.
    expected_children = {sid: kids for sid, kids in truth["children"].items() if kids}
    assert set(expected_children) <= set(got["children"])
    assert {sid: truth["children"][sid] for sid in got["children"]} == got["children"]


def test_full_sync_equals_truth_with_defects(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=3, sessions=150, defects=True)
    db = tmp_path / "quint.duckdb"
    result = sync(settings=settings_for(sim, db))
    assert_truth(db, sim)
    truth = sim.truth()
    assert result.status == "success" and result.mode == "full"  # a first sync fetches everything
    assert result.sessions_new == result.sessions == len(truth["sessions"]) + len(truth["missing"])
    assert result.events == sum(len(v) for v in truth["events"].values())
    stats = sim.stats()["by_endpoint"]
    assert result.requests == sim.stats()["requests"]
    assert stats["sessions.detail"] == result.sessions and stats["sessions.events"] == len(truth["sessions"])
    assert result.requests_per_session == pytest.approx(result.requests / result.sessions)
    with connect(db) as con:
        reasons = dict(con.execute("select reason, count(*) from raw.raw_quarantine group by 1").fetchall())
        runs = con.execute("select status, sessions_new, requests from internal._sync_runs").fetchall()
    # the documentation's child id has a 'g'
    assert reasons.get("id is neither a UUID nor {rootPID}-{startUnixMs}", 0) >= 1
    assert result.quarantined == sum(reasons.values())
    assert runs == [("success", result.sessions_new, result.requests)]


RECORD_CHECKS = {
    "data.invalid_id",
    "data.risk_score_invalid",
    "data.risk_score_unscored",
    "data.missing_field",
    "data.ended_before_started",
    "risk_summary.missing",
}
"""The planted defects a single record shows; the others (hierarchy, summaries, duplicates) need several."""


def quarantine_findings(db: Path) -> set[tuple[str, str, str | None, str | None]]:
    """Quarantine rows as (check id, session id, event id, missing field), to compare with the manifest."""
    with connect(db) as con:
        rows = con.execute("select endpoint, record_key, reason from raw.raw_quarantine").fetchall()
    found = set()
    for endpoint, key, reason in rows:
        session_id, event_id = key, None
        if endpoint.endswith("/events"):
            session_id, event_id = key.split("/", 1)
        elif "/" in key:  # a child record inside a parent's detail or /children: it is about the child
            session_id = key.split("/", 1)[1]
        field = reason.split(" ")[0]
        if reason in ("id is not a valid UUID", "id is neither a UUID nor {rootPID}-{startUnixMs}"):
            found.add(("data.invalid_id", session_id, event_id, None))
        elif reason == "risk_score is null":
            found.add(("data.risk_score_unscored", session_id, event_id, None))
        elif field == "risk_score":
            found.add(("data.risk_score_invalid", session_id, event_id, None))
        elif reason == "ended_at is before started_at":
            found.add(("data.ended_before_started", session_id, event_id, None))
        elif reason in ("risk_summary missing", "risk_summary is null"):
            found.add(("risk_summary.missing", session_id, event_id, None))
        elif reason in (f"{field} missing", f"{field} is null"):
            found.add(("data.missing_field", session_id, event_id, field))
        else:
            found.add((f"unexpected reason: {reason}", session_id, event_id, None))
    return found


def test_quarantine_lists_exactly_the_planted_record_defects(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=3, sessions=150, defects=True)
    db = tmp_path / "quint.duckdb"
    result = sync(settings=settings_for(sim, db))
    planted = {
        (d["check"], d["session_id"], d.get("event_id"), d.get("field") if d["check"] == "data.missing_field" else None)
        for d in sim.manifest["defects"]
        if d["check"] in RECORD_CHECKS
    }
    assert {p[0] for p in planted} == RECORD_CHECKS  # every kind is planted, so each mapping is exercised
    assert quarantine_findings(db) == planted
    with connect(db) as con:
        quarantined = con.execute("select count(*) from quarantine").fetchone()[0]
    assert quarantined == result.quarantined > 0
    assert_truth(db, sim)  # the quarantined records are landed as served, too


def test_a_clean_organisation_quarantines_nothing(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=14, sessions=150, doc_examples=False)
    db = tmp_path / "quint.duckdb"
    result = sync(settings=settings_for(sim, db))
    assert sim.manifest["defects"] == []
    with connect(db) as con:
        assert con.execute("select count(*) from raw.raw_quarantine").fetchone()[0] == 0
    assert result.quarantined == 0 and result.events > 1000


def test_views_are_applied_into_the_published_snapshot(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=3, sessions=80, defects=True)
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    truth = sim.truth()
    with connect(db) as con:
        sessions = [r[0] for r in con.execute("select session_id from sessions").fetchall()]
        event_ids = {r[0] for r in con.execute("select event_id from events where event_id is not null").fetchall()}
    assert sorted(sessions) == sorted(truth["sessions"])
    served = {
        e["id"] for v in truth["events"].values() for e in v if isinstance(e, dict) and isinstance(e.get("id"), str)
    }
    assert event_ids == served


def test_paginated_list_is_followed(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=4, sessions=120, page_size=25)
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    assert sim.stats()["by_endpoint"]["sessions.list"] > 4
    assert_truth(db, sim)


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _child_ids(records: Any) -> set[str]:
    return (
        {c["id"] for c in records if isinstance(c, dict) and isinstance(c.get("id"), str)}
        if isinstance(records, list)
        else set()
    )


def details_landed_by(db: Path, run_id: str) -> set[str]:
    """The sessions whose detail the run ``run_id`` landed (fetched, or refetched)."""
    with connect(db) as con:
        rows = con.execute(
            "select session_id from raw.raw_session_bodies where kind = 'detail' and run_id = ?", [run_id]
        ).fetchall()
    return {r[0] for r in rows}


def expected_incremental(before: dict[str, Any], after: dict[str, Any], listed: set[str]) -> dict[str, set[str]]:
    """What a second run must fetch, from the simulator's truth before and after the changes.

    Args:
        before: ``sim.truth()`` as the first run landed it.
        after: ``sim.truth()`` now.
        listed: the ids ``GET /v1/sessions`` serves now.

    Returns:
        ``sessions``: listed since the watermark minus the one-day overlap and not landed whole before (a
        session landed settled and listed unchanged is not refetched; here only open ones change), plus those not
        ended before or holding an unscored event, plus ids they newly reference (the closure); ``hierarchy``: sessions landed before
        that gained a new child (detail and /children refetched); ``children``: sessions whose
        /children is fetched; ``missing``: fetched sessions answering 404.
    """
    known = set(before["sessions"]) | set(before["missing"])
    watermark = max(_utc(d["started_at"]) for sid, d in before["sessions"].items() if sid in listed)
    since = (watermark - timedelta(days=1)).replace(microsecond=0)
    sessions = {
        sid
        for sid in listed
        if _utc(after["sessions"][sid]["started_at"]) >= since
        and (sid not in before["sessions"] or before["sessions"][sid] != after["sessions"][sid])
    }
    sessions |= {sid for sid, d in before["sessions"].items() if d.get("state") != "ended"}
    # ... and those holding an event still unscored: a late score resolves that finding.
    sessions |= {
        sid for sid, evs in before["events"].items() if any("risk_score" in e and e["risk_score"] is None for e in evs)
    }
    # Parents named by anything landed before or listed now get /children whatever their detail says.
    parents = {d.get("parent_id") for d in before["sessions"].values()}
    parents |= {after["sessions"][sid].get("parent_id") for sid in listed}
    hierarchy: set[str] = set()
    while True:
        size = len(sessions)
        fetched = {sid for sid in sessions if sid in after["sessions"]}
        for sid in fetched:
            parent = after["sessions"][sid].get("parent_id")
            parents.add(parent)
            if isinstance(parent, str) and parent in known and parent not in sessions and sid not in known:
                hierarchy.add(parent)
        children = {sid for sid in fetched if _child_ids(after["sessions"][sid].get("children")) or sid in parents}
        children |= hierarchy
        referenced = {after["sessions"][sid].get("parent_id") for sid in fetched}
        for sid in fetched:
            referenced |= _child_ids(after["sessions"][sid].get("children"))
        for sid in children:
            referenced |= _child_ids(after["children"].get(sid))
        sessions |= {ref for ref in referenced if isinstance(ref, str) and ref and ref not in known}
        if len(sessions) == size:
            break
    return {
        "sessions": sessions,
        "hierarchy": hierarchy,
        "children": children,
        "missing": sessions - set(after["sessions"]),
    }


def test_incremental_fetches_exactly_the_new_open_and_referenced_sessions(
    quint_simulator: SimFactory, tmp_path: Path
) -> None:
    sim = quint_simulator(seed=5, sessions=150, defects=True)
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    before = json.loads(json.dumps(sim.truth()))  # a copy: the simulator changes its records in place
    open_before = {sid for sid, d in before["sessions"].items() if d.get("state") != "ended"}
    added = sim.add_sessions(12)
    changed = sim.advance(0.5)
    assert set(changed) <= open_before | set(added)  # only sessions not yet ended can change
    after = sim.truth()
    listed = set(after["sessions"]) - set(sim.manifest["unlisted"])
    expected = expected_incremental(before, after, listed)
    assert set(added) | set(changed) | open_before <= expected["sessions"]
    assert len(expected["sessions"]) < len(after["sessions"]) / 2  # the expectation is not a full refetch
    sim.reset_stats()

    second = sync(settings=settings_for(sim, db))
    assert_truth(db, sim)
    refetched = details_landed_by(db, second.run_id)
    assert refetched == expected["sessions"] | expected["hierarchy"]
    assert second.sessions == len(expected["sessions"])
    by_endpoint = {name: n for name, n in sim.stats()["by_endpoint"].items() if n}
    assert by_endpoint == {
        "sessions.list": 1,
        "sessions.detail": len(expected["sessions"]) + len(expected["hierarchy"]),
        "sessions.events": len(expected["sessions"] - expected["missing"]),
        "sessions.children": len(expected["children"]),
    }
    assert second.sessions_new == len(added) and second.sessions_updated >= len(set(changed) - set(added))

    third = sync(settings=settings_for(sim, db))  # same data again: idempotent
    assert (third.sessions_new, third.sessions_updated) == (0, 0)
    assert third.sessions_unchanged == third.sessions
    assert_truth(db, sim)
    with connect(db) as con:
        for kind in ("detail", "events"):
            dupes = con.execute(
                "select count(*) - count(distinct session_id) from raw.raw_session_bodies where kind = ?", [kind]
            ).fetchone()[0]
            assert dupes == 0, kind
        dupes = con.execute("select count(*) - count(distinct session_id) from raw.raw_session_list").fetchone()[0]
        assert dupes == 0, "raw_session_list"


def test_full_rebuild_drops_what_the_api_no_longer_serves(quint_simulator: SimFactory, tmp_path: Path) -> None:
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(quint_simulator(seed=6, sessions=60), db))
    other = quint_simulator(seed=7, sessions=50)
    result = sync(full=True, settings=settings_for(other, db))
    assert result.mode == "full"
    assert_truth(db, other)
    # The events typed as they landed follow the prune too: none of a session that is gone.
    with connect(db) as con:
        typed = {sid for (sid,) in con.execute("select distinct session_id from staging.stg_events").fetchall()}
    assert typed == {sid for sid, events in other.truth()["events"].items() if events}


@pytest.mark.parametrize(
    ("faults", "overrides"),
    [
        pytest.param(Faults(rate_limit_rate=0.25, retry_after=1), {}, id="429-retry-after"),
        pytest.param(Faults(rate_limit_rate=0.25, retry_after=0), {}, id="429-retry-after-0"),
        pytest.param(Faults(error_rate=0.35), {}, id="5xx"),
        pytest.param(Faults(cut_body_rate=0.35), {}, id="cut-body"),
        # 8 s, not less: on a loaded machine a healthy request (server threads and client share one
        # process) must not time out too, or it costs a retry that no fault caused (5 s did, once).
        pytest.param(Faults(hang_rate=0.1, hang_seconds=30), {"read_timeout": 8.0}, id="hang"),
        pytest.param(Faults(latency_ms=25), {}, id="latency"),
        pytest.param(Faults(error_rate=0.1, rate_limit_rate=0.1, cut_body_rate=0.1, latency_ms=5), {}, id="mixed"),
    ],
)
def test_faults_still_give_exact_truth(
    quint_simulator: SimFactory, tmp_path: Path, faults: Faults, overrides: dict[str, Any]
) -> None:
    sim = quint_simulator(seed=8, sessions=60, defects=True, faults=faults)
    db = tmp_path / "quint.duckdb"
    result = sync(settings=settings_for(sim, db, **overrides))
    assert_truth(db, sim)
    assert result.failed == 0 and result.requests == sim.stats()["requests"]
    injected = sum(sim.stats()["faults"].values())
    assert result.retries == injected  # every injected fault cost exactly one retry


def test_requests_that_fail_for_good_are_partial_then_recovered(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=9, sessions=60, faults=Faults(error_rate=0.3))
    db = tmp_path / "quint.duckdb"
    with pytest.raises(PartialFailure) as info:
        sync(settings=settings_for(sim, db, max_attempts=1))
    partial = info.value.result  # type: ignore[attr-defined]
    assert partial.failed > 0 and partial.status == "partial" and PartialFailure.exit_code == 5
    message = str(info.value)
    assert re.search(r"failed after 1 attempt over \d+ s: HTTP 50[023] x1", message)
    for advice in ("the rest is published", "run sync again", "next run retries them", "QUINT_API_URL"):
        assert advice in message
    with connect(db) as con:
        assert con.execute("select status from internal._sync_runs").fetchall() == [("partial",)]
    sync(settings=settings_for(sim, db))  # faults spent: the next run lands the rest
    assert_truth(db, sim)


def test_wrong_token_is_an_auth_error_naming_the_variable(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=10, sessions=20)
    db = tmp_path / "quint.duckdb"
    wrong = "qt_sk_wrong_token_value_42"
    with pytest.raises(AuthError) as info:
        sync(settings=replace(settings_for(sim, db), token=Token(wrong)))
    assert "QUINT_API_TOKEN" in str(info.value) and "401" in str(info.value)
    assert wrong not in str(info.value) and wrong not in repr(info.value)
    assert not db.exists() and not Path(f"{db}.work").exists()


def test_unreachable_api(tmp_path: Path) -> None:
    settings = Settings(
        api_url="http://127.0.0.1:9",
        token=Token("x"),
        db=tmp_path / "q.duckdb",
        max_attempts=2,
        backoff_base=0.01,
        connect_timeout=1.0,
    )
    with pytest.raises(ApiUnreachable, match="could not list sessions") as caught:
        sync(settings=settings)
    assert not (tmp_path / "q.duckdb").exists()
    message = str(caught.value)
    assert "failed after 2 attempts over 0 s: connection refused x2" in message
    for advice in ("--api-url / QUINT_API_URL", "the network", "run sync again", "nothing was published"):
        assert advice in message


def test_every_session_failing_is_unreachable_and_publishes_nothing(
    quint_simulator: SimFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim = quint_simulator(seed=15, sessions=30)
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    sim.add_sessions(3)  # sessions to fetch (the settled ones listed unchanged are not refetched)
    before = db.read_bytes()
    real_get = ApiClient.get

    async def sessions_unreachable(self: ApiClient, path: str, *args: Any, **kwargs: Any) -> Any:
        if path != "/v1/sessions":  # the list answers; every per-session request fails for good
            raise RequestFailed(f"GET {path} failed after 6 attempts: ConnectError")
        return await real_get(self, path, *args, **kwargs)

    monkeypatch.setattr(ApiClient, "get", sessions_unreachable)
    with pytest.raises(ApiUnreachable) as caught:
        sync(settings=settings_for(sim, db))
    message = str(caught.value)
    assert message.startswith(f"every session request failed against {sim.base_url} (e.g. GET /v1/sessions/")
    for advice in ("--api-url / QUINT_API_URL", "the network", "run sync again", "nothing was published"):
        assert advice in message
    assert ApiUnreachable.exit_code == 4 and db.read_bytes() == before


def test_a_failed_landing_stops_the_run_and_publishes_nothing(
    quint_simulator: SimFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch that cannot be landed stops the run with that error; nothing is published."""
    sim = quint_simulator(seed=16, sessions=120)
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    before = db.read_bytes()
    real_write = Store.write
    writes: list[str] = []

    def second_write_fails(self: Store, run_id: str, *args: Any, **kwargs: Any) -> None:
        writes.append(threading.current_thread().name)
        if len(writes) == 2:
            raise duckdb.IOException("disk full")
        real_write(self, run_id, *args, **kwargs)

    monkeypatch.setattr(Store, "write", second_write_fails)
    with pytest.raises(duckdb.IOException, match="disk full"):
        sync(settings=settings_for(sim, db, batch_size=10), full=True)
    assert len(writes) == 2, "no batch is written after a failed one"
    assert writes[0] != threading.current_thread().name, "landing runs off the event loop's thread"
    assert db.read_bytes() == before
    assert not [t for t in threading.enumerate() if t.name == writes[0]], "the writer thread is gone"
    assert len(landed(db)["sessions"]) == len(sim.truth()["sessions"])


def test_token_never_in_logs_output_errors_or_database(
    quint_simulator: SimFactory,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sim = quint_simulator(seed=11, sessions=60, defects=True, faults=Faults(error_rate=0.2, cut_body_rate=0.1))
    db = tmp_path / "quint.duckdb"
    monkeypatch.setenv("QUINT_API_TOKEN", sim.token)
    caplog.set_level(logging.DEBUG)
    # Explicitly: the CLI sets these two to WARNING, and an earlier test in this process may have run it.
    for transport in ("httpx", "httpcore", "aiohttp"):
        caplog.set_level(logging.DEBUG, logger=transport)
    result = sync(db, api_url=sim.base_url, progress=True)
    sim.faults = Faults(error_rate=0.5)  # fresh attempt counts: some requests fail on their only attempt
    with pytest.raises(PartialFailure) as partial:
        sync(db, settings=settings_for(sim, db, max_attempts=1), full=True)
    out, err = capsys.readouterr()
    texts = [caplog.text, out, err, str(result), repr(result), str(partial.value), repr(partial.value)]
    assert caplog.text and all(sim.token not in text for text in texts)
    # The request lines were checked too (the transports' loggers were open at DEBUG).
    assert any(
        r.name == "quint_reports.ingest.client" and r.getMessage().startswith("GET /v1/") for r in caplog.records
    )
    assert sim.token.encode() not in db.read_bytes()


def test_state_show_and_reset(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=12, sessions=40)
    db = tmp_path / "quint.duckdb"
    first = sync(settings=settings_for(sim, db))
    shown = state_show(db)
    assert shown["watermark"] and [r["run_id"] for r in shown["runs"]] == [first.run_id]
    state_reset(db)
    assert state_show(db)["watermark"] is None
    open_before = state_show(db)["open_sessions"]
    sim.reset_stats()
    again = sync(settings=settings_for(sim, db))
    # Everything listed again; what was landed settled and is listed unchanged is not refetched, the open rest is.
    assert sim.stats()["by_endpoint"]["sessions.list"] >= 1 and state_show(db)["watermark"]
    assert sim.stats()["by_endpoint"].get("sessions.detail", 0) == again.sessions == open_before < first.sessions
    assert again.sessions_unchanged == again.sessions


def test_since_lists_only_sessions_started_from_that_day(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=13, sessions=60)
    starts = sorted(s["started_at"] for s in sim.truth()["sessions"].values())
    cut = starts[len(starts) // 2][:10]  # a day in the middle
    db = tmp_path / "quint.duckdb"
    sync(since=cut, settings=settings_for(sim, db))
    with connect(db) as con:
        listed = [r[0] for r in con.execute("select record->>'$.started_at' from raw.raw_session_list").fetchall()]
    assert listed and all(s >= cut for s in listed)
    assert len(listed) == sum(1 for s in starts if s[:10] >= cut)


@pytest.mark.parametrize("full", [pytest.param(True, id="full"), pytest.param(False, id="incremental")])
def test_a_failed_listing_publishes_nothing(quint_simulator: SimFactory, tmp_path: Path, full: bool) -> None:
    """A list that answers 404 (a wrong API prefix) must not be taken as 'no sessions'."""
    from quint_reports.exceptions import ConfigError

    sim = quint_simulator(seed=4, sessions=60)
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    before = db.read_bytes()
    wrong = replace(settings_for(sim, db), api_url=sim.base_url + "/wrongprefix")
    with pytest.raises(ConfigError) as caught:
        sync(settings=wrong, full=full)
    message = str(caught.value)
    assert "404" in message and "QUINT_API_URL" in message and "nothing was published" in message
    assert db.read_bytes() == before
    assert_truth(db, sim)


def test_a_settled_session_is_refetched_when_its_list_record_changes_and_not_otherwise(
    quint_simulator: SimFactory, tmp_path: Path
) -> None:
    """The listing's overlap re-lists the last day: of its settled sessions only one whose record changed is
    refetched, and the records listed unchanged are not landed again (the views see no change for them)."""
    sim = quint_simulator(seed=16, sessions=60)
    db = tmp_path / "quint.duckdb"
    first = sync(settings=settings_for(sim, db))
    open_ids = set(Store(duckdb.connect(str(db), read_only=True)).open_session_ids())
    settled = [s for s in sim.org.sessions if s.id not in open_ids and s.record.get("state") == "ended"]
    renamed = max(settled, key=lambda s: s.record["started_at"])  # inside the overlap: listed again
    with sim.org.lock:
        renamed.record["session_name"] = "renamed since"
        sim.org.invalidate({renamed.id})  # the simulator serves cached bodies until told
    sim.reset_stats()
    second = sync(settings=settings_for(sim, db))
    refetched = details_landed_by(db, second.run_id)
    with connect(db) as con:
        relanded = {
            r[0]
            for r in con.execute(
                "select session_id from raw.raw_session_list where run_id = ?", [second.run_id]
            ).fetchall()
        }
        name = con.execute("select session_name from sessions where session_id = ?", [renamed.id]).fetchone()
    assert refetched == open_ids | {renamed.id}
    assert renamed.id in relanded and not relanded & {s.id for s in settled if s is not renamed}
    assert name == ("renamed since",)
    assert sim.stats()["by_endpoint"]["sessions.detail"] == len(refetched) < first.sessions
    assert_truth(db, sim)
