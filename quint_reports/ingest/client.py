"""The HTTP client: bearer auth, explicit timeouts, bounded concurrency and the retry policy.

Retry policy, per request:

- retried: connection errors, timeouts, a body cut short, 5xx, 429, and a 200
  whose body is not valid JSON (a body rejected for what it says, such as a
  repeated key, is not retried: it would say the same again);
- not retried: every other 4xx; 401/403 raise :class:`AuthError` at once;
- the wait is ``Retry-After`` when the server gives a positive one (seconds or
  an HTTP date, clamped to ``retry_after_max``), else exponential backoff with
  full jitter: ``uniform(0, min(backoff_max, backoff_base * 2**retry))``;
- a request gives up after ``max_attempts`` failed attempts or ``max_retry_seconds``;
  a 429 (or 503) with a usable ``Retry-After`` is waited out without using up an
  attempt, so a rate-limit burst is bounded by the time budget only;
- a body larger than ``max_response_bytes`` fails the request at once, with its size.

The ``httpx.AsyncClient`` is created inside ``async with ApiClient(...)`` so it
always belongs to the running event loop; nothing is cached between runs. Under it,
aiohttp does the HTTP (``httpx_aiohttp.AiohttpTransport``, one pool of ``concurrency``
connections): at c=32 httpcore cost 1.6-4.2 ms of CPU per request, aiohttp under the
same httpx API 1.1 ms (bench/client_probe.py), and the sync is CPU-bound.
Error texts name the method and path, never headers, so the token cannot leak.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from quint_reports.exceptions import AuthError, QuintError
from quint_reports.ingest.jsonbody import decode
from quint_reports.settings import TOKEN_ENV, Settings

log = logging.getLogger(__name__)

_CURSOR_KEYS = {"next_cursor": "cursor", "cursor": "cursor", "next_page_token": "page_token"}
"""Body keys that carry an opaque cursor for the next page, and the query parameter that sends it back."""
_MAX_PAGES = 100_000
"""Stop following next links after this many pages, in case the API loops."""


class RequestFailed(QuintError):
    """One request failed for good (retries exhausted, or a non-retryable 4xx)."""

    def __init__(self, message: str, status: int | None = None, kind: str = "http") -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        """rate_limited, server_error, refused, timeout, network, invalid_body, too_large or http."""


@dataclass
class ApiResponse:
    """The final answer to one logical request, after retries."""

    path: str
    status: int
    text: str
    data: Any = None
    """Parsed JSON, or None when the body is not JSON (see ``json_error``)."""
    json_error: str | None = None
    """Why :func:`quint_reports.ingest.jsonbody.decode` rejected the body, or None."""
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None
    """The exact bytes, when ``text`` is not them (a body that is not UTF-8)."""


@dataclass
class ClientStats:
    """Counters for the progress display and the run summary."""

    requests: int = 0
    retries: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Return the wait a ``Retry-After`` header asks for, or None when it gives no usable hint.

    Zero, negative, past dates and garbage all return None, so the caller backs
    off instead of hammering the server in a tight loop.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if seconds != seconds or seconds <= 0:  # NaN or no wait
        return None
    return seconds


def backoff_delay(retry: int, base: float, cap: float, rng: Callable[[], float] = random.random) -> float:
    """Full-jitter exponential backoff for the ``retry``-th retry (0-based)."""
    return rng() * min(cap, base * (2**retry))


def _retry_reason(status: int) -> tuple[str, str] | None:
    if status == 429:
        return "rate_limited", "rate limited (HTTP 429)"
    if status >= 500:
        return "server_error", f"HTTP {status}"
    return None


class ApiClient:
    """Async client for the Quint read API; use as ``async with ApiClient(settings) as api``."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.stats = ClientStats()
        self._transport = transport
        self._sleep = sleep
        self._rng = rng
        self._clock = clock
        self._http: httpx.AsyncClient | None = None
        self._wire: httpx.AsyncBaseTransport | None = None
        self._gate = asyncio.Semaphore(settings.concurrency)
        self._prefix = ""
        self._extensions: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"ApiClient(api_url={self.settings.api_url!r})"

    async def __aenter__(self) -> ApiClient:
        s = self.settings
        self._wire = self._transport or _aiohttp_transport(s.concurrency, tls=s.api_url.startswith("https:"))
        self._http = httpx.AsyncClient(
            base_url=s.api_url,
            headers={"Authorization": f"Bearer {s.token.reveal()}", "Accept": "application/json"},
            timeout=httpx.Timeout(connect=s.connect_timeout, read=s.read_timeout, write=s.read_timeout, pool=None),
            transport=self._wire,
            follow_redirects=False,
            trust_env=False,
        )
        # What build_request would merge into every request, worked out once (see _request).
        self._prefix = str(self._http.base_url).rstrip("/") + "/"
        self._extensions = {"timeout": self._http.timeout.as_dict()}
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    async def _send(
        self, http: httpx.AsyncClient, path: str, params: dict[str, str] | None
    ) -> tuple[int, httpx.Headers, bytes]:
        """One GET (the caller holds the gate), its body read up to the size cap.

        Raises:
            RequestFailed: the body is larger than ``max_response_bytes`` (not retried: it would be again).
        """
        cap = self.settings.max_response_bytes
        assert self._wire is not None
        # Straight to the transport: the client's send would add auth, redirect and cookie handling the
        # API needs none of (a header token, follow_redirects off, no cookies), at ~0.15 ms a request.
        response = await self._wire.handle_async_request(self._request(http, path, params))
        try:
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cap:
                raise _too_large(path, f"{int(declared):,} bytes announced", cap)
            chunks: list[bytes] = []
            size = 0
            # Decoded bytes are counted, so a compressed body cannot blow past the cap either.
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > cap:
                    raise _too_large(path, f"more than {size:,} bytes", cap)
                chunks.append(chunk)
        finally:
            await response.aclose()
        # httpx's client would log this line; the transport does not. A path names no secret.
        log.debug("GET %s: HTTP %d, %d bytes", path, response.status_code, size)
        return response.status_code, response.headers, b"".join(chunks)

    def _request(self, http: httpx.AsyncClient, path: str, params: dict[str, str] | None) -> httpx.Request:
        """The GET of ``path``: what ``build_request`` makes, without merging the URL and headers again.

        A path relative to the API's base URL, joined to it as httpx joins it (the base path, then the
        path without its leading slash), with the client's headers and timeout. Query parameters take
        httpx's own merge. No cookies are kept: the API authenticates by header.
        """
        if params or not path.startswith("/"):
            return http.build_request("GET", path, params=params)
        return httpx.Request("GET", self._prefix + path[1:], headers=http.headers, extensions=self._extensions)

    async def get(self, path: str, params: dict[str, str] | None = None, kind: str = "other") -> ApiResponse:
        """GET ``path`` with the retry policy.

        Returns the final response for 2xx and non-retryable 4xx other than 401/403.
        A 200 whose body :func:`quint_reports.ingest.jsonbody.decode` rejects comes back with
        ``data=None`` and ``json_error`` set (after retries when the error may be a transfer accident).

        Raises:
            AuthError: the API answered 401 or 403.
            RequestFailed: retries ran out on connection errors, timeouts, 5xx or 429, or the
                body is larger than ``max_response_bytes``; ``exc.kind`` says which.
        """
        http = self._http
        if http is None:
            raise RuntimeError("use ApiClient inside `async with`")
        s = self.settings
        started = self._clock()
        failures = 0
        """Attempts that count against max_attempts: a 429 or 503 with Retry-After does not."""
        tries = 0
        seen: dict[str, int] = {}
        last, last_kind = "", "network"
        while True:
            tries += 1
            wait: float | None = None
            counts = True
            async with self._gate:
                self.stats.requests += 1
                self.stats.by_kind[kind] = self.stats.by_kind.get(kind, 0) + 1
                try:
                    status, headers, content = await self._send(http, path, params)
                except (httpx.TransportError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
                    last_kind, last = _transport_reason(exc)
                else:
                    if status in (401, 403):
                        raise AuthError(
                            f"the API refused the token (HTTP {status}) for GET {path}: "
                            f"set {TOKEN_ENV} (or --token-file) to a valid token with read scope"
                        )
                    reason = _retry_reason(status)
                    if reason is None:
                        result, retryable = self._decode(path, status, headers, content)
                        if not retryable or status != 200:
                            return result
                        last_kind, last = "invalid_body", f"invalid JSON body ({result.json_error})"
                        if failures + 1 >= s.max_attempts or self._out_of_time(started, 0):
                            return result
                    else:
                        last_kind, last = reason
                        if status in (429, 503):
                            wait = parse_retry_after(headers.get("Retry-After"))
                            if wait is not None:
                                wait = min(wait, s.retry_after_max)
                                # The server said when to come back: honour it for as long as the
                                # time budget lasts, however many times it says so.
                                counts = False
            seen[last] = seen.get(last, 0) + 1
            failures += counts
            if failures >= s.max_attempts:
                break
            if wait is None:
                wait = backoff_delay(failures - 1, s.backoff_base, s.backoff_max, self._rng)
            if self._out_of_time(started, wait):
                break
            self.stats.retries += 1
            log.debug("retrying GET %s in %.2fs after %s (attempt %d)", path, wait, last, tries)
            await self._sleep(wait)
        spent = self._clock() - started
        history = ", ".join(f"{what} x{n}" for what, n in seen.items())
        raise RequestFailed(
            f"GET {path} failed after {tries} attempt{'s' if tries > 1 else ''} over {spent:.0f} s: {history}",
            kind=last_kind,
        )

    async def get_list(
        self, path: str, key: str, params: dict[str, str] | None = None, kind: str = "list"
    ) -> tuple[list[Any], list[ApiResponse]]:
        """GET a list endpoint, following a cursor or next link when the response carries one.

        Returns:
            The items of every page under ``key``, and the responses (one per page).
            A page whose body is not an object with a ``key`` array is returned
            among the responses and contributes no items; the caller quarantines it.
        """
        items: list[Any] = []
        pages: list[ApiResponse] = []
        params = dict(params or {})
        url: str = path
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            page = await self.get(url, params=params or None, kind=kind)
            pages.append(page)
            body = page.data
            if page.status != 200 or not isinstance(body, dict) or not isinstance(body.get(key), list):
                break
            items.extend(body[key])
            step = self._next_page(path, body, page.headers, params)
            if step is None:
                break
            url, params = step
            marker = url + json.dumps(params, sort_keys=True)
            if marker in seen:
                log.warning("GET %s: the next link repeats itself; stopped paging", path)
                break
            seen.add(marker)
        return items, pages

    def _next_page(
        self, path: str, body: dict[str, Any], headers: dict[str, str], params: dict[str, str]
    ) -> tuple[str, dict[str, str]] | None:
        link = body.get("next")
        links = body.get("links")
        if not isinstance(link, str) and isinstance(links, dict):
            link = links.get("next")
        if not isinstance(link, str):
            link = _link_header_next(headers.get("link", ""))
        if isinstance(link, str) and link:
            return self._same_origin(link), {}
        for name, param in _CURSOR_KEYS.items():
            cursor = body.get(name)
            if isinstance(cursor, (str, int)) and not isinstance(cursor, bool) and str(cursor):
                return path, {**params, param: str(cursor)}
        return None

    def _same_origin(self, link: str) -> str:
        """Resolve a next link; refuse one that leaves the API's origin, which would carry the token away."""
        base = self.settings.api_url + "/"
        absolute = urljoin(base, link)
        a, b = urlsplit(absolute), urlsplit(base)
        if (a.scheme, a.netloc) != (b.scheme, b.netloc):
            raise RequestFailed(f"a next link points to another host ({a.netloc}); not followed")
        return absolute[len(self.settings.api_url) :] or "/"

    def _out_of_time(self, started: float, wait: float) -> bool:
        return self._clock() - started + wait > self.settings.max_retry_seconds

    def _decode(self, path: str, status: int, headers: httpx.Headers, content: bytes) -> tuple[ApiResponse, bool]:
        body = decode(content, self.settings.token.reveal())
        kept = {name: headers[name] for name in ("link", "content-type") if name in headers}
        result = ApiResponse(
            path=path,
            status=status,
            text=body.text,
            data=body.data,
            json_error=body.error,
            headers=kept,
            raw=body.raw,
        )
        return result, body.retryable


def _too_large(path: str, size: str, cap: int) -> RequestFailed:
    return RequestFailed(
        f"GET {path} answered a body over the {cap:,}-byte limit ({size}); raise max_response_bytes "
        "(--max-response-mb) if that is expected",
        kind="too_large",
    )


def _aiohttp_transport(concurrency: int, *, tls: bool = True) -> AiohttpTransport:
    """aiohttp under httpx: one pool of ``concurrency`` connections (the gate bounds requests to it).

    ``tls``: the API's URL is https. Only then is a verifying context built (loading the CA store costs
    ~30 ms); an http API is never reached over TLS, since next links must keep its origin.
    """
    ssl_context = httpx.create_ssl_context(trust_env=False) if tls else None

    def session() -> aiohttp.ClientSession:
        # Made on the first request, inside the running loop; no cookies and no proxy
        # settings from the environment, as with httpx's own transport and trust_env=False.
        connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=0, ssl=ssl_context or True)
        return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar(), trust_env=False)

    # The transport builds a context of its own from `verify` that our connector never uses: hand it ours.
    return AiohttpTransport(client=session, verify=ssl_context or False)


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and cause not in out:
        out.append(cause)
        cause = cause.__cause__ or cause.__context__
    return out


def _transport_reason(exc: BaseException) -> tuple[str, str]:
    """The kind and a short, token-free description of a transport failure.

    The aiohttp error under an httpx one decides: httpx_aiohttp maps some of them loosely
    (a refused or dropped connection becomes ``ConnectTimeout``).
    """
    chain = _chain(exc)
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return "refused", "connection refused"
    cause = next((e for e in chain if isinstance(e, aiohttp.ClientError)), None)
    if cause is not None:
        if isinstance(cause, aiohttp.ServerTimeoutError):
            # httpx's names, which the messages have always used
            phase = "ConnectTimeout" if isinstance(cause, aiohttp.ConnectionTimeoutError) else "ReadTimeout"
            return "timeout", f"timed out ({phase})"
        if isinstance(cause, aiohttp.ClientConnectorError):
            if isinstance(cause.os_error, ConnectionRefusedError) or "refused" in str(cause).lower():
                return "refused", "connection refused"
            return "network", f"cannot connect ({type(cause).__name__})"
        if isinstance(cause, (aiohttp.ServerDisconnectedError, aiohttp.ClientPayloadError, aiohttp.ClientOSError)):
            return "network", "connection closed mid-response"
        return "network", type(cause).__name__
    if isinstance(exc, (httpx.TimeoutException, asyncio.TimeoutError)):
        return "timeout", f"timed out ({type(exc).__name__})"
    if isinstance(exc, httpx.ConnectError):
        if any("refused" in str(e).lower() for e in chain):
            return "refused", "connection refused"
        return "network", f"cannot connect ({type(exc).__name__})"
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError)):
        return "network", "connection closed mid-response"
    return "network", type(exc).__name__


def _link_header_next(value: str) -> str | None:
    """The URL with rel="next" in an RFC 8288 Link header, if any."""
    for part in value.split(","):
        if 'rel="next"' in part or "rel=next" in part:
            start, end = part.find("<"), part.find(">")
            if 0 <= start < end:
                return part[start + 1 : end]
    return None
