"""The list endpoints' filters, their optional pagination, and ``/v1/events/stats``.

Time filters: ``since`` is inclusive, ``until`` exclusive, so that adjacent
windows never overlap. A filter value the data does not contain gives an empty
list; a value that cannot be parsed gives 400 ``bad_request``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import numpy as np

from quint_reports.metrics import BANDS
from quint_reports.simulator.org import INVALID_RISK, Org, Session
from quint_reports.simulator.vocab import iso, jdump, parse_iso


class BadRequest(Exception):
    """A query parameter could not be understood (answered with 400)."""


def _time(params: Mapping[str, str], name: str) -> int | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        return parse_iso(text)
    except ValueError:
        raise BadRequest(f"invalid {name}: expected an ISO 8601 date or datetime") from None


def _int(params: Mapping[str, str], name: str, low: int, high: int) -> int | None:
    text = params.get(name)
    if text is None or text == "":
        return None
    try:
        value = int(text)
    except ValueError:
        raise BadRequest(f"invalid {name}: expected an integer") from None
    if not low <= value <= high:
        raise BadRequest(f"invalid {name}: must be between {low} and {high}")
    return value


def _page(
    org: Org, key: str, items: list[bytes], params: Mapping[str, str], path: str, base: str, page_size: int | None
) -> bytes:
    """Wrap list items in ``{key: [...]}``, one page of them when paginating."""
    if page_size is None:
        return b'{"' + key.encode() + b'": [' + b", ".join(items) + b"]}"
    start = _int(params, "cursor", 0, 2**31) or 0
    chunk = items[start : start + page_size]
    nxt = None
    if start + page_size < len(items):
        query = {k: v for k, v in params.items() if k != "cursor"}
        query["cursor"] = str(start + page_size)
        nxt = f"{base}{path}?{urlencode(query)}"
    return b'{"' + key.encode() + b'": [' + b", ".join(chunk) + b'], "next": ' + jdump(nxt).encode() + b"}"


def list_sessions(org: Org, params: Mapping[str, str], base: str, page_size: int | None) -> bytes:
    """Body of ``GET /v1/sessions`` (filters: state, platform, root_only, since, until).

    Args:
        org: the organisation.
        params: query parameters (first value of each).
        base: scheme and host for ``next`` links.
        page_size: records per page, or None for the documented unpaginated list.

    Returns:
        The JSON body.

    Raises:
        BadRequest: a parameter could not be parsed.
    """
    since, until = _time(params, "since"), _time(params, "until")
    root_only = params.get("root_only", "").lower() in ("true", "1", "yes")
    state, platform = params.get("state"), params.get("platform")
    key = ("sessions", state, platform, root_only, since, until)

    def matching() -> list[Session]:
        out = []
        for s in org.ordered:
            rec = s.record
            if state is not None and rec.get("state") != state:
                continue
            if platform is not None and rec.get("platform") != platform:
                continue
            if root_only and rec.get("parent_id") is not None:
                continue
            if since is not None and s.started_ts < since:
                continue
            if until is not None and s.started_ts >= until:
                continue
            out.append(s)
        return out

    with org.lock:
        if page_size is None:
            return org.cached(
                key,
                lambda: _page(
                    org, "sessions", [org.record_bytes(s) for s in matching()], params, "/v1/sessions", base, None
                ),
            )
        items = [org.record_bytes(s) for s in matching()]
    return _page(org, "sessions", items, params, "/v1/sessions", base, page_size)


def _event_rows(org: Org, params: Mapping[str, str]) -> np.ndarray:
    """Rows of ``/v1/events`` matching the filters, in timestamp order."""
    since, until = _time(params, "since"), _time(params, "until")
    risk_min, risk_max = _int(params, "risk_min", 0, 100), _int(params, "risk_max", 0, 100)
    cols = org.columns()
    order = cols["order"]
    n = len(order)
    sorted_ts = cols["ts"][order]
    lo = 0 if since is None else int(np.searchsorted(sorted_ts, since, side="left"))
    hi = n if until is None else int(np.searchsorted(sorted_ts, until, side="left"))
    rows = order[lo:hi]
    empty = np.empty(0, dtype=rows.dtype)
    columns = (
        ("agent_id", cols["agent"], org.agents.code),
        ("action_type", cols["action"], org.actions.code),
        ("tool_name", cols["tool"], org.tools.code),
        ("decision", cols["decision"], org.decisions.code),
    )
    for name, column, codes in columns:
        value = params.get(name)
        if value is None:
            continue
        code = codes.get(value)
        if code is None:
            return empty
        rows = rows[column[rows] == code]
    sid = params.get("session_id")
    if sid is not None:
        s = org.by_id.get(sid)
        if s is None:
            return empty
        rows = rows[cols["sess"][rows] == s.idx]
    if risk_min is not None or risk_max is not None:
        risk = cols["risk"][rows]
        keep = risk != INVALID_RISK
        if risk_min is not None:
            keep &= risk >= risk_min
        if risk_max is not None:
            keep &= risk <= risk_max
        rows = rows[keep]
    return rows


_EVENT_FILTERS = (
    "agent_id",
    "session_id",
    "action_type",
    "tool_name",
    "decision",
    "risk_min",
    "risk_max",
    "since",
    "until",
)


def list_events(org: Org, params: Mapping[str, str], base: str, page_size: int | None) -> bytes:
    """Body of ``GET /v1/events`` with the documented filters.

    Args:
        org: the organisation.
        params: query parameters (first value of each).
        base: scheme and host for ``next`` links.
        page_size: events per page, or None for the documented unpaginated list.

    Returns:
        The JSON body.

    Raises:
        BadRequest: a parameter could not be parsed.
    """
    key = ("events",) + tuple(params.get(k) for k in _EVENT_FILTERS)
    with org.lock:
        if page_size is None:

            def build() -> bytes:
                return _page(
                    org,
                    "events",
                    [org.ev_bytes[i] for i in _event_rows(org, params).tolist()],
                    params,
                    "/v1/events",
                    base,
                    None,
                )

            return org.cached(key, build)
        items = [org.ev_bytes[i] for i in _event_rows(org, params).tolist()]
    return _page(org, "events", items, params, "/v1/events", base, page_size)


def event_stats(org: Org) -> bytes:
    """Body of ``GET /v1/events/stats``: the last 24 hours before the simulated now."""
    with org.lock:
        until = org.now_ts + 1
        since = until - 86400
        rows = _event_rows(org, {"since": iso(since), "until": iso(until)})
        cols = org.columns()
        risk = cols["risk"][rows].astype(np.int64)
        valid = risk[(risk >= 0) & (risk <= 100)]
        names = {code: text for text, code in org.actions.code.items()}
        action = cols["action"][rows]
        decisions = {code: text for text, code in org.decisions.code.items()}
        decision = cols["decision"][rows]
        body: dict[str, Any] = {
            "window_hours": 24,
            "since": iso(since),
            "until": iso(until),
            "total_events": len(rows),
            "by_action_type": {
                names[int(c)]: int(k) for c, k in zip(*np.unique(action, return_counts=True), strict=False)
            },
            "by_decision": {
                decisions[int(c)]: int(k) for c, k in zip(*np.unique(decision, return_counts=True), strict=False)
            },
            "risk_distribution": {b.key: int(((valid >= b.low) & (valid <= b.high)).sum()) for b in BANDS},
            "invalid_risk_scores": int(len(risk) - len(valid)),
            "avg_risk": round(float(valid.mean()), 2) if len(valid) else None,
            "max_risk": int(valid.max()) if len(valid) else None,
        }
        return jdump(body).encode()
