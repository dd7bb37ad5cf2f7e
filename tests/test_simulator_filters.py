"""Every list filter, compared with the same filter applied in Python to the unfiltered data;
pagination; determinism."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from quint_reports.simulator import Simulator


@pytest.fixture(scope="session")
def sim() -> Iterator[Simulator]:
    with Simulator(seed=11, sessions=250, defects=True) as s:
        yield s


@pytest.fixture(scope="session")
def api(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, headers={"Authorization": f"Bearer {sim.token}"}) as client:
        yield client


@pytest.fixture(scope="session")
def all_sessions(api: httpx.Client) -> list[dict[str, Any]]:
    return api.get("/v1/sessions").json()["sessions"]


@pytest.fixture(scope="session")
def all_events(api: httpx.Client) -> list[dict[str, Any]]:
    return api.get("/v1/events").json()["events"]


def test_unfiltered_lists_match_truth(
    sim: Simulator, all_sessions: list[dict[str, Any]], all_events: list[dict[str, Any]]
) -> None:
    truth = sim.truth()
    listed = {s["id"] for s in all_sessions}
    assert listed == set(truth["sessions"]) - set(sim.manifest["unlisted"])
    for s in all_sessions:
        detail = {k: v for k, v in truth["sessions"][s["id"]].items() if k not in ("children", "risk_summary")}
        assert s == detail
    served = sorted(e["id"] for evs in truth["events"].values() for e in evs)
    assert sorted(e["id"] for e in all_events) == served
    stamps = [e["timestamp"] for e in all_events]
    assert stamps == sorted(stamps)


@pytest.mark.parametrize(
    "params, keep",
    [
        pytest.param({"state": "active"}, lambda s: s["state"] == "active", id="state-active"),
        pytest.param({"state": "idle"}, lambda s: s["state"] == "idle", id="state-idle"),
        pytest.param({"state": "ended"}, lambda s: s["state"] == "ended", id="state-ended"),
        pytest.param({"state": "bogus"}, lambda s: False, id="state-unknown"),
        pytest.param({"platform": "cursor"}, lambda s: s.get("platform") == "cursor", id="platform"),
        pytest.param({"root_only": "true"}, lambda s: s["parent_id"] is None, id="root-only"),
        pytest.param({"root_only": "false"}, lambda s: True, id="root-only-false"),
        pytest.param(
            {"since": "2026-04-20T00:00:00Z"}, lambda s: s["started_at"] >= "2026-04-20T00:00:00Z", id="since"
        ),
        pytest.param({"since": "2026-04-20"}, lambda s: s["started_at"] >= "2026-04-20T00:00:00Z", id="since-date"),
        pytest.param({"until": "2026-04-01T00:00:00Z"}, lambda s: s["started_at"] < "2026-04-01T00:00:00Z", id="until"),
        pytest.param(
            {"since": "2026-04-10T02:00:00+02:00", "until": "2026-04-15T00:00:00Z", "state": "ended", "root_only": "1"},
            lambda s: (
                "2026-04-10T00:00:00Z" <= s["started_at"] < "2026-04-15T00:00:00Z"
                and s["state"] == "ended"
                and s["parent_id"] is None
            ),
            id="combined",
        ),
    ],
)
def test_session_filters(
    api: httpx.Client,
    all_sessions: list[dict[str, Any]],
    params: dict[str, str],
    keep: Callable[[dict[str, Any]], bool],
) -> None:
    got = api.get("/v1/sessions", params=params)
    assert got.status_code == 200
    expected = [s["id"] for s in all_sessions if keep(s)]
    assert [s["id"] for s in got.json()["sessions"]] == expected
    if params.get("state") in ("active", "idle", "ended"):
        assert expected, "the filter must select something to prove anything"


@pytest.mark.parametrize(
    "params, keep",
    [
        pytest.param({"agent_id": "cursor"}, lambda e: e["agent_id"] == "cursor", id="agent"),
        pytest.param({"action_type": "NETWORK_CONNECT"}, lambda e: e["action_type"] == "NETWORK_CONNECT", id="action"),
        pytest.param({"tool_name": "git"}, lambda e: e.get("tool_name") == "git", id="tool"),
        pytest.param({"decision": "block"}, lambda e: e["decision"] == "block", id="decision"),
        pytest.param(
            {"risk_min": "81"}, lambda e: isinstance(e["risk_score"], int) and e["risk_score"] >= 81, id="risk-min"
        ),
        pytest.param(
            {"risk_max": "10"}, lambda e: isinstance(e["risk_score"], int) and e["risk_score"] <= 10, id="risk-max"
        ),
        pytest.param(
            {"risk_min": "31", "risk_max": "55", "decision": "allow"},
            lambda e: isinstance(e["risk_score"], int) and 31 <= e["risk_score"] <= 55 and e["decision"] == "allow",
            id="risk-band",
        ),
        pytest.param({"since": "2026-04-25T00:00:00Z"}, lambda e: e["timestamp"] >= "2026-04-25T00:00:00Z", id="since"),
        pytest.param({"until": "2026-03-25T12:00:00Z"}, lambda e: e["timestamp"] < "2026-03-25T12:00:00Z", id="until"),
        pytest.param({"tool_name": "no-such-tool"}, lambda e: False, id="unknown-tool"),
    ],
)
def test_event_filters(
    api: httpx.Client, all_events: list[dict[str, Any]], params: dict[str, str], keep: Callable[[dict[str, Any]], bool]
) -> None:
    got = api.get("/v1/events", params=params)
    assert got.status_code == 200
    expected = [e["id"] for e in all_events if keep(e)]
    assert [e["id"] for e in got.json()["events"]] == expected
    if "no-such" not in str(params):
        assert expected


def test_event_filter_by_session(api: httpx.Client, all_sessions: list[dict[str, Any]]) -> None:
    for s in all_sessions[:15]:
        own = api.get(f"/v1/sessions/{s['id']}/events").json()["events"]
        listed = api.get("/v1/events", params={"session_id": s["id"]}).json()["events"]
        assert [e["id"] for e in listed] == [e["id"] for e in own]
        assert all(e["session_id"] == s["id"] for e in listed)


@pytest.mark.parametrize(
    "path, params",
    [
        ("/v1/sessions", {"since": "yesterday"}),
        ("/v1/events", {"risk_min": "x"}),
        ("/v1/events", {"risk_max": "101"}),
        ("/v1/events", {"until": "2026-13-01"}),
    ],
)
def test_bad_parameters_answer_400(api: httpx.Client, path: str, params: dict[str, str]) -> None:
    r = api.get(path, params=params)
    assert r.status_code == 400
    assert r.json()["code"] == "bad_request"


def test_event_detail_and_stats(api: httpx.Client, all_events: list[dict[str, Any]]) -> None:
    for e in all_events[::997]:
        assert api.get(f"/v1/events/{e['id']}").json() == e
    stats = api.get("/v1/events/stats").json()
    recent = [e for e in all_events if stats["since"] <= e["timestamp"] < stats["until"]]
    assert stats["total_events"] == len(recent) > 0
    assert sum(stats["risk_distribution"].values()) + stats["invalid_risk_scores"] == len(recent)


def _follow(client: httpx.Client, path: str, key: str) -> tuple[list[Any], int]:
    items, pages, url = [], 0, path
    while url:
        body = client.get(url).json()
        items += body[key]
        pages += 1
        url = body["next"]
    return items, pages


def test_pagination_follows_next_links(
    quint_simulator: Callable[..., Simulator], sim: Simulator, all_sessions: list[dict[str, Any]]
) -> None:
    paged = quint_simulator(seed=11, sessions=250, defects=True, page_size=40)
    with httpx.Client(base_url=paged.base_url, headers={"Authorization": f"Bearer {paged.token}"}) as client:
        items, pages = _follow(client, "/v1/sessions", "sessions")
        assert items == all_sessions
        assert pages == -(-len(all_sessions) // 40)
        assert (
            "next"
            not in httpx.get(sim.base_url + "/v1/sessions", headers={"Authorization": f"Bearer {sim.token}"}).json()
        )
        blocked, _ = _follow(client, "/v1/events?decision=block", "events")
        direct = httpx.get(
            sim.base_url + "/v1/events", params={"decision": "block"}, headers={"Authorization": f"Bearer {sim.token}"}
        ).json()["events"]
        assert blocked == direct


def _bodies(sim: Simulator) -> list[bytes]:
    paths = ["/v1/sessions", "/v1/sessions?root_only=true", "/v1/events?risk_min=60", "/v1/events/stats"]
    with httpx.Client(base_url=sim.base_url, headers={"Authorization": f"Bearer {sim.token}"}) as client:
        first = client.get("/v1/sessions").json()["sessions"]
        paths += [
            f"/v1/sessions/{s['id']}{tail}"
            for s in first[:: max(1, len(first) // 5)]
            for tail in ("", "/events", "/children")
        ]
        return [client.get(p).content for p in paths]


@pytest.mark.parametrize("defects", [False, True])
def test_same_seed_same_bytes(quint_simulator: Callable[..., Simulator], defects: bool) -> None:
    a = quint_simulator(seed=21, sessions=120, defects=defects)
    b = quint_simulator(seed=21, sessions=120, defects=defects)
    c = quint_simulator(seed=22, sessions=120, defects=defects)
    assert a.token == b.token != c.token
    assert _bodies(a) == _bodies(b)
    assert a.manifest == b.manifest
    assert _bodies(a)[0] != _bodies(c)[0]
