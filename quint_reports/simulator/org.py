"""The simulated organisation: sessions, events, and the exact bytes served for them.

Events are kept as the JSON bytes the API serves (one ``bytes`` per event)
plus compact columns (``array``) for the ``/v1/events`` filters; sessions keep
their record as a dict. Response bodies are built from those pieces and
cached until the next mutation, so serving never re-encodes an event.
"""

from __future__ import annotations

import gc
import json
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from quint_reports.simulator.vocab import WINDOW_DAYS, iso, jdump

INVALID_RISK = -32768
"""Column value for a risk score that is not an integer (null, text)."""

MISSING: Any = object()
"""Marker: the session's detail carries no ``risk_summary`` key at all."""

_CACHE_MAX_BYTES = 16 * 1024 * 1024
"""Query results larger than this are rebuilt per request instead of cached."""
_QUERY_CACHE_BYTES = 128 * 1024 * 1024
"""Budget for cached query results (filtered lists)."""


@dataclass(eq=False)
class Session:
    """One session as the simulator holds it.

    ``record`` is the list/detail record exactly as served (planted missing or
    extra fields included). ``link`` is the parent id the API uses to build
    children lists; it equals ``record["parent_id"]`` except for planted data.
    """

    idx: int
    id: str
    record: dict[str, Any]
    link: str | None
    started_ts: int
    ended_ts: int | None
    last_ts: int
    listed: bool = True
    events: list[bytes] = field(default_factory=list)
    n_events: int = 0
    n_valid: int = 0
    sum_risk: int = 0
    max_risk: int | None = None
    summary: Any = None
    """None: computed from own events; a dict, ``MISSING`` or ``"null"``: served as planted."""
    hide_child_in_detail: set[str] = field(default_factory=set)
    hide_child_in_endpoint: set[str] = field(default_factory=set)

    def risk_summary(self) -> dict[str, int | None]:
        """The summary over the session's own distinct events (valid scores for max/avg)."""
        avg = None
        if self.n_valid:
            # Round half up, as SQL's round() does; Python's round() is banker's rounding.
            avg = (2 * self.sum_risk + self.n_valid) // (2 * self.n_valid)
        return {"total_events": self.n_events, "max_risk": self.max_risk, "avg_risk": avg}


class Codes:
    """Interns strings of one event column into small integer codes."""

    def __init__(self) -> None:
        self.code: dict[str, int] = {}

    def get(self, text: str) -> int:
        """Return the code of ``text``, adding it when new."""
        found = self.code.get(text)
        if found is None:
            found = self.code[text] = len(self.code)
        return found


class Org:
    """Sessions and events of one simulated organisation, with response caches."""

    def __init__(self, now_ts: int) -> None:
        self.now_ts = now_ts
        self.end_ts = now_ts
        """The clock when the organisation was generated: the end of its generated history."""
        self.start_ts = now_ts - WINDOW_DAYS * 86400
        """The earliest generated start."""
        self.lock = threading.RLock()
        self.sessions: list[Session] = []
        self.by_id: dict[str, Session] = {}
        self.missing: list[str] = []
        self.children_of: dict[str, list[Session]] = {}
        self.ordered: list[Session] = []
        # Event columns, one entry per served /v1/events row.
        self.ev_bytes: list[bytes] = []
        self.ev_ts = array("q")
        self.ev_sess = array("i")
        self.ev_risk = array("h")
        self.ev_action = array("h")
        self.ev_tool = array("h")
        self.ev_decision = array("h")
        self.ev_agent = array("h")
        self.actions, self.tools, self.decisions, self.agents = Codes(), Codes(), Codes(), Codes()
        self._cols: dict[str, np.ndarray] | None = None
        self._ids: dict[str, int] | None = None
        self._bodies: dict[tuple[Any, ...], bytes] = {}
        self._queries: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
        self._query_bytes = 0
        self.pending: dict[str, list[tuple[int, int, int]]] = {}
        """Unscored events of a live organisation: session id -> (position, row, score to come)."""

    # -- building -------------------------------------------------------
    def add_session(
        self,
        sid: str,
        record: dict[str, Any],
        link: str | None,
        started_ts: int,
        ended_ts: int | None,
        listed: bool = True,
    ) -> Session:
        """Add a session (events come with ``add_event``)."""
        s = Session(len(self.sessions), sid, record, link, started_ts, ended_ts, started_ts, listed)
        self.sessions.append(s)
        self.by_id[sid] = s
        return s

    def add_event(
        self,
        s: Session,
        eid: str,
        ts: int,
        action: str,
        tool: str,
        args_json: str,
        risk: Any,
        decision: str,
        agent: str,
        *,
        served: bytes | None = None,
        listed: bytes | None = None,
        counts: bool = True,
    ) -> bytes:
        """Append one event to a session and to the global event index.

        Args:
            s: the owning session.
            eid: event id as served.
            ts: event time, epoch seconds.
            action, tool, decision, agent: column values.
            args_json: the ``arguments`` value, already JSON-encoded.
            risk: the served ``risk_score`` (normally an int; planted: null, text, out of range).
            served: bytes for the per-session endpoint when they differ from the generated shape.
            listed: bytes for ``/v1/events`` when they differ from ``served``.
            counts: False for a planted duplicate, which the summary counts once.

        Returns:
            The bytes served by ``/v1/sessions/{id}/events``.
        """
        if served is None:
            served = (
                f'{{"id": "{eid}", "session_id": "{s.id}", "agent_id": "{agent}", "action_type": "{action}", '
                f'"tool_name": "{tool}", "arguments": {args_json}, "risk_score": {jdump(risk)}, '
                f'"decision": "{decision}", "timestamp": "{iso(ts)}"}}'
            ).encode()
        s.events.append(served)
        self.ev_bytes.append(listed if listed is not None else served)
        valid = isinstance(risk, int) and not isinstance(risk, bool) and 0 <= risk <= 100
        numeric = isinstance(risk, int) and not isinstance(risk, bool)
        self.ev_ts.append(ts)
        self.ev_sess.append(s.idx)
        self.ev_risk.append(risk if numeric else INVALID_RISK)
        self.ev_action.append(self.actions.get(action))
        self.ev_tool.append(self.tools.get(tool))
        self.ev_decision.append(self.decisions.get(decision))
        self.ev_agent.append(self.agents.get(agent))
        if counts:
            s.n_events += 1
            if valid:
                s.n_valid += 1
                s.sum_risk += risk
                s.max_risk = risk if s.max_risk is None else max(s.max_risk, risk)
        s.last_ts = max(s.last_ts, ts)
        return served

    def add_clean_events(
        self,
        s: Session,
        served: list[bytes],
        ts: list[int],
        risk: list[int],
        action: list[int],
        tool: list[int],
        decision: list[int],
        agent: int,
    ) -> None:
        """Append generated events in bulk: every score valid, codes already interned.

        Args:
            s: the owning session.
            served: event bodies, in time order.
            ts, risk, action, tool, decision: one column value per event (codes for the text columns).
            agent: the agent code shared by all of them.
        """
        n = len(served)
        s.events.extend(served)
        self.ev_bytes.extend(served)
        self.ev_ts.extend(ts)
        self.ev_sess.extend([s.idx] * n)
        self.ev_risk.extend(risk)
        self.ev_action.extend(action)
        self.ev_tool.extend(tool)
        self.ev_decision.extend(decision)
        self.ev_agent.extend([agent] * n)
        if n:
            s.n_events += n
            s.n_valid += n
            s.sum_risk += sum(risk)
            top = max(risk)
            s.max_risk = top if s.max_risk is None else max(s.max_risk, top)
            s.last_ts = max(s.last_ts, ts[-1])

    def finalize(self) -> None:
        """Rebuild derived indexes and drop cached bodies; call after any change."""
        self.ordered = sorted((s for s in self.sessions if s.listed), key=lambda s: (s.started_ts, s.id))
        self.children_of = {}
        for s in sorted(self.sessions, key=lambda s: (s.started_ts, s.id)):
            if s.link is not None:
                self.children_of.setdefault(s.link, []).append(s)
        self._cols = None
        self._ids = None
        self._bodies.clear()
        self._queries.clear()
        self._query_bytes = 0

    def defer_score(self, s: Session, score: int) -> None:
        """Mark the event just added to ``s`` (served with ``risk_score: null``) to be scored later."""
        self.pending.setdefault(s.id, []).append((len(s.events) - 1, len(self.ev_bytes) - 1, score))

    def score_pending(self, s: Session, share: float = 1.0) -> bool:
        """Give the oldest ``share`` (at least one) of the session's unscored events their score."""
        waiting = self.pending.get(s.id)
        if not waiting:
            return False
        n = max(1, round(share * len(waiting)))
        for pos, row, score in waiting[:n]:
            scored = s.events[pos].replace(b'"risk_score": null', b'"risk_score": %d' % score, 1)
            s.events[pos] = self.ev_bytes[row] = scored
            self.ev_risk[row] = score
            s.n_valid += 1
            s.sum_risk += score
            s.max_risk = score if s.max_risk is None else max(s.max_risk, score)
        if n < len(waiting):
            self.pending[s.id] = waiting[n:]
        else:
            del self.pending[s.id]
        return True

    def invalidate(self, ids: set[str]) -> list[str]:
        """Drop the cached bodies of changed sessions (and of their parents); return all their ids.

        Cheaper than ``finalize``: a live tick changes records and events, never which sessions exist.
        """
        touched = set(ids)
        for sid in ids:
            link = self.by_id[sid].link
            if link is not None and link in self.by_id:
                touched.add(link)
        for key in [k for k in self._bodies if k[1] in touched]:
            del self._bodies[key]
        self._cols = None
        self._ids = None
        self._queries.clear()
        self._query_bytes = 0
        return sorted(touched)

    # -- records --------------------------------------------------------
    def child_record(self, s: Session) -> dict[str, Any]:
        """The record ``/children`` serves: the session record without ``signing_id``."""
        return {k: v for k, v in s.record.items() if k != "signing_id"}

    def children(self, s: Session, where: str) -> list[Session]:
        """Children listed by the parent's ``detail`` or by the ``endpoint``."""
        hidden = s.hide_child_in_detail if where == "detail" else s.hide_child_in_endpoint
        return [c for c in self.children_of.get(s.id, []) if c.id not in hidden]

    def detail(self, s: Session) -> dict[str, Any]:
        """The detail record: session record, ``children`` records and ``risk_summary``."""
        out = dict(s.record)
        out["children"] = [self.child_record(c) for c in self.children(s, "detail")]
        if s.summary is None:
            out["risk_summary"] = s.risk_summary()
        elif s.summary == "null":
            out["risk_summary"] = None
        elif s.summary is not MISSING:
            out["risk_summary"] = s.summary
        return out

    # -- bodies ---------------------------------------------------------
    def cached(self, key: tuple[Any, ...], build: Callable[[], bytes]) -> bytes:
        """Return a cached body, building it with ``build()`` on a miss.

        Per-resource bodies (key starting with ``detail``, ``children`` or ``record``) stay until the
        next change; query results are kept least-recently-used within a byte budget.
        """
        with self.lock:
            per_resource = key[0] in ("detail", "children", "record")
            store = self._bodies if per_resource else self._queries
            body = store.get(key)
            if body is not None:
                if not per_resource:
                    self._queries.move_to_end(key)
                return body
            body = build()
            if per_resource:
                self._bodies[key] = body
            elif len(body) <= _CACHE_MAX_BYTES:
                self._queries[key] = body
                self._query_bytes += len(body)
                while self._query_bytes > _QUERY_CACHE_BYTES:
                    self._query_bytes -= len(self._queries.popitem(last=False)[1])
            return body

    def detail_body(self, sid: str) -> bytes | None:
        """Body of ``GET /v1/sessions/{id}``, or None when unknown."""
        s = self.by_id.get(sid)
        if s is None:
            return None
        return self.cached(("detail", sid), lambda: jdump(self.detail(s)).encode())

    def children_body(self, sid: str) -> bytes | None:
        """Body of ``GET /v1/sessions/{id}/children``, or None when unknown."""
        s = self.by_id.get(sid)
        if s is None:
            return None
        return self.cached(
            ("children", sid),
            lambda: jdump({"children": [self.child_record(c) for c in self.children(s, "endpoint")]}).encode(),
        )

    def events_body(self, sid: str) -> bytes | None:
        """Body of ``GET /v1/sessions/{id}/events``, or None when unknown."""
        s = self.by_id.get(sid)
        if s is None:
            return None
        with self.lock:
            return b'{"events": [' + b", ".join(s.events) + b"]}"

    def record_bytes(self, s: Session) -> bytes:
        """One list element of ``GET /v1/sessions``."""
        return self.cached(("record", s.id), lambda: jdump(s.record).encode())

    def columns(self) -> dict[str, np.ndarray]:
        """Numpy copies of the event columns plus ``order`` (rows by timestamp), until the next change."""
        with self.lock:
            if self._cols is None:
                # Copies, not views: an array.array exporting its buffer could no longer grow.
                cols = {
                    name: np.array(getattr(self, "ev_" + name))
                    for name in ("ts", "sess", "risk", "action", "tool", "decision", "agent")
                }
                cols["order"] = np.argsort(cols["ts"], kind="stable")
                self._cols = cols
            return self._cols

    def event_row(self, eid: str) -> int | None:
        """Row of the first ``/v1/events`` entry with this id, or None."""
        with self.lock:
            if self._ids is None:
                ids: dict[str, int] = {}
                for row, raw in enumerate(self.ev_bytes):
                    # Every event body starts with its id: {"id": "<id>", ...
                    end = raw.index(b'"', 8)
                    ids.setdefault(raw[8:end].decode(), row)
                self._ids = ids
            return self._ids.get(eid)

    # -- truth ----------------------------------------------------------
    def truth(self) -> dict[str, Any]:
        """Ground truth: every resource as served, parsed (see DESIGN.md)."""
        enabled = gc.isenabled()
        # Half a million small dicts: the cyclic collector would triple the time to build them.
        gc.disable()
        try:
            return self._truth()
        finally:
            if enabled:
                gc.enable()

    def _truth(self) -> dict[str, Any]:
        with self.lock:
            sessions = {s.id: json.loads(self.detail_body(s.id) or b"") for s in self.sessions}
            events = {s.id: json.loads(self.events_body(s.id) or b"")["events"] for s in self.sessions}
            children = {s.id: json.loads(self.children_body(s.id) or b"")["children"] for s in self.sessions}
            return {"sessions": sessions, "events": events, "children": children, "missing": list(self.missing)}
