"""Record validation: one reason per wrong documented field, nothing for a valid or unknown one."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from quint_reports.ingest.validate import event_problems, session_problems
from quint_reports.timebounds import iso_z, parse_iso

SID = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
SESSION: dict[str, Any] = {
    "id": SID,
    "session_name": "Fix auth middleware",
    "model": "claude-sonnet-4-20250514",
    "signing_id": "com.anthropic.claude-code",
    "state": "ended",
    "platform": "claude-code",
    "parent_id": None,
    "started_at": "2026-04-12T14:00:00Z",
    "ended_at": "2026-04-12T14:45:00Z",
    "children": [],
    "risk_summary": {"total_events": 47, "max_risk": 35, "avg_risk": 8},
}
EVENT: dict[str, Any] = {
    "id": "550e8400-e29b-41d4-a716-446655440000",
    "session_id": SID,
    "agent_id": "claude-code",
    "action_type": "FILE_READ",
    "tool_name": "cat",
    "arguments": ["/app/src/middleware/auth.ts"],
    "risk_score": 5,
    "decision": "allow",
    "timestamp": "2026-04-12T14:01:00Z",
}


def with_(record: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = {**record, **changes}
    return {k: v for k, v in out.items() if v is not ...}  # ... removes a key


def test_documented_examples_pass() -> None:
    assert session_problems(SESSION, detail=True) == []
    six_fields = {k: EVENT[k] for k in ("id", "action_type", "tool_name", "arguments", "risk_score", "timestamp")}
    assert event_problems(six_fields, SID) == [] and event_problems(EVENT, SID) == []
    child = with_(SESSION, signing_id=..., children=..., risk_summary=..., parent_id=SID, state="active", ended_at=None)
    assert session_problems(child) == []
    assert session_problems(with_(SESSION, x_quint_region="eu", labels=[1])) == []  # unknown fields are kept


@pytest.mark.parametrize(
    ("changes", "detail", "reasons"),
    [
        pytest.param({"id": ...}, False, ["id missing or not a string"], id="no-id"),
        pytest.param({"id": SID[:-1] + "g"}, False, ["id is neither a UUID nor {rootPID}-{startUnixMs}"], id="id-g"),
        pytest.param(
            {"id": SID.replace("-", "")}, False, ["id is neither a UUID nor {rootPID}-{startUnixMs}"], id="id-no-dashes"
        ),
        pytest.param({"id": "59247-1777085379101"}, False, [], id="id-edge-form"),
        pytest.param(
            {"id": "59247-17770853"},
            False,
            ["id is neither a UUID nor {rootPID}-{startUnixMs}"],
            id="id-edge-form-short-time",
        ),
        pytest.param({"model": ...}, False, ["model missing"], id="no-model"),
        pytest.param({"session_name": None}, False, ["session_name is null"], id="null-name"),
        pytest.param({"platform": 3}, False, ["platform is not a string"], id="platform-int"),
        pytest.param({"state": "done"}, False, ["state is not one of active, idle, ended"], id="state"),
        pytest.param({"state": ["ended"]}, False, ["state is not one of active, idle, ended"], id="state-list"),
        pytest.param({"parent_id": 7}, False, ["parent_id is not a string or null"], id="parent-int"),
        pytest.param({"signing_id": 1}, False, ["signing_id is not a string"], id="signing-int"),
        pytest.param({"started_at": "2026-04-12"}, False, ["started_at is not an ISO 8601 datetime"], id="date"),
        pytest.param({"started_at": ...}, False, ["started_at missing"], id="no-start"),
        pytest.param({"ended_at": "soon"}, False, ["ended_at is not an ISO 8601 datetime or null"], id="end-text"),
        pytest.param({"ended_at": "2026-04-12T13:59:00Z"}, False, ["ended_at is before started_at"], id="end-early"),
        pytest.param({"ended_at": "2026-04-12T16:00:00+02:00"}, False, [], id="end-offset-equal"),
        pytest.param({"risk_summary": ...}, True, ["risk_summary missing"], id="summary-absent"),
        pytest.param({"risk_summary": ...}, False, [], id="summary-absent-in-list"),
        pytest.param({"risk_summary": None}, True, ["risk_summary is null"], id="summary-null"),
        pytest.param({"risk_summary": [47]}, True, ["risk_summary is not an object"], id="summary-list"),
        pytest.param(
            {"risk_summary": {"total_events": 3, "max_risk": None, "avg_risk": None}}, True, [], id="summary-nulls"
        ),
        pytest.param(
            {"risk_summary": {"total_events": 3.0, "max_risk": 35, "avg_risk": 8.4}}, True, [], id="summary-integerish"
        ),
        pytest.param(
            {"risk_summary": {"total_events": 3.5, "max_risk": 135, "avg_risk": "8"}},
            True,
            [
                "risk_summary.total_events is not a non-negative integer",
                "risk_summary.max_risk is not an integer 0-100",
                "risk_summary.avg_risk is not a number 0-100",
            ],
            id="summary-types",
        ),
        pytest.param(
            {"risk_summary": {"total_events": True, "max_risk": 35}},
            True,
            ["risk_summary.total_events is not a non-negative integer", "risk_summary.avg_risk missing"],
            id="summary-bool-missing",
        ),
    ],
)
def test_session_problems(changes: dict[str, Any], detail: bool, reasons: list[str]) -> None:
    assert session_problems(with_(SESSION, **changes), detail=detail) == reasons


@pytest.mark.parametrize(
    ("changes", "reasons"),
    [
        pytest.param({"risk_score": 150}, ["risk_score is not an integer 0-100"], id="score-150"),
        pytest.param({"risk_score": -5}, ["risk_score is not an integer 0-100"], id="score-negative"),
        pytest.param({"risk_score": None}, ["risk_score is null"], id="score-null"),
        pytest.param({"risk_score": "high"}, ["risk_score is not an integer 0-100"], id="score-text"),
        pytest.param({"risk_score": 5.0}, ["risk_score is not an integer 0-100"], id="score-float"),
        pytest.param({"risk_score": True}, ["risk_score is not an integer 0-100"], id="score-bool"),
        pytest.param({"risk_score": ...}, ["risk_score missing"], id="score-absent"),
        pytest.param({"timestamp": "yesterday"}, ["timestamp is not an ISO 8601 datetime"], id="ts-text"),
        pytest.param({"timestamp": ...}, ["timestamp missing"], id="ts-absent"),
        pytest.param({"tool_name": ...}, ["tool_name missing"], id="no-tool"),
        pytest.param({"action_type": 1}, ["action_type is not a string"], id="action-int"),
        pytest.param({"arguments": "rm -rf /"}, ["arguments is not a list of strings"], id="args-text"),
        pytest.param({"arguments": ["-m", 2]}, ["arguments is not a list of strings"], id="args-int"),
        pytest.param(
            {"arguments": None, "decision": None, "agent_id": None, "session_id": None}, [], id="optional-nulls"
        ),
        pytest.param({"decision": "deny"}, ["decision is not allow or block"], id="decision"),
        pytest.param({"decision": {"a": 1}}, ["decision is not allow or block"], id="decision-object"),
        pytest.param(
            {"session_id": "6ba7b811-9dad-11d1-80b4-00c04fd430c8"},
            ["session_id differs from the session that served it"],
            id="other-session",
        ),
        pytest.param({"agent_id": 5}, ["agent_id is not a string"], id="agent-int"),
        pytest.param({"id": "550e8400-e29b-41d4-a716-4466554400zz"}, ["id is not a valid UUID"], id="id-zz"),
    ],
)
def test_event_problems(changes: dict[str, Any], reasons: list[str]) -> None:
    assert event_problems(with_(EVENT, **changes), SID) == reasons


def test_every_problem_is_listed_and_non_objects_are_one() -> None:
    assert event_problems([1, 2]) == ["record is not an object"]
    assert session_problems("x", detail=True) == ["record is not an object"]
    assert event_problems({}) == [
        "id missing or not a string",
        "risk_score missing",
        "timestamp missing",
        "action_type missing",
        "tool_name missing",
    ]


def test_parse_iso() -> None:
    assert parse_iso("2026-04-12T16:00:00+02:00") == parse_iso("2026-04-12T14:00:00Z")
    assert parse_iso("2026-04-12T14:00:00") == parse_iso("2026-04-12T14:00:00Z")  # no offset: UTC
    assert parse_iso("2026-04-12") is None and parse_iso(20260412) is None


def test_iso_z_is_what_parse_iso_reads() -> None:
    local = datetime(2026, 4, 12, 16, 0, 5, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert iso_z(local) == "2026-04-12T14:00:05Z"
    assert parse_iso(iso_z(local)) == local.replace(microsecond=0)
    assert iso_z(datetime(1, 1, 1, tzinfo=timezone.utc)) == "0001-01-01T00:00:00Z"  # the year stays four digits


def test_a_null_score_in_a_running_session_is_pending_not_a_problem() -> None:
    assert event_problems(with_(EVENT, risk_score=None), SID, running=True) == []
    assert event_problems(with_(EVENT, risk_score="high"), SID, running=True) == ["risk_score is not an integer 0-100"]


IDS = [
    "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
    "59247-1777085379101",
    "7ca8c921-aeae-22e2-91c5-11d15ge541d9",
    "session-1",
    "g",
    "59247-17770",
    "6BA7B810-9DAD-11D1-80B4-00C04FD430C8",
    " 59247-1777085379101",
]


def test_validation_and_the_sql_checks_read_one_declaration_of_the_rules() -> None:
    import duckdb

    from quint_reports.ingest import rules
    from quint_reports.warehouse.sqlfiles import sql_dir

    con = duckdb.connect()
    con.execute(rules.sql_macros())
    for rid in IDS:
        session_ok = not any("id is" in p for p in session_problems(with_(SESSION, id=rid)))
        event_ok = not any("id is" in p for p in event_problems(with_(EVENT, id=rid), SID))
        sql = con.execute("select rule_is_session_id(?), rule_is_event_id(?)", [rid, rid]).fetchone()
        assert sql == (session_ok, event_ok), rid
    for kind, record in (("session", SESSION), ("event", EVENT)):
        assert con.execute("select rule_required_fields(?)", [kind]).fetchone()[0] == list(rules.REQUIRED_FIELDS[kind])
        check = session_problems if kind == "session" else event_problems
        for name in rules.REQUIRED_FIELDS[kind]:
            assert any(p.startswith(f"{name} missing") for p in check(with_(record, **{name: ...}))), name
    low, high = rules.RISK_SCORE_RANGE
    for score in (low - 1, low, high, high + 1):
        valid = not event_problems(with_(EVENT, risk_score=score), SID)
        assert con.execute("select rule_risk_score_valid(?)", [score]).fetchone()[0] is valid, score
    for state in (*rules.STATES, "paused"):
        assert (not session_problems(with_(SESSION, state=state))) is (state in rules.STATES)
    assert con.execute("select rule_states(), rule_decisions()").fetchone() == (
        list(rules.STATES),
        list(rules.DECISIONS),
    )
    # No SQL file spells a rule out again: the patterns live only in the Python declaration.
    for path in sql_dir().rglob("*.sql"):
        text = path.read_text(encoding="utf-8")
        assert rules.UUID_PATTERN not in text and rules.EDGE_ID_PATTERN not in text, path.name
