"""Each fault switch over real HTTP: what the client sees, that it is deterministic, and that a
retrying client always gets through."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import httpx
import pytest

from quint_reports.ingest.client import ApiClient, RequestFailed
from quint_reports.settings import Settings, Token
from quint_reports.simulator import Faults, Simulator


def _client(sim: Simulator, timeout: float = 5.0) -> httpx.Client:
    return httpx.Client(base_url=sim.base_url, headers={"Authorization": f"Bearer {sim.token}"}, timeout=timeout)


def test_latency_delays_every_request(quint_simulator: Callable[..., Simulator]) -> None:
    sim = quint_simulator(sessions=20, faults=Faults(latency_ms=150))
    with _client(sim) as api:
        api.get("/health")
        start = time.perf_counter()
        assert api.get("/v1/sessions").status_code == 200
        assert time.perf_counter() - start >= 0.15
    sim.faults = Faults()
    with _client(sim) as api:
        api.get("/health")
        start = time.perf_counter()
        api.get("/v1/sessions")
        assert time.perf_counter() - start < 0.15


def test_errors_then_success_after_max_faults(quint_simulator: Callable[..., Simulator]) -> None:
    sim = quint_simulator(sessions=20, faults=Faults(error_rate=1.0, max_faults_per_path=2))
    with _client(sim) as api:
        first = [api.get("/v1/sessions") for _ in range(3)]
        assert [r.status_code >= 500 for r in first] == [True, True, False]
        assert first[0].json() == {"error": "Internal Server Error"}
        assert first[2].json()["sessions"]
        assert api.get("/health").status_code == 200, "health never faults"
    assert sim.stats()["faults"] == {"error": 2}


def test_rate_limit_sends_retry_after(quint_simulator: Callable[..., Simulator]) -> None:
    sim = quint_simulator(sessions=20, faults=Faults(rate_limit_rate=1.0, retry_after=3, max_faults_per_path=1))
    with _client(sim) as api:
        r = api.get("/v1/events/stats")
        assert r.status_code == 429
        assert r.headers["Retry-After"] == "3"
        assert api.get("/v1/events/stats").status_code == 200


def test_cut_body_is_a_client_error(quint_simulator: Callable[..., Simulator]) -> None:
    sim = quint_simulator(sessions=20, faults=Faults(cut_body_rate=1.0, max_faults_per_path=1))
    with _client(sim) as api:
        with pytest.raises(httpx.RemoteProtocolError):
            api.get("/v1/sessions")
        assert api.get("/v1/sessions").json()["sessions"]


def test_hang_times_out_and_does_not_block_stop(quint_simulator: Callable[..., Simulator]) -> None:
    sim = quint_simulator(sessions=20, faults=Faults(hang_rate=1.0, hang_seconds=60, max_faults_per_path=3))
    with _client(sim, timeout=0.3) as api, pytest.raises(httpx.ReadTimeout):
        api.get("/v1/sessions")
    # A hang still in progress when the server stops:
    outcome: list[BaseException | int] = []

    def hang() -> None:
        try:
            with _client(sim, timeout=30) as api:
                outcome.append(api.get("/v1/sessions").status_code)
        except httpx.HTTPError as exc:
            outcome.append(exc)

    thread = threading.Thread(target=hang)
    thread.start()
    time.sleep(0.3)
    start = time.perf_counter()
    sim.stop()
    thread.join(5)
    assert time.perf_counter() - start < 3
    assert not thread.is_alive()
    assert isinstance(outcome[0], httpx.TransportError)


def _statuses(sim: Simulator, paths: list[str]) -> list[str]:
    out = []
    with _client(sim) as api:
        for path in paths:
            for _ in range(3):
                try:
                    out.append(str(api.get(path).status_code))
                except httpx.HTTPError as exc:
                    out.append(type(exc).__name__)
    return out


def test_fault_pattern_is_deterministic_and_retries_converge(quint_simulator: Callable[..., Simulator]) -> None:
    faults = Faults(error_rate=0.25, rate_limit_rate=0.25, cut_body_rate=0.25, retry_after=0, max_faults_per_path=2)
    a = quint_simulator(seed=5, sessions=40, faults=faults)
    b = quint_simulator(seed=5, sessions=40, faults=faults)
    paths = [f"/v1/sessions/{sid}" for sid in list(a.truth()["sessions"])[:20]]
    sa, sb = _statuses(a, paths), _statuses(b, paths)
    assert sa == sb
    assert {"500", "502", "503"} & set(sa) and "429" in sa and "RemoteProtocolError" in sa
    assert all(sa[i + 2] == "200" for i in range(0, len(sa), 3)), "the third attempt always succeeds"
    # Reading from a fresh attempt count: a retrying client lands exactly the truth.
    a.faults = faults
    truth = a.truth()["sessions"]
    with _client(a) as api:
        for sid in truth:
            for _ in range(3):
                try:
                    r = api.get(f"/v1/sessions/{sid}")
                except httpx.HTTPError:
                    continue
                if r.status_code == 200:
                    assert r.json() == truth[sid]
                    break
            else:
                pytest.fail(f"{sid} never answered")


def test_invalid_fault_switches_are_refused() -> None:
    with pytest.raises(ValueError):
        Faults(error_rate=0.7, rate_limit_rate=0.5)
    with pytest.raises(ValueError):
        Faults(latency_ms=-1)


@pytest.mark.parametrize(
    ("faults", "overrides", "kind", "text"),
    [
        pytest.param(Faults(cut_body_rate=1.0), {}, "network", "connection closed mid-response", id="cut-body"),
        pytest.param(
            Faults(hang_rate=1.0, hang_seconds=5),
            {"read_timeout": 0.3},
            "timeout",
            "timed out (ReadTimeout)",
            id="hang",
        ),
        pytest.param(Faults(), {"max_response_bytes": 100}, "too_large", "over the 100-byte limit", id="too-large"),
        pytest.param(Faults(), {"api_url": "http://127.0.0.1:9"}, "refused", "connection refused", id="refused"),
    ],
)
def test_the_sync_client_names_each_failure_over_real_http(
    quint_simulator: Callable[..., Simulator], faults: Faults, overrides: dict[str, object], kind: str, text: str
) -> None:
    """The aiohttp transport under the sync's client: each fault comes back as the same RequestFailed kind."""
    sim = quint_simulator(sessions=5, faults=faults)
    values: dict[str, object] = {"api_url": sim.base_url, "token": Token(sim.token), "max_attempts": 1}
    values.update(overrides)

    async def fetch() -> RequestFailed:
        async with ApiClient(Settings(**values)) as api:  # type: ignore[arg-type]
            with pytest.raises(RequestFailed) as info:
                await api.get("/v1/sessions")
        return info.value

    failure = asyncio.run(fetch())
    assert failure.kind == kind and text in str(failure)
    assert sim.token not in str(failure)
