"""Planted data defects, unknown extra fields and hostile strings (``defects=True``).

Every planted session is an ended session inside the six-week window, built
for exactly one defect, so each manifest entry triggers exactly its own check
and nothing else (see DESIGN.md, "Planted defects", for the conventions the
checks follow: distinct events, valid scores, which session is reported).
Mutations never touch them: they only change sessions that have not ended.
"""

from __future__ import annotations

import json
import random
from typing import Any

from quint_reports.simulator.generate import Generator, new_uuid
from quint_reports.simulator.org import MISSING, Session
from quint_reports.simulator.vocab import (
    HOSTILE_ARGUMENTS,
    HOSTILE_MODELS,
    HOSTILE_PLATFORMS,
    HOSTILE_SESSION_NAMES,
    WINDOW_DAYS,
    iso,
    jdump,
    parse_iso,
)

Entry = dict[str, str]


class Planter:
    """Builds planted sessions and collects the manifest entries describing them."""

    def __init__(self, gen: Generator, seed: int) -> None:
        self.gen = gen
        self.org = gen.org
        self.rng = random.Random(f"{seed}:defects")
        self.defects: list[Entry] = []
        self.hostile: list[dict[str, str]] = []
        self.extra_fields: list[dict[str, str]] = []
        self.unlisted: list[str] = []

    def leaf(
        self,
        *,
        parent: Session | None = None,
        start: int | None = None,
        end: int | None = None,
        n: int | None = None,
        **fixed: Any,
    ) -> Session:
        """An ended session with a few clean events (root unless ``parent`` is given)."""
        rng = self.rng
        if start is None:
            start = self.org.start_ts + rng.randint(3600, WINDOW_DAYS * 86400 - 4 * 3600)
        if end is None:
            end = start + rng.randint(900, 2 * 3600)
        return self.gen.session(
            rng,
            parent=parent,
            start=start,
            end=end,
            state="ended",
            n_events=n if n is not None else rng.randint(6, 40),
            **fixed,
        )

    def note(
        self, check: str, s: Session | str, detail: str, expected: Any = "", actual: Any = "", **more: str
    ) -> None:
        """Add one manifest entry."""
        sid = s if isinstance(s, str) else s.id
        self.defects.append(
            {
                "check": check,
                "session_id": sid,
                "detail": detail,
                "expected": str(expected),
                "actual": str(actual),
                **more,
            }
        )

    def set_parent(self, s: Session, parent_id: str) -> None:
        """Point a session at a parent (planted links bypass the generator's window rules)."""
        s.record["parent_id"] = parent_id
        s.link = parent_id

    def event(self, s: Session, body: dict[str, Any], *, risk: Any, counts: bool = True) -> str:
        """Append a hand-built event (served exactly as ``body``) after the session's events."""
        ts = s.last_ts + 5
        body.setdefault("id", new_uuid(self.rng))
        full = {
            "id": body["id"],
            "session_id": s.id,
            "agent_id": "claude-code",
            "action_type": "PROCESS_EXEC",
            "tool_name": "bash",
            "arguments": ["-c", "make test"],
            "risk_score": risk,
            "decision": "allow",
            "timestamp": iso(ts),
        }
        full.update(body)
        for key in [k for k, v in body.items() if v is MISSING]:
            del full[key]
        self.org.add_event(
            s,
            full["id"],
            ts,
            full.get("action_type", ""),
            full.get("tool_name", ""),
            jdump(full.get("arguments")),
            risk,
            full.get("decision", ""),
            "claude-code",
            served=jdump(full).encode(),
            counts=counts,
        )
        return str(full["id"])


def _risk_summary(p: Planter) -> None:
    for k, delta in enumerate((4, -1, 12)):
        s = p.leaf(n=10 + k)
        own = s.risk_summary()
        total = s.n_events
        s.summary = {**own, "total_events": total + delta}
        p.note(
            "risk_summary.total_events_mismatch",
            s,
            f"risk_summary.total_events off by {delta:+d}",
            total,
            total + delta,
        )
    for _ in range(3):
        s = p.leaf()
        own = s.risk_summary()
        top = own["max_risk"] or 0
        s.summary = {**own, "max_risk": top + 10 if top <= 90 else top - 10}
        p.note(
            "risk_summary.max_risk_mismatch",
            s,
            "risk_summary.max_risk differs from the events' maximum by 10",
            top,
            s.summary["max_risk"],
        )
    for _ in range(3):
        s = p.leaf()
        own = s.risk_summary()
        avg = own["avg_risk"] or 0
        s.summary = {**own, "avg_risk": avg + 5 if avg <= 95 else avg - 5}
        mean = s.sum_risk / s.n_valid
        p.note(
            "risk_summary.avg_risk_mismatch",
            s,
            "risk_summary.avg_risk is 5 away from the rounded mean",
            f"{mean:.2f}",
            s.summary["avg_risk"],
        )
    for _ in range(2):
        s = p.leaf()
        s.summary = {"total_events": None, "max_risk": None, "avg_risk": None}
        p.note(
            "risk_summary.null_figures",
            s,
            "risk_summary has total_events, max_risk and avg_risk null although the session has scored events",
            "figures over the scored events",
            "null",
        )
    for how in ("absent", "absent", "null"):
        s = p.leaf()
        s.summary = MISSING if how == "absent" else "null"
        p.note(
            "risk_summary.missing",
            s,
            f"detail has {'no risk_summary key' if how == 'absent' else 'risk_summary: null'}",
            "risk_summary",
            how,
        )


def _hierarchy(p: Planter) -> None:
    for _ in range(3):
        s = p.leaf()
        ghost = new_uuid(p.rng)
        p.set_parent(s, ghost)
        p.org.missing.append(ghost)
        p.note("hierarchy.orphan", s, f"parent_id {ghost} answers 404", ghost, "404")
    for size in (2, 3):
        start = p.org.start_ts + p.rng.randint(3600, WINDOW_DAYS * 86400 - 4 * 3600)
        ring = [p.leaf(start=start, end=start + 1800) for _ in range(size)]
        for i, s in enumerate(ring):
            # Same window for every member: no child lies outside its parent's window.
            p.set_parent(s, ring[(i + 1) % size].id)
        path = " -> ".join(s.id for s in ring + ring[:1])
        for s in ring:
            p.note("hierarchy.cycle", s, f"parent_id cycle of {size}: {path}", "acyclic", path)
    for _ in range(2):
        s = p.leaf()
        p.set_parent(s, s.id)
        p.note("hierarchy.self_parent", s, "parent_id is the session's own id", "another session or null", s.id)
    for where in ("both", "endpoint", "detail"):
        parent = p.leaf()
        kids = [
            p.leaf(parent=parent, start=parent.started_ts + 60 * (i + 1), end=parent.started_ts + 60 * (i + 2))
            for i in range(2)
        ]
        hidden = kids[0]
        if where in ("both", "detail"):
            parent.hide_child_in_detail.add(hidden.id)
        if where in ("both", "endpoint"):
            parent.hide_child_in_endpoint.add(hidden.id)
        lists = {"both": "detail children and /children", "endpoint": "/children", "detail": "detail children"}
        p.note(
            "hierarchy.children_mismatch",
            parent,
            f"{lists[where]} omit child {hidden.id} whose parent_id is this session",
            hidden.id,
            "absent",
        )
    for how in ("starts_before", "ends_after", "after_end"):
        parent = p.leaf()
        ps, pe = parent.started_ts, parent.ended_ts or parent.started_ts
        start, end = {
            "starts_before": (ps - 600, ps + 300),
            "ends_after": (ps + 60, pe + 900),
            "after_end": (pe + 300, pe + 900),
        }[how]
        child = p.leaf(parent=parent, start=start, end=end)
        p.note(
            "hierarchy.child_outside_parent_window",
            child,
            f"child {how.replace('_', ' ')} of parent {parent.id}",
            f"[{iso(ps)}, {iso(pe)}]",
            f"[{iso(start)}, {iso(end)}]",
        )


def _data(p: Planter) -> None:
    base = new_uuid(p.rng)
    for sid in (base[:-1] + "g", base[:35], "session-" + base[:8]):
        s = p.leaf(sid=sid)
        p.note("data.invalid_id", s, "session id is not a UUID", "UUID", sid)
    s = p.leaf()
    bad = new_uuid(p.rng)[:-2] + "zz"
    p.event(s, {"id": bad}, risk=7)
    p.note("data.invalid_id", s, f"event id {bad} is not a UUID", "UUID", bad, event_id=bad)
    for risk in (150, -5, None, "high"):
        s = p.leaf()
        eid = p.event(s, {"risk_score": risk}, risk=risk)
        # A null score in an ended session is one that never arrived: unscored, not malformed.
        check = "data.risk_score_unscored" if risk is None else "data.risk_score_invalid"
        p.note(
            check,
            s,
            f"event risk_score {jdump(risk)} (not an integer 0-100); "
            "risk_summary counts the event but leaves the score out of max/avg",
            "integer 0-100",
            jdump(risk),
            event_id=eid,
        )
    for _ in range(3):
        s = p.leaf()
        twice = s.events[-1]
        ev = json.loads(twice)
        p.org.add_event(
            s,
            ev["id"],
            parse_iso(ev["timestamp"]),
            ev["action_type"],
            ev["tool_name"],
            "",
            ev["risk_score"],
            ev["decision"],
            ev["agent_id"],
            served=twice,
            counts=False,
        )
        p.note(
            "data.duplicate_event",
            s,
            f"event {ev['id']} is served twice; risk_summary counts it once",
            "1",
            "2",
            event_id=ev["id"],
        )
    for gap in (60, 3600, 86400):
        s = p.leaf()
        s.record["ended_at"] = iso(s.started_ts - gap)
        s.ended_ts = s.started_ts - gap
        p.note(
            "data.ended_before_started",
            s,
            f"ended_at is {gap} s before started_at",
            s.record["started_at"],
            s.record["ended_at"],
        )
    for field in ("model", "platform", "session_name"):
        s = p.leaf()
        del s.record[field]
        p.note("data.missing_field", s, f"session record has no {field}", field, "absent", field=field)
    s = p.leaf()
    eid = p.event(s, {"tool_name": MISSING}, risk=3)
    p.note(
        "data.missing_field", s, f"event {eid} has no tool_name", "tool_name", "absent", field="tool_name", event_id=eid
    )


def _extras_and_hostile(p: Planter) -> None:
    parent = p.leaf()
    child = p.leaf(parent=parent, start=parent.started_ts + 60, end=parent.started_ts + 600)
    for s, field, value in (
        (parent, "x_quint_region", "eu-west-1"),
        (parent, "labels", {"team": "payments"}),
        (child, "cost_usd", 0.42),
    ):
        s.record[field] = value
        p.extra_fields.append({"session_id": s.id, "where": "session", "field": field})
    eid = p.event(parent, {"sandbox": {"pid": 4242, "exit_code": 0}, "x_trace_id": "trace-0001"}, risk=9)
    for field in ("sandbox", "x_trace_id"):
        p.extra_fields.append({"session_id": parent.id, "where": "event", "field": field, "event_id": eid})
    hostile: list[tuple[str, str]] = [("session_name", v) for v in HOSTILE_SESSION_NAMES]
    hostile += [("model", v) for v in HOSTILE_MODELS] + [("platform", v) for v in HOSTILE_PLATFORMS]
    previous: Session | None = None
    for field, value in hostile:
        if field == "session_name" and value.startswith("../") and previous is not None:
            s = p.leaf(parent=previous, start=previous.started_ts + 30, end=previous.started_ts + 90, name=value)
        else:
            s = (
                p.leaf(name=value)
                if field == "session_name"
                else (p.leaf(model=value) if field == "model" else p.leaf(platform=value))
            )
        p.hostile.append({"session_id": s.id, "field": field, "value": value})
        previous = s
    for args in HOSTILE_ARGUMENTS:
        s = p.leaf()
        eid = p.event(s, {"arguments": list(args)}, risk=20)
        p.hostile.append({"session_id": s.id, "field": "arguments", "value": jdump(list(args)), "event_id": eid})
    parent = p.leaf()
    for i in range(2):
        s = p.leaf(
            parent=parent, start=parent.started_ts + 100 * (i + 1), end=parent.started_ts + 100 * (i + 2), listed=False
        )
        p.unlisted.append(s.id)


def plant(gen: Generator, seed: int) -> tuple[list[Entry], dict[str, Any]]:
    """Plant every defect kind a few times, plus extra fields, hostile strings and unlisted children.

    Args:
        gen: the organisation's generator.
        seed: the simulator's seed.

    Returns:
        The manifest's defect entries, and its ``hostile``, ``extra_fields`` and ``unlisted`` keys.
    """
    p = Planter(gen, seed)
    _risk_summary(p)
    _hierarchy(p)
    _data(p)
    _extras_and_hostile(p)
    return p.defects, {"hostile": p.hostile, "extra_fields": p.extra_fields, "unlisted": p.unlisted}
