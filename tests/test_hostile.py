"""The sync under a hostile API and careless operators: nothing lost, no poison record, the right exit code."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import httpx
import pytest

from quint_reports import connect, sync
from quint_reports.analysis.checks import check
from quint_reports.cli import main
from quint_reports.exceptions import ApiUnreachable, ConfigError, DatabaseError, PartialFailure
from quint_reports.ingest.client import ApiClient, RequestFailed
from quint_reports.ingest.jsonbody import decode
from quint_reports.reporting.build import report
from quint_reports.settings import Settings, Token
from quint_reports.simulator import Simulator

SimFactory = Callable[..., Simulator]


def settings_for(sim: Simulator, db: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"backoff_base": 0.01, "backoff_max": 0.05, "batch_size": 50}
    values.update(overrides)
    return Settings(api_url=sim.base_url, token=Token(sim.token), db=db, **values)


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with connect(db) as con:
        return con.execute(sql).fetchall()


def session_ids(sim: Simulator) -> list[str]:
    return sorted(sim.truth()["sessions"])


def cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real command line, in its own process."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("QUINT_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "quint_reports", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=120,
    )


# -- 1. --full never prunes after a suspicious listing ---------------------------------------


def test_full_refuses_an_empty_or_shrunken_listing(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=21, sessions=40, doc_examples=False)
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    before = rows(db, "select count(*) from sessions")[0][0]
    assert before == 40
    served = httpx.get(sim.base_url + "/v1/sessions", headers={"Authorization": f"Bearer {sim.token}"}).content
    sim.override("/v1/sessions", b'{"sessions": []}')
    with pytest.raises(ConfigError, match="--allow-shrink") as info:
        sync(full=True, settings=settings_for(sim, db))
    assert "delete 40" in str(info.value)
    assert rows(db, "select count(*) from sessions")[0][0] == before
    # The listing: a repeated key that a parser would read as empty is no listing at all.
    sim.override("/v1/sessions", served.rstrip()[:-1] + b', "sessions": []}')
    with pytest.raises(ApiUnreachable, match="repeats a key"):
        sync(full=True, settings=settings_for(sim, db))
    assert rows(db, "select count(*) from sessions")[0][0] == before
    sim.override("/v1/sessions", b'{"sessions": []}')
    sync(full=True, allow_shrink=True, settings=settings_for(sim, db))  # said explicitly: prune
    assert rows(db, "select count(*) from sessions")[0][0] == 0


def test_full_with_since_is_refused(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=22, sessions=20)
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    landed = rows(db, "select count(*) from sessions")[0][0]
    with pytest.raises(ConfigError, match="--full with --since is refused"):
        sync(full=True, since="2026-04-15", settings=settings_for(sim, db))
    assert rows(db, "select count(*) from sessions")[0][0] == landed


# -- 2 and 7. One bad body never stops a run; Python decides what it means --------------------


def test_a_deeply_nested_body_is_quarantined_and_the_run_goes_on(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=23, sessions=30, doc_examples=False)
    victim = session_ids(sim)[0]
    sim.override(f"/v1/sessions/{victim}/events", b'{"events": [' + b"[" * 1000 + b"]" * 1000 + b"]}")
    db = tmp_path / "quint.duckdb"
    result = sync(settings=settings_for(sim, db))
    assert result.status == "success" and result.failed == 0
    assert rows(db, f"select reason from quarantine where record_key = '{victim}'") == [("body nests too deeply",)]
    assert rows(db, "select count(distinct session_id) from events")[0][0] == 29
    assert rows(db, "select session_id, resource from incomplete_sessions") == [(victim, "events")]


def test_repeated_keys_null_bodies_and_bad_bytes_are_quarantined_not_guessed(
    quint_simulator: SimFactory, tmp_path: Path
) -> None:
    sim = quint_simulator(seed=24, sessions=30, doc_examples=False)
    a, b, c = session_ids(sim)[:3]
    detail = sim.truth()["sessions"][a]
    text = json.dumps(detail)
    # Python would take the last risk_summary, DuckDB the first: neither may be believed.
    doubled = text[:-1] + ', "risk_summary": {"total_events": 1, "max_risk": 5, "avg_risk": 5}}'
    sim.override(f"/v1/sessions/{a}", doubled.encode())
    sim.override(f"/v1/sessions/{b}/events", b"null")
    bad_bytes = b'{"events": [{"id": "\xff\xfe"}]}'
    sim.override(f"/v1/sessions/{c}/events", bad_bytes)
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    reasons = dict(rows(db, f"select record_key, reason from quarantine where record_key in ('{a}', '{b}', '{c}')"))
    assert reasons == {a: "body repeats a key", b: "body is JSON null", c: "body is not UTF-8"}
    assert rows(db, f"select source, reported_max_risk from sessions where session_id = '{a}'") == [("list", None)]
    assert rows(db, f"select body_raw from raw.raw_session_bodies where kind = 'events' and session_id = '{c}'") == [
        (bad_bytes,)
    ]
    assert rows(db, f"select raw_bytes from raw.raw_quarantine where record_key = '{c}'") == [(bad_bytes,)]
    assert rows(db, f"select rejected from raw.raw_session_bodies where kind = 'detail' and session_id = '{a}'") == [
        ("body repeats a key",)
    ]
    assert {r[0] for r in rows(db, "select session_id from incomplete_sessions")} == {a, b, c}
    findings = check(db)
    flagged = set(findings.loc[findings["check"] == "sync.incomplete_session", "session_id"])
    assert flagged == {a, b, c}


def test_invalid_listing_entries_are_quarantined_and_are_no_sessions(
    quint_simulator: SimFactory, tmp_path: Path
) -> None:
    sim = quint_simulator(seed=25, sessions=20, doc_examples=False)
    records = [s.record for s in sim.org.ordered]
    sim.override("/v1/sessions", json.dumps({"sessions": [*records, None, 42, {"id": 12345}, ""]}).encode())
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    assert {r[0] for r in rows(db, "select session_id from sessions")} == set(session_ids(sim))
    assert rows(db, "select count(*) from raw.raw_session_list where session_id is null")[0][0] == 4
    assert rows(db, "select count(distinct record_key) from quarantine where endpoint = '/v1/sessions'")[0][0] == 4


def test_a_database_from_the_previous_release_gains_the_new_columns(
    quint_simulator: SimFactory, tmp_path: Path
) -> None:
    db = tmp_path / "quint.duckdb"
    con = duckdb.connect(str(db))
    for table in ("raw_session_detail", "raw_session_events", "raw_session_children"):
        con.execute(
            f"create table {table} (session_id varchar primary key, run_id varchar not null, "
            "fetched_at timestamptz not null, endpoint varchar not null, http_status integer not null, "
            "body varchar not null)"
        )
    con.execute(
        "create table raw_quarantine (endpoint varchar not null, record_key varchar not null, "
        "reason varchar not null, run_id varchar not null, fetched_at timestamptz not null, "
        "raw varchar not null, primary key (endpoint, record_key, reason))"
    )
    con.execute("insert into raw_session_detail values ('old', 'r0', now(), '/v1/sessions/{id}', 404, '{}')")
    con.close()
    sim = quint_simulator(seed=26, sessions=15, doc_examples=False)
    sync(settings=settings_for(sim, db))
    assert rows(db, "select count(*) from sessions")[0][0] == 15
    assert rows(
        db, "select rejected, body_raw from raw.raw_session_bodies where kind = 'detail' and session_id = 'old'"
    ) == [(None, None)]


# -- 3. A read-write holder of the published file stops the publish ---------------------------


def test_publish_refuses_while_another_process_holds_the_file_read_write(
    quint_simulator: SimFactory, tmp_path: Path
) -> None:
    sim = quint_simulator(seed=27, sessions=15)
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    before = db.read_bytes()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True); time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        with pytest.raises(DatabaseError, match=f"open read-write by PID {holder.pid}") as info:
            sync(settings=settings_for(sim, db))
        assert info.value.exit_code == 7
    finally:
        holder.kill()
        holder.communicate()  # reaps it and closes its pipe
    assert db.read_bytes() == before
    assert not (tmp_path / "quint.duckdb.work").exists()
    sync(settings=settings_for(sim, db))  # a read-only reader is no obstacle, and neither is a dead holder


# -- 4. A rate-limit burst is waited out; the message says what happened ----------------------


def test_a_rate_limit_burst_is_waited_out(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=28, sessions=10, doc_examples=False)
    sim.rate_limit_burst(2.5, retry_after=1)
    started = time.monotonic()
    result = sync(settings=settings_for(sim, tmp_path / "quint.duckdb", max_attempts=2, concurrency=4))
    assert result.status == "success" and result.retries >= 2
    assert time.monotonic() - started >= 2


def test_exhausted_retries_say_what_happened() -> None:
    async def run(handler: Callable[[httpx.Request], httpx.Response]) -> RequestFailed:
        settings = Settings(api_url="https://api.example", token=Token("t"), max_attempts=50, max_retry_seconds=3)
        clock = [0.0]

        async def sleep(seconds: float) -> None:
            clock[0] += seconds

        async with ApiClient(
            settings, transport=httpx.MockTransport(handler), sleep=sleep, clock=lambda: clock[0]
        ) as api:
            with pytest.raises(RequestFailed) as info:
                await api.get("/v1/sessions")
        return info.value

    import asyncio

    limited = asyncio.run(run(lambda r: httpx.Response(429, headers={"Retry-After": "1"})))
    assert limited.kind == "rate_limited" and "rate limited (HTTP 429) x4" in str(limited)  # 3 s budget, 1 s each
    failing = asyncio.run(run(lambda r: httpx.Response(502)))
    assert failing.kind == "server_error" and "HTTP 502" in str(failing)


def test_a_rate_limited_run_is_reported_as_such(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=29, sessions=5)
    sim.rate_limit_burst(30, retry_after=1)
    with pytest.raises(ApiUnreachable, match="rate limited") as info:
        sync(settings=settings_for(sim, tmp_path / "q.duckdb", max_retry_seconds=1.5))
    assert "lower --concurrency" in str(info.value) and "network" not in str(info.value).split(";")[1]


# -- 5. Configuration and input errors exit 2 (or 7), with advice ------------------------------


@pytest.mark.parametrize(
    ("args", "env", "code", "says"),
    [
        pytest.param(["sync"], {"QUINT_API_TOKEN": "qt_sk_ümlaut"}, 2, "printable ASCII", id="non-ascii-token"),
        pytest.param(["sync", "--token-file", "two-lines"], {}, 2, "line break", id="two-line-token"),
        pytest.param(["sync", "--token-file", "latin1"], {}, 2, "not UTF-8", id="token-file-not-utf8"),
        pytest.param(["sync", "--api-url", "http://127.0.0.1:99999"], {}, 2, "port 1-65535", id="port-range"),
        pytest.param(["sync", "--api-url", "http://[::1"], {}, 2, "https://host", id="unparsable-url"),
        pytest.param(["sync", "--api-url", ""], {}, 2, "--api-url is empty", id="empty-url"),
        pytest.param(["sync", "--db", "folder"], {}, 2, "is a directory", id="db-directory"),
        pytest.param(["sync", "--db", "notes.txt"], {}, 7, "not a DuckDB database", id="db-not-duckdb"),
        pytest.param(["report", "--days", "800000"], {}, 2, "--days 800000", id="days-huge"),
        pytest.param(["sync", "--since", "9999-12-31T23:00:00-05:00"], {}, 2, "out of range", id="since-extreme"),
    ],
)
def test_configuration_errors_exit_2_or_7(
    tmp_path: Path, args: list[str], env: dict[str, str], code: int, says: str
) -> None:
    (tmp_path / "two-lines").write_text("qt_sk_first\nqt_sk_second\n")
    (tmp_path / "latin1").write_bytes(b"qt_sk_\xe9t\xe9\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "notes.txt").write_text("not a database\n" * 100)
    os.chmod(tmp_path / "two-lines", 0o600)
    os.chmod(tmp_path / "latin1", 0o600)
    full_env = {"QUINT_API_TOKEN": "qt_sk_valid", "QUINT_API_URL": "http://127.0.0.1:9", **env}
    done = cli(*args, env=full_env, cwd=tmp_path)
    assert done.returncode == code, done.stderr
    assert says in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "notes.txt.work").exists()


def test_a_token_file_others_can_read_gets_a_warning(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=30, sessions=5)
    token = tmp_path / "token"
    token.write_text(sim.token + "\n")
    os.chmod(token, 0o644)
    done = cli("sync", "--token-file", str(token), "--api-url", sim.base_url, "--db", str(tmp_path / "q.duckdb"))
    assert done.returncode == 0, done.stderr
    assert "can be read by other users: chmod 600" in done.stderr
    os.chmod(token, 0o600)
    quiet = cli("sync", "--token-file", str(token), "--api-url", sim.base_url, "--db", str(tmp_path / "q.duckdb"))
    assert quiet.returncode == 0 and "chmod 600" not in quiet.stderr


# -- 6. A partial snapshot shows: view, findings, check's exit code, the report's banner ------


def test_a_partial_snapshot_is_visible(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=31, sessions=30, doc_examples=False)
    broken = session_ids(sim)[:4]
    for sid in broken:
        sim.override(f"/v1/sessions/{sid}/events", b'{"error": "down"}', status=500)
    db = tmp_path / "quint.duckdb"
    with pytest.raises(PartialFailure):
        sync(settings=settings_for(sim, db, max_attempts=2))
    assert {r[0] for r in rows(db, "select session_id from incomplete_sessions")} == set(broken)
    assert cli("check", "--db", str(db)).returncode == 1
    index = report(db, tmp_path / "report")
    html = index.read_text()
    assert 'id="incomplete"' in html and "4\n sessions lack their detail or events" in html
    sim.clear_overrides()
    sync(settings=settings_for(sim, db))
    assert rows(db, "select count(*) from incomplete_sessions") == [(0,)]
    assert 'id="incomplete"' not in report(db, tmp_path / "report").read_text()


# -- 8. A response beyond the size cap fails with its size ------------------------------------


def test_a_response_over_the_size_cap_fails_its_session(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=32, sessions=10, doc_examples=False)
    victim = session_ids(sim)[0]
    sim.override(f"/v1/sessions/{victim}/events", b'{"events": [], "pad": "' + b"x" * 300_000 + b'"}')
    db = tmp_path / "quint.duckdb"
    with pytest.raises(PartialFailure, match="300,0") as info:
        sync(settings=settings_for(sim, db, max_response_bytes=200_000))
    assert "200,000-byte limit" in str(info.value)
    assert info.value.result.failed == 1  # type: ignore[attr-defined]
    assert rows(db, "select session_id from incomplete_sessions where resource = 'events'") == [(victim,)]


# -- 9. --out: no symlink replaced, no foreign file deleted -----------------------------------


def test_out_never_replaces_a_symlink_nor_deletes_foreign_files(quint_simulator: SimFactory, tmp_path: Path) -> None:
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(quint_simulator(seed=33, sessions=15), db))
    real = tmp_path / "real"
    report(db, real)
    link = tmp_path / "link"
    link.symlink_to(real)
    with pytest.raises(ConfigError, match="symbolic link"):
        report(db, link)
    assert link.is_symlink()
    (real / "notes.md").write_text("mine")
    (real / "data" / "extra.csv").write_text("a\n1\n")
    report(db, real)
    assert (real / "notes.md").read_text() == "mine"
    assert (real / "data" / "extra.csv").read_text() == "a\n1\n"
    manifest = (real / ".quint-report").read_text().splitlines()[1:]
    assert "index.html" in manifest and "notes.md" not in manifest and "data/extra.csv" not in manifest


# -- 10 and 11. The token reaches no log, message, table or export -----------------------------


def test_an_abbreviated_option_is_not_taken_and_the_value_not_echoed(tmp_path: Path) -> None:
    secret = "qt_sk_" + "s3cr3t" * 6
    done = cli("nightly", "--token", secret, "--db", str(tmp_path / "q.duckdb"), cwd=tmp_path)
    assert done.returncode == 2
    assert "unrecognized arguments: --token" in done.stderr
    assert secret not in done.stderr + done.stdout
    assert (
        not (tmp_path / "q.duckdb.nightly.log").exists()
        or secret not in (tmp_path / "q.duckdb.nightly.log").read_text()
    )
    # A token given where a path belongs is not echoed either.
    assert main(["sync", "--token-file", secret, "--db", str(tmp_path / "q.duckdb")]) == 2
    mistaken = cli("nightly", "--token-file", secret, "--db", str(tmp_path / "q.duckdb"), "--out", str(tmp_path / "r"))
    assert mistaken.returncode == 2 and "looks like a token" in mistaken.stderr
    log = (tmp_path / "q.duckdb.nightly.log").read_text()
    assert secret not in mistaken.stderr + log and "looks like a token" in log


def test_an_echoed_token_is_redacted_from_tables_and_exports(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=34, sessions=10, doc_examples=False)
    victim = session_ids(sim)[0]
    detail = dict(sim.truth()["sessions"][victim])
    detail["session_name"] = f"debug: Authorization: Bearer {sim.token}"
    sim.override(f"/v1/sessions/{victim}", json.dumps(detail).encode())
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    assert rows(db, f"select session_name from sessions where session_id = '{victim}'") == [
        ("debug: Authorization: Bearer [REDACTED]",)
    ]
    assert sim.token.encode() not in db.read_bytes()
    out = tmp_path / "report"
    report(db, out)
    for path in out.rglob("*"):
        if path.is_file():
            assert sim.token.encode() not in path.read_bytes(), path


# -- The property: hundreds of hostile bodies, no crash, nothing lost ---------------------------


def _hostile(rng: random.Random, sid: str, good: dict[str, Any]) -> bytes:
    text = json.dumps(good)
    pick = rng.randrange(12)
    if pick == 0:
        return b"[" * rng.randint(255, 3000) + b"]" * 10
    if pick == 1:
        depth = rng.randint(250, 2000)
        return b'{"events": ' + b"[" * depth + b"]" * depth + b"}"
    if pick == 2:
        return text[:-1].encode() + b', "x": ' + rng.choice([b"NaN", b"Infinity", b"-Infinity", b"1e999"]) + b"}"
    if pick == 3:
        raw = bytearray(text.encode())
        raw[rng.randrange(len(raw))] = rng.choice([0xFF, 0xC3, 0x80, 0xFE])
        return bytes(raw)
    if pick == 4:
        key = rng.choice(list(good))
        return (text[:-1] + f', "{key}": ' + json.dumps(rng.choice([None, 5, "x", [], {}])) + "}").encode()
    if pick == 5:
        return rng.choice([b"null", b"42", b'"text"', b"true", b"[]", b"", b"{", b"\x00"])
    if pick == 6:
        return json.dumps({k: rng.choice([None, 42, "s", [1], {"a": 1}, True]) for k in good}).encode()
    if pick == 7:
        return json.dumps({**good, "huge": "x" * rng.randint(10_000, 200_000)}).encode()
    if pick == 8:
        return text.encode()[: rng.randrange(1, len(text))]
    if pick == 9:
        return json.dumps({**good, "id": rng.choice([None, 7, "", sid + "x"])}).encode()
    if pick == 10:
        return json.dumps(
            {
                "events": [
                    rng.choice([None, 1, "e", {"id": 3}, {"risk_score": "high"}]) for _ in range(rng.randint(0, 5))
                ]
            }
        ).encode()
    return ("\ufeff" + text).encode() if rng.random() < 0.5 else text.replace('"', '\\u0022"', 1).encode()


def test_hundreds_of_hostile_bodies_never_crash_and_lose_nothing(quint_simulator: SimFactory, tmp_path: Path) -> None:
    rng = random.Random(10)
    sim = quint_simulator(seed=35, sessions=300, doc_examples=False)
    truth = sim.truth()
    ids = session_ids(sim)
    hostile: dict[str, tuple[str, str]] = {}
    for sid in rng.sample(ids, 200):
        kind = rng.choice(["detail", "events"])
        good = truth["sessions"][sid] if kind == "detail" else {"events": truth["events"][sid]}
        path = f"/v1/sessions/{sid}" + ("/events" if kind == "events" else "")
        body = _hostile(rng, sid, good)
        sim.override(path, body)
        hostile[sid] = (kind, body.decode("utf-8", "replace"))
    db = tmp_path / "quint.duckdb"
    result = sync(settings=settings_for(sim, db, max_attempts=2))  # any exception but a QuintError is a bug
    assert result.failed == 0
    table = {"detail": "raw_session_detail", "events": "raw_session_events"}
    landed = {
        (kind, sid): (rejected, body)
        for kind in table
        for sid, rejected, body in rows(db, f"select session_id, rejected, body from {table[kind]}")
    }
    quarantined = {r[0] for r in rows(db, "select distinct record_key from quarantine")}
    for sid, (kind, _) in hostile.items():
        assert (kind, sid) in landed, (kind, sid)  # every body landed ...
        rejected, body = landed[(kind, sid)]
        accepted = rejected is None and decode(body.encode()).error is None
        # ... and was either quarantined (whole, or record by record) or taken as valid JSON.
        assert accepted or sid in quarantined, (sid, rejected)
    good = [sid for sid in ids if sid not in hostile]
    got_events = dict(rows(db, "select session_id, body from raw.raw_session_bodies where kind = 'events'"))
    got_detail = dict(rows(db, "select session_id, body from raw.raw_session_bodies where kind = 'detail'"))
    for sid in good:  # every good record is present and exact
        assert json.loads(got_detail[sid]) == truth["sessions"][sid]
        assert json.loads(got_events[sid])["events"] == truth["events"][sid]
    with connect(db) as con:  # and the views stand on what Python accepted
        assert con.execute("select count(*) from sessions").fetchone()[0] >= len(good)
        con.execute("select * from check_findings").fetchall()
