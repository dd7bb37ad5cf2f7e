"""The API documentation's own examples, served verbatim.

- Session ``6ba7b810-9dad-11d1-80b4-00c04fd430c8`` ("Fix auth middleware")
  with the documented detail, including its ``risk_summary`` (47 / 35 / 8)
  that disagrees with its three documented events (3 / 15 / mean 10.67).
  Its events carry only the six documented fields on
  ``/v1/sessions/{id}/events``; ``/v1/events`` serves them with
  ``session_id``, ``agent_id`` and ``decision`` added, as every event there.
- Child ``7ca8c921-aeae-22e2-91c5-11d15ge541d9`` (not a UUID: it has a ``g``).
  The documented detail lists no children, so the child hangs under a
  separate, clean root ("Review auth middleware fix") to plant nothing but
  ``data.invalid_id``.
"""

from __future__ import annotations

import random
from typing import Any

from quint_reports.simulator.generate import Generator
from quint_reports.simulator.org import Session
from quint_reports.simulator.vocab import jdump, parse_iso

DOC_SESSION_ID = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
DOC_CHILD_ID = "7ca8c921-aeae-22e2-91c5-11d15ge541d9"
DOC_PARENT_ID = "6ba7b811-9dad-11d1-80b4-00c04fd430c8"
"""The clean root created to hold the documented child (not from the docs)."""

DOC_SESSION: dict[str, Any] = {
    "id": DOC_SESSION_ID,
    "session_name": "Fix auth middleware",
    "model": "claude-sonnet-4-20250514",
    "signing_id": "com.anthropic.claude-code",
    "state": "ended",
    "platform": "claude-code",
    "parent_id": None,
    "started_at": "2026-04-12T14:00:00Z",
    "ended_at": "2026-04-12T14:45:00Z",
}
DOC_SUMMARY = {"total_events": 47, "max_risk": 35, "avg_risk": 8}
DOC_EVENTS: list[dict[str, Any]] = [
    {
        "id": "550e8400-e29b-41d4-a716-446655440000",
        "action_type": "FILE_READ",
        "tool_name": "cat",
        "arguments": ["/app/src/middleware/auth.ts"],
        "risk_score": 5,
        "timestamp": "2026-04-12T14:01:00Z",
    },
    {
        "id": "550e8400-e29b-41d4-a716-446655440001",
        "action_type": "FILE_WRITE",
        "tool_name": "node",
        "arguments": ["/app/src/middleware/auth.ts"],
        "risk_score": 15,
        "timestamp": "2026-04-12T14:05:00Z",
    },
    {
        "id": "550e8400-e29b-41d4-a716-446655440002",
        "action_type": "PROCESS_EXEC",
        "tool_name": "git",
        "arguments": ["commit", "-m", "Fix auth middleware"],
        "risk_score": 12,
        "timestamp": "2026-04-12T14:06:00Z",
    },
]


def add_doc_examples(gen: Generator, seed: int) -> list[dict[str, str]]:
    """Add the documented examples; return their manifest defects.

    Args:
        gen: the generator of the organisation.
        seed: the simulator's seed (only the helper root's events depend on it).

    Returns:
        Manifest entries for the examples' own defects.
    """
    org = gen.org
    s = org.add_session(
        DOC_SESSION_ID,
        dict(DOC_SESSION),
        None,
        parse_iso(DOC_SESSION["started_at"]),
        parse_iso(DOC_SESSION["ended_at"]),
    )
    s.summary = dict(DOC_SUMMARY)
    for ev in DOC_EVENTS:
        full = {
            "id": ev["id"],
            "session_id": DOC_SESSION_ID,
            "agent_id": "claude-code",
            "action_type": ev["action_type"],
            "tool_name": ev["tool_name"],
            "arguments": ev["arguments"],
            "risk_score": ev["risk_score"],
            "decision": "allow",
            "timestamp": ev["timestamp"],
        }
        org.add_event(
            s,
            ev["id"],
            parse_iso(ev["timestamp"]),
            ev["action_type"],
            ev["tool_name"],
            jdump(ev["arguments"]),
            ev["risk_score"],
            "allow",
            "claude-code",
            served=jdump(ev).encode(),
            listed=jdump(full).encode(),
        )
    rng = random.Random(f"{seed}:docs")
    parent = gen.session(
        rng,
        parent=None,
        start=parse_iso("2026-04-12T15:00:00Z"),
        end=parse_iso("2026-04-12T15:40:00Z"),
        state="ended",
        n_events=12,
        name="Review auth middleware fix",
        model="claude-sonnet-4-20250514",
        platform="claude-code",
        sid=DOC_PARENT_ID,
    )
    gen.session(
        rng,
        parent=parent,
        start=parse_iso("2026-04-12T15:10:00Z"),
        end=parse_iso("2026-04-12T15:20:00Z"),
        state="ended",
        n_events=6,
        name="Run test suite",
        platform="claude-code",
        sid=DOC_CHILD_ID,
    )
    own = _own(s)
    return [
        {
            "check": "risk_summary.total_events_mismatch",
            "session_id": DOC_SESSION_ID,
            "source": "docs",
            "detail": f"documented risk_summary says 47 events; the documented events are {own['total_events']}",
            "expected": str(own["total_events"]),
            "actual": "47",
        },
        {
            "check": "risk_summary.max_risk_mismatch",
            "session_id": DOC_SESSION_ID,
            "source": "docs",
            "detail": f"documented max_risk 35; the highest documented event score is {own['max_risk']}",
            "expected": str(own["max_risk"]),
            "actual": "35",
        },
        {
            "check": "risk_summary.avg_risk_mismatch",
            "session_id": DOC_SESSION_ID,
            "source": "docs",
            "detail": "documented avg_risk 8; the documented events average 10.67 (rounds to 11)",
            "expected": "10.67",
            "actual": "8",
        },
        {
            "check": "data.invalid_id",
            "session_id": DOC_CHILD_ID,
            "source": "docs",
            "detail": "documented child id is not a UUID (contains 'g')",
            "expected": "UUID",
            "actual": DOC_CHILD_ID,
        },
    ]


def _own(s: Session) -> dict[str, int | None]:
    return s.risk_summary()
