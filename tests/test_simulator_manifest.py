"""The manifest says exactly what is served: an independent checker over the served data finds
every planted defect, under the session the manifest names, and nothing else."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from quint_reports.simulator import Simulator

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EDGE = re.compile(r"^[0-9]+-[0-9]{13}$")
"""Edge-generated session ids, {rootPID}-{startUnixMs}: valid too."""
SESSION_FIELDS = (
    "id",
    "session_name",
    "model",
    "signing_id",
    "state",
    "platform",
    "parent_id",
    "started_at",
    "ended_at",
)
EVENT_FIELDS = ("id", "action_type", "tool_name", "arguments", "risk_score", "timestamp")


def _valid_score(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 100


def find(truth: dict[str, Any]) -> set[tuple[str, str]]:
    """A plain-Python version of the checks, following DESIGN.md's conventions."""
    sessions, events, children, missing = truth["sessions"], truth["events"], truth["children"], truth["missing"]
    out: set[tuple[str, str]] = set()
    for sid, s in sessions.items():
        if not (UUID.match(sid) or EDGE.match(sid)):
            out.add(("data.invalid_id", sid))
        if any(f not in s for f in SESSION_FIELDS):
            out.add(("data.missing_field", sid))
        if s.get("ended_at") and s["ended_at"] < s["started_at"]:
            out.add(("data.ended_before_started", sid))
        evs = events[sid]
        ids = Counter(e["id"] for e in evs)
        if any(n > 1 for n in ids.values()):
            out.add(("data.duplicate_event", sid))
        if any(not UUID.match(e) for e in ids):
            out.add(("data.invalid_id", sid))
        if any(f not in e for e in evs for f in EVENT_FIELDS):
            out.add(("data.missing_field", sid))
        distinct = list({e["id"]: e for e in evs}.values())
        invalid = [e for e in distinct if not _valid_score(e.get("risk_score"))]
        if any(e.get("risk_score") is not None for e in invalid):
            out.add(("data.risk_score_invalid", sid))
        if any(e.get("risk_score") is None for e in invalid):
            out.add(("data.risk_score_unscored", sid))
        summary = s.get("risk_summary")
        if summary is None:
            out.add(("risk_summary.missing", sid))
        else:
            scores = [e["risk_score"] for e in distinct if _valid_score(e.get("risk_score"))]
            if None in (summary["total_events"], summary["max_risk"], summary["avg_risk"]) and scores:
                out.add(("risk_summary.null_figures", sid))
                summary = {
                    **summary,
                    **{
                        k: v
                        for k, v in (
                            ("total_events", len(distinct)),
                            ("max_risk", max(scores)),
                            ("avg_risk", sum(scores) / len(scores)),
                        )
                        if summary[k] is None
                    },
                }
            if summary["total_events"] != len(distinct):
                out.add(("risk_summary.total_events_mismatch", sid))
            if not invalid and summary["max_risk"] != max(scores):
                out.add(("risk_summary.max_risk_mismatch", sid))
            if not invalid and abs(summary["avg_risk"] - sum(scores) / len(scores)) > 0.5:
                out.add(("risk_summary.avg_risk_mismatch", sid))
        parent_id = s.get("parent_id")
        if parent_id == sid:
            out.add(("hierarchy.self_parent", sid))
        elif parent_id in missing:
            out.add(("hierarchy.orphan", sid))
        elif parent_id is not None:
            p = sessions[parent_id]
            outside = s["started_at"] < p["started_at"] or (
                p["ended_at"] is not None
                and (s["started_at"] > p["ended_at"] or s["ended_at"] is None or s["ended_at"] > p["ended_at"])
            )
            if outside:
                out.add(("hierarchy.child_outside_parent_window", sid))
            seen, cur = {sid}, parent_id
            while cur is not None and cur in sessions and cur not in seen:
                seen.add(cur)
                cur = sessions[cur].get("parent_id")
            if cur == sid:
                out.add(("hierarchy.cycle", sid))
        expected = sorted(c for c, cs in sessions.items() if cs.get("parent_id") == sid)
        if sorted(c["id"] for c in s["children"]) != expected or sorted(c["id"] for c in children[sid]) != expected:
            out.add(("hierarchy.children_mismatch", sid))
    return out


def _planted(sim: Simulator) -> set[tuple[str, str]]:
    return {(d["check"], d["session_id"]) for d in sim.manifest["defects"]}


@pytest.mark.parametrize("seed", [1, 7])
def test_defects_found_exactly_as_listed(quint_simulator: Callable[..., Simulator], seed: int) -> None:
    sim = quint_simulator(seed=seed, sessions=300, defects=True)
    planted = _planted(sim)
    assert len(planted) == len(sim.manifest["defects"]), "one entry per (check, session)"
    assert find(sim.truth()) == planted
    kinds = Counter(check for check, _ in planted)
    assert set(kinds) == {
        "risk_summary.total_events_mismatch",
        "risk_summary.max_risk_mismatch",
        "risk_summary.avg_risk_mismatch",
        "risk_summary.missing",
        "hierarchy.orphan",
        "hierarchy.cycle",
        "hierarchy.self_parent",
        "hierarchy.children_mismatch",
        "hierarchy.child_outside_parent_window",
        "data.invalid_id",
        "data.risk_score_invalid",
        "data.risk_score_unscored",
        "data.duplicate_event",
        "data.ended_before_started",
        "data.missing_field",
        "risk_summary.null_figures",
    }
    assert min(kinds.values()) >= 1


def test_clean_organisation_has_only_the_doc_examples_defects(quint_simulator: Callable[..., Simulator]) -> None:
    sim = quint_simulator(seed=2, sessions=400)
    found = find(sim.truth())
    assert found == _planted(sim)
    assert {d.get("source") for d in sim.manifest["defects"]} == {"docs"}
    bare = quint_simulator(seed=2, sessions=400, doc_examples=False)
    assert find(bare.truth()) == set()
    assert bare.manifest["defects"] == []


def test_clean_averages_are_rounded_half_up(quint_simulator: Callable[..., Simulator]) -> None:
    sim = quint_simulator(seed=3, sessions=400, doc_examples=False)
    truth = sim.truth()
    fractional = halves = 0
    for sid, s in truth["sessions"].items():
        scores = [e["risk_score"] for e in truth["events"][sid]]
        total, n = sum(scores), len(scores)
        assert s["risk_summary"] == {"total_events": n, "max_risk": max(scores), "avg_risk": (2 * total + n) // (2 * n)}
        fractional += total % n != 0
        halves += (2 * total) % (2 * n) == n
    assert fractional > 100, "rounding must be exercised"
    assert halves >= 1, "a mean of exactly x.5 must occur"


def test_planted_items_are_visible_over_http(quint_simulator: Callable[..., Simulator]) -> None:
    sim = quint_simulator(seed=1, sessions=150, defects=True)
    m = sim.manifest
    with httpx.Client(base_url=sim.base_url, headers={"Authorization": f"Bearer {sim.token}"}) as api:
        listed = {s["id"]: s for s in api.get("/v1/sessions").json()["sessions"]}
        assert len(listed) == m["listed_sessions"] == m["sessions"] - len(m["unlisted"])
        for d in m["defects"]:
            assert api.get(f"/v1/sessions/{d['session_id']}").status_code == 200
            if "event_id" in d:
                assert d["event_id"] in api.get(f"/v1/sessions/{d['session_id']}/events").text
        for ghost in m["missing"]:
            assert api.get(f"/v1/sessions/{ghost}").status_code == 404
        for item in m["hostile"]:
            where = "/events" if item["field"] == "arguments" else ""
            body = api.get(f"/v1/sessions/{item['session_id']}{where}").json()
            if where:
                assert any(json.dumps(e["arguments"], ensure_ascii=False) == item["value"] for e in body["events"])
            else:
                assert body[item["field"]] == item["value"]
        for item in m["extra_fields"]:
            if item["where"] == "session":
                assert item["field"] in listed[item["session_id"]]
                assert item["field"] in api.get(f"/v1/sessions/{item['session_id']}").json()
            else:
                served = api.get(f"/v1/events/{item['event_id']}").json()
                assert item["field"] in served
        for sid in m["unlisted"]:
            assert sid not in listed
            detail = api.get(f"/v1/sessions/{sid}").json()
            siblings = api.get(f"/v1/sessions/{detail['parent_id']}/children").json()["children"]
            assert sid in {c["id"] for c in siblings}
    raw = sim.org.detail_body(m["hostile"][0]["session_id"]) or b""
    assert b"<script>window.__pwned=1</script>" in raw, "hostile text is served as is, not escaped"


def test_write_manifest_round_trips(quint_simulator: Callable[..., Simulator], tmp_path: Any) -> None:
    sim = quint_simulator(seed=1, sessions=100, defects=True)
    path = sim.write_manifest(tmp_path / "manifest.json")
    assert json.loads(path.read_text(encoding="utf-8")) == sim.manifest
    assert sim.token not in path.read_text(encoding="utf-8")
