"""The retry policy and pagination of the HTTP client, against httpx.MockTransport.

These are narrow unit tests of the policy (exact waits, attempt counts); every
round trip against an API is tested against the simulator in test_sync*.py.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import httpx
import pytest

from quint_reports.exceptions import AuthError, ConfigError
from quint_reports.ingest.client import (
    ApiClient,
    RequestFailed,
    _aiohttp_transport,
    backoff_delay,
    parse_retry_after,
)
from quint_reports.settings import Settings, Token, check_api_url, read_token

TOKEN = "qt_sk_unit_test_secret_0123456789"
BASE = "http://127.0.0.1:9"


def make_settings(**overrides: object) -> Settings:
    values: dict[str, object] = {"api_url": BASE, "token": Token(TOKEN), "max_attempts": 4, "backoff_base": 1.0}
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def run(
    handler: Callable[[httpx.Request], httpx.Response],
    call: Callable[[ApiClient], object],
    settings: Settings | None = None,
    clock: Callable[[], float] | None = None,
) -> tuple[object, list[float], ApiClient]:
    """Run ``call`` with a client over ``handler``; return its result, the waits asked for, and the client."""
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def main() -> tuple[object, ApiClient]:
        client = ApiClient(
            settings or make_settings(),
            transport=httpx.MockTransport(handler),
            sleep=fake_sleep,
            rng=lambda: 0.5,
            **({"clock": clock} if clock else {}),
        )
        async with client as api:
            return await call(api), client  # type: ignore[misc]

    result, client = asyncio.run(main())
    return result, sleeps, client


def scripted(*responses: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    """A handler answering with ``responses`` in turn, repeating the last one."""
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler


OK = httpx.Response(200, json={"sessions": []})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("3", 3.0, id="seconds"),
        pytest.param(" 2.5 ", 2.5, id="fractional"),
        pytest.param("0", None, id="zero-means-backoff"),
        pytest.param("-4", None, id="negative"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_parse_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date() -> None:
    now = datetime(2026, 4, 12, 14, 0, 0, tzinfo=timezone.utc)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) is None


def test_backoff_is_exponential_capped_and_jittered() -> None:
    assert [backoff_delay(n, 0.5, 3.0, lambda: 1.0) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert backoff_delay(3, 0.5, 3.0, lambda: 0.0) == 0.0


def test_5xx_then_success_backs_off() -> None:
    handler = scripted(httpx.Response(500), httpx.Response(502), OK)
    result, sleeps, client = run(handler, lambda api: api.get("/v1/sessions"))
    assert result.status == 200 and result.data == {"sessions": []}
    assert sleeps == [0.5, 1.0]  # rng 0.5 * base 1.0 * 2**retry
    assert client.stats.requests == 3 and client.stats.retries == 2


def test_429_honours_retry_after_and_clamps_it() -> None:
    handler = scripted(
        httpx.Response(429, headers={"Retry-After": "7"}),
        httpx.Response(429, headers={"Retry-After": "9999"}),
        OK,
    )
    _, sleeps, _ = run(handler, lambda api: api.get("/v1/sessions"), make_settings(retry_after_max=20.0))
    assert sleeps == [7.0, 20.0]


def test_retry_after_zero_or_past_date_falls_back_to_backoff() -> None:
    past = format_datetime(datetime(2000, 1, 1, tzinfo=timezone.utc), usegmt=True)
    handler = scripted(
        httpx.Response(429, headers={"Retry-After": "0"}),
        httpx.Response(429, headers={"Retry-After": past}),
        OK,
    )
    _, sleeps, _ = run(handler, lambda api: api.get("/v1/sessions"))
    assert sleeps == [0.5, 1.0]


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(httpx.ConnectError("refused"), id="connect"),
        pytest.param(httpx.ReadTimeout("slow"), id="read-timeout"),
        pytest.param(httpx.RemoteProtocolError("peer closed connection without sending complete body"), id="cut-body"),
    ],
)
def test_transport_errors_are_retried(error: Exception) -> None:
    result, sleeps, client = run(scripted(error, OK), lambda api: api.get("/v1/sessions"))
    assert result.status == 200
    assert client.stats.retries == 1 and len(sleeps) == 1


def test_invalid_json_200_is_retried_then_accepted() -> None:
    handler = scripted(httpx.Response(200, text='{"sessions": [{"id": "a"'), OK)
    result, _, client = run(handler, lambda api: api.get("/v1/sessions"))
    assert result.data == {"sessions": []} and client.stats.retries == 1


def test_invalid_json_that_stays_invalid_is_returned_for_quarantine() -> None:
    handler = scripted(httpx.Response(200, text="<html>oops"))
    result, _, client = run(handler, lambda api: api.get("/v1/sessions/x"))
    assert result.status == 200 and result.data is None and result.json_error
    assert result.text == "<html>oops"
    assert client.stats.requests == 4


@pytest.mark.parametrize("status", [400, 404, 409, 422])
def test_other_4xx_are_not_retried(status: int) -> None:
    handler = scripted(httpx.Response(status, json={"error": "nope"}))
    result, sleeps, client = run(handler, lambda api: api.get("/v1/sessions/x"))
    assert result.status == status and result.data == {"error": "nope"}
    assert sleeps == [] and client.stats.requests == 1


@pytest.mark.parametrize("status", [401, 403])
def test_auth_errors_name_the_variable_and_hide_the_token(status: int) -> None:
    with pytest.raises(AuthError) as info:
        run(scripted(httpx.Response(status, json={"error": "unauthorized"})), lambda api: api.get("/v1/sessions"))
    assert "QUINT_API_TOKEN" in str(info.value)
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value)


def test_retries_run_out_after_max_attempts() -> None:
    with pytest.raises(RequestFailed) as info:
        run(scripted(httpx.Response(503)), lambda api: api.get("/v1/sessions"))
    assert "4 attempts" in str(info.value) and "HTTP 503" in str(info.value)
    assert TOKEN not in str(info.value)


def test_retries_stop_at_the_total_time_budget() -> None:
    ticks = iter(range(0, 1000, 10))  # every clock reading is 10 s later
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(500)

    settings = make_settings(max_attempts=50, max_retry_seconds=35.0)
    with pytest.raises(RequestFailed):
        run(handler, lambda api: api.get("/v1/sessions"), settings, clock=lambda: float(next(ticks)))
    assert 1 < len(calls) < 50


def test_authorization_header_is_sent_and_reprs_hide_the_token() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return OK

    _, _, client = run(handler, lambda api: api.get("/v1/sessions"))
    assert seen[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(seen[0].url)
    for text in (repr(client), repr(client.settings), str(client.settings.token), f"{client.settings}"):
        assert TOKEN not in text


@pytest.mark.parametrize("base", [BASE, "https://api.example.test", "http://127.0.0.1:9/api", "http://[::1]:9/a/b/"])
@pytest.mark.parametrize(
    "path",
    [
        "/v1/sessions/6ba7b810-9dad-11d1-80b4-00c04fd430c8/events",
        "/v1/sessions/59247-1777085379101",
        "/v1/sessions/..",
        "/v1/sessions/%2E%2E/children",
        "/v1/sessions/a%20b%2Fc%3F%23",
        "/v1/sessions/%C3%A9",
        "/v1/sessions?since=2026-01-01T00:00:00Z&cursor=2",
        "/v1/sessions?x=..&y=\u00e9",
        "/",
    ],
)
def test_requests_are_the_ones_httpx_would_build(base: str, path: str) -> None:
    """The request made without build_request has its URL, headers and timeout exactly."""

    async def main() -> tuple[httpx.Request, httpx.Request]:
        async with ApiClient(
            make_settings(api_url=base.rstrip("/")), transport=httpx.MockTransport(scripted(OK))
        ) as api:
            http = api._http
            assert http is not None
            return api._request(http, path, None), http.build_request("GET", path)

    ours, theirs = asyncio.run(main())
    assert str(ours.url) == str(theirs.url)
    assert ours.url.raw_path == theirs.url.raw_path
    assert ours.headers.multi_items() == theirs.headers.multi_items()
    assert ours.extensions == theirs.extensions


@pytest.mark.parametrize("tls", [True, False])
def test_the_connector_verifies_tls_for_an_https_api(tls: bool) -> None:
    """An https API gets a verifying context of its own; an http one leaves the CA store unread."""

    async def main() -> object:
        transport = _aiohttp_transport(4, tls=tls)
        session = transport.get_client()
        try:
            return session.connector._ssl  # type: ignore[union-attr]
        finally:
            await session.close()

    context = asyncio.run(main())
    if tls:
        assert isinstance(context, ssl.SSLContext)
        assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    else:
        assert context is True  # aiohttp's default (verifying) context, should a TLS connection ever be made


def test_list_follows_a_cursor() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        assert request.url.params.get("since") == "2026-01-01"
        if cursor is None:
            return httpx.Response(200, json={"sessions": [{"id": "a"}], "next_cursor": "c2"})
        if cursor == "c2":
            return httpx.Response(200, json={"sessions": [{"id": "b"}], "next_cursor": None})
        raise AssertionError(cursor)

    (items, pages), _, _ = run(handler, lambda api: api.get_list("/v1/sessions", "sessions", {"since": "2026-01-01"}))
    assert [i["id"] for i in items] == ["a", "b"] and len(pages) == 2


def test_list_follows_next_links_in_body_and_header() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = request.url.params.get("page")
        if page is None:
            return httpx.Response(200, json={"sessions": [1], "next": f"{BASE}/v1/sessions?page=2"})
        if page == "2":
            return httpx.Response(200, json={"sessions": [2]}, headers={"Link": '</v1/sessions?page=3>; rel="next"'})
        return httpx.Response(200, json={"sessions": [3]})

    (items, _), _, _ = run(handler, lambda api: api.get_list("/v1/sessions", "sessions"))
    assert items == [1, 2, 3]


def test_list_refuses_a_next_link_to_another_host() -> None:
    handler = scripted(httpx.Response(200, json={"sessions": [], "next": "https://evil.example/steal"}))
    with pytest.raises(RequestFailed, match="another host"):
        run(handler, lambda api: api.get_list("/v1/sessions", "sessions"))


def test_list_stops_when_the_cursor_repeats() -> None:
    handler = scripted(httpx.Response(200, json={"sessions": [1], "next_cursor": "same"}))
    (items, pages), _, _ = run(handler, lambda api: api.get_list("/v1/sessions", "sessions"))
    assert items == [1, 1] and len(pages) == 2


def test_list_page_that_is_not_a_list_comes_back_for_quarantine() -> None:
    handler = scripted(httpx.Response(200, text=json.dumps({"error": "odd"})))
    (items, pages), _, _ = run(handler, lambda api: api.get_list("/v1/sessions", "sessions"))
    assert items == [] and pages[0].data == {"error": "odd"}


@pytest.mark.parametrize(
    "url", ["https://api.quintai.dev", "http://localhost:8000", "http://127.0.0.1:1", "http://[::1]:80/"]
)
def test_api_url_accepted(url: str) -> None:
    assert check_api_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://api.quintai.dev", "plain http"),
        ("http://10.0.0.1", "plain http"),
        ("ftp://x", "https://host"),
        ("https://user:pw@api.quintai.dev", "credentials"),
    ],
)
def test_api_url_refused(url: str, words: str) -> None:
    with pytest.raises(ConfigError, match=words) as info:
        check_api_url(url)
    assert "pw" not in str(info.value)


def test_token_sources(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="QUINT_API_TOKEN"):
        read_token(None)
    monkeypatch.setenv("QUINT_API_TOKEN", TOKEN)
    assert read_token(None).reveal() == TOKEN
    file = tmp_path / "token"
    file.write_text("qt_sk_from_file\n")
    assert read_token(file).reveal() == "qt_sk_from_file"
    with pytest.raises(ConfigError, match="cannot read"):
        read_token(tmp_path / "absent")
    settings = Settings.resolve(api_url="http://localhost:1", token_file=file, db=tmp_path / "q.duckdb")
    assert "qt_sk_from_file" not in repr(settings)
