"""Record validation for the quarantine: which documented field of a session or event is wrong, and how.

A record that fails is still landed as received; the sync lists it in
``raw_quarantine`` once per reason. Reasons are a small fixed vocabulary
(``model missing``, ``risk_score is not an integer 0-100``, ...): the
offending value is in the quarantined text, never in the reason, so reasons
can be grouped and counted.

The rules follow the contract (the Quint read API documentation); the id
patterns, required fields, score range, states and decisions are declared once
in ``quint_reports.ingest.rules``, which the ``data.*`` checks in ``sql/checks/``
read too (as SQL macros). Required fields may be
neither absent nor null; optional ones (``signing_id``, ``parent_id``,
``ended_at``; an event's ``session_id``, ``agent_id``, ``arguments``,
``decision``) may be absent or null, since the documented examples omit them.

This runs on every event of a sync (half a million in a large organisation),
so it is plain type checks on the common path: no schema library, no
exceptions unless a value is bad.
"""

from __future__ import annotations

import re
from typing import Any

from quint_reports.ingest.rules import (
    DECISIONS,
    REQUIRED_FIELDS,
    RISK_SCORE_RANGE,
    SESSION_ID_PATTERN,
    STATES,
    UUID_PATTERN,
)
from quint_reports.timebounds import is_iso, parse_iso

_UUID = re.compile(UUID_PATTERN).fullmatch
_SESSION_ID = re.compile(SESSION_ID_PATTERN).fullmatch
_STATES = frozenset(STATES)
_DECISIONS = frozenset(DECISIONS)
_SCORE_LOW, _SCORE_HIGH = RISK_SCORE_RANGE

_OWN_RULES = frozenset({"id", "state", "started_at", "timestamp"})
"""Required fields with a rule of their own below; every other required field must be a string."""
_SESSION_STRINGS = tuple(f for f in REQUIRED_FIELDS["session"] if f not in _OWN_RULES)
_EVENT_STRINGS = tuple(f for f in REQUIRED_FIELDS["event"] if f not in _OWN_RULES)
_SUMMARY_FIELDS = ("total_events", "max_risk", "avg_risk")


def _id_problems(record: dict[str, Any], problems: list[str], *, session: bool) -> None:
    rid = record.get("id")
    if not isinstance(rid, str) or not rid:
        problems.append("id missing or not a string")
    elif session and not _SESSION_ID(rid):
        problems.append("id is neither a UUID nor {rootPID}-{startUnixMs}")
    elif not session and not _UUID(rid):
        problems.append("id is not a valid UUID")


def _required_string(record: dict[str, Any], name: str, problems: list[str]) -> None:
    value = record.get(name)
    if isinstance(value, str):
        return
    if value is None:
        problems.append(f"{name} missing" if name not in record else f"{name} is null")
    else:
        problems.append(f"{name} is not a string")


def session_problems(record: Any, *, detail: bool = False) -> list[str]:
    """Why a session record (list element, detail body or child record) fails validation.

    Args:
        record: the parsed JSON record.
        detail: the record is a ``/v1/sessions/{id}`` body, which must also carry a
            ``risk_summary`` object.

    Returns:
        One reason per problem; empty when the record passes.
    """
    if not isinstance(record, dict):
        return ["record is not an object"]
    problems: list[str] = []
    _id_problems(record, problems, session=True)
    for name in _SESSION_STRINGS:
        _required_string(record, name, problems)
    state = record.get("state")
    if not (isinstance(state, str) and state in _STATES):
        if state is None:
            problems.append("state missing" if "state" not in record else "state is null")
        else:
            problems.append(f"state is not one of {', '.join(STATES)}")
    signing_id = record.get("signing_id")
    if signing_id is not None and not isinstance(signing_id, str):
        problems.append("signing_id is not a string")
    parent = record.get("parent_id")
    if parent is not None and not isinstance(parent, str):
        problems.append("parent_id is not a string or null")
    started = parse_iso(record.get("started_at"))
    if started is None:
        if record.get("started_at") is None:
            problems.append("started_at missing" if "started_at" not in record else "started_at is null")
        else:
            problems.append("started_at is not an ISO 8601 datetime")
    raw_end = record.get("ended_at")
    if raw_end is not None:
        ended = parse_iso(raw_end)
        if ended is None:
            problems.append("ended_at is not an ISO 8601 datetime or null")
        elif started is not None and ended < started:
            problems.append("ended_at is before started_at")
    if detail:
        _summary_problems(record, problems)
    return problems


def _summary_problems(record: dict[str, Any], problems: list[str]) -> None:
    if "risk_summary" not in record:
        problems.append("risk_summary missing")
        return
    summary = record["risk_summary"]
    if summary is None:
        problems.append("risk_summary is null")
        return
    if not isinstance(summary, dict):
        problems.append("risk_summary is not an object")
        return
    for name in _SUMMARY_FIELDS:
        if name not in summary:
            problems.append(f"risk_summary.{name} missing")
            continue
        value = summary[name]
        # Null figures are allowed: the API sends them for a session without scores.
        if value is None:
            continue
        if name == "avg_risk":
            # A mean need not be an integer; the documentation does not say it is rounded.
            ok = type(value) in (int, float) and 0 <= value <= 100
        else:
            # "Integer-ish": 47.0 is accepted, 47.5 is not.
            ok = (type(value) is int or (type(value) is float and value.is_integer())) and value >= 0
            if ok and name == "max_risk":
                ok = value <= 100
        if not ok:
            expected = {"total_events": "a non-negative integer", "max_risk": "an integer 0-100"}.get(
                name, "a number 0-100"
            )
            problems.append(f"risk_summary.{name} is not {expected}")


def event_problems(record: Any, session_id: str | None = None, *, running: bool = False) -> list[str]:
    """Why an event record fails validation.

    Args:
        record: the parsed JSON record.
        session_id: the session whose events list served it; a ``session_id`` field
            naming another session is a problem.
        running: the session was not ended when fetched, so a null score is one still being
            computed (Quint scores asynchronously), not a problem.

    Returns:
        One reason per problem; empty when the record passes.
    """
    if not isinstance(record, dict):
        return ["record is not an object"]
    problems: list[str] = []
    _id_problems(record, problems, session=False)
    score = record.get("risk_score")
    # type() rather than isinstance: True is an int to Python, and 15.0 is a fractional JSON number.
    if not (type(score) is int and _SCORE_LOW <= score <= _SCORE_HIGH):
        if "risk_score" not in record:
            problems.append("risk_score missing")
        elif score is None:
            if not running:
                problems.append("risk_score is null")
        else:
            problems.append(f"risk_score is not an integer {_SCORE_LOW}-{_SCORE_HIGH}")
    if not is_iso(record.get("timestamp")):
        if record.get("timestamp") is None:
            problems.append("timestamp missing" if "timestamp" not in record else "timestamp is null")
        else:
            problems.append("timestamp is not an ISO 8601 datetime")
    for name in _EVENT_STRINGS:
        _required_string(record, name, problems)
    arguments = record.get("arguments")
    if arguments is not None and not (type(arguments) is list and all(type(a) is str for a in arguments)):
        problems.append("arguments is not a list of strings")
    decision = record.get("decision")
    if decision is not None and not (isinstance(decision, str) and decision in _DECISIONS):
        problems.append(f"decision is not {' or '.join(DECISIONS)}")
    owner = record.get("session_id")
    if owner is not None:
        if not isinstance(owner, str):
            problems.append("session_id is not a string")
        elif session_id is not None and owner != session_id:
            problems.append("session_id differs from the session that served it")
    agent = record.get("agent_id")
    if agent is not None and not isinstance(agent, str):
        problems.append("agent_id is not a string")
    return problems
