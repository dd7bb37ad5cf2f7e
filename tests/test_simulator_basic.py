"""The simulator over real HTTP: endpoints, auth, 404s and the documentation's examples."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from quint_reports.simulator import Simulator
from quint_reports.simulator.docs_examples import DOC_CHILD_ID, DOC_EVENTS, DOC_SESSION, DOC_SESSION_ID, DOC_SUMMARY


@pytest.fixture
def api(quint_simulator_default: Simulator) -> httpx.Client:
    sim = quint_simulator_default
    with httpx.Client(base_url=sim.base_url, headers={"Authorization": f"Bearer {sim.token}"}) as client:
        yield client


def test_health_and_ready_need_no_token(quint_simulator_default: Simulator) -> None:
    for path in ("/health", "/ready"):
        assert httpx.get(quint_simulator_default.base_url + path).status_code == 200


def test_missing_header_gets_the_documented_401(quint_simulator_default: Simulator) -> None:
    r = httpx.get(quint_simulator_default.base_url + "/v1/sessions")
    assert r.status_code == 401
    assert r.json() == {"error": "Authorization header required"}


@pytest.mark.parametrize("header", ["Bearer qt_sk_wrong", "Basic abc", "Bearer"], ids=["wrong", "basic", "no-token"])
def test_wrong_token_is_refused(quint_simulator_default: Simulator, header: str) -> None:
    r = httpx.get(quint_simulator_default.base_url + "/v1/sessions", headers={"Authorization": header})
    assert r.status_code == 401
    assert "error" in r.json()
    assert quint_simulator_default.token not in r.text


def test_right_token_lists_every_listed_session(api: httpx.Client, quint_simulator_default: Simulator) -> None:
    r = api.get("/v1/sessions")
    assert r.status_code == 200
    assert len(r.json()["sessions"]) == quint_simulator_default.manifest["listed_sessions"] == 200


def test_doc_example_served_verbatim(api: httpx.Client) -> None:
    detail = api.get(f"/v1/sessions/{DOC_SESSION_ID}").json()
    assert detail == {**DOC_SESSION, "children": [], "risk_summary": DOC_SUMMARY}
    assert api.get(f"/v1/sessions/{DOC_SESSION_ID}/events").json() == {"events": DOC_EVENTS}
    assert api.get(f"/v1/sessions/{DOC_SESSION_ID}/children").json() == {"children": []}
    child = api.get(f"/v1/sessions/{DOC_CHILD_ID}").json()
    assert child["id"] == DOC_CHILD_ID
    parent = api.get(f"/v1/sessions/{child['parent_id']}/children").json()["children"]
    assert [c["id"] for c in parent] == [DOC_CHILD_ID]
    assert all("signing_id" not in c for c in parent)


@pytest.mark.parametrize(
    "path",
    [
        "/v1/sessions/00000000-0000-5000-8000-000000000000",
        "/v1/sessions/00000000-0000-5000-8000-000000000000/events",
        "/v1/sessions/nope/children",
        "/v1/events/nope",
        "/v1/nothing",
    ],
)
def test_unknown_ids_answer_404(api: httpx.Client, path: str) -> None:
    r = api.get(path)
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_factory_fixture_starts_and_stops(quint_simulator: Callable[..., Simulator]) -> None:
    sim = quint_simulator(seed=3, sessions=20)
    assert httpx.get(sim.base_url + "/health").status_code == 200
    url = sim.base_url
    sim.stop()
    with pytest.raises(httpx.TransportError):
        httpx.get(url + "/health", timeout=2)
