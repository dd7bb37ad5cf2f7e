"""The HTTP side: routing, bearer auth, faults, and sending cached bodies.

Stdlib ``ThreadingHTTPServer`` speaking HTTP/1.1 with keep-alive; one daemon
thread per connection. Nothing here logs requests: a request line or header
could carry a token.
"""

from __future__ import annotations

import hmac
import re
import socket
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from quint_reports.simulator.faults import decide
from quint_reports.simulator.queries import BadRequest, event_stats, list_events, list_sessions
from quint_reports.simulator.vocab import jdump

if TYPE_CHECKING:
    from quint_reports.simulator.core import Simulator

Route = tuple[str, Callable[["Simulator", dict[str, str], str, str], tuple[int, bytes]]]

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="quint"'}
NOT_FOUND = b'{"error": "Not found", "code": "not_found"}'
_SEGMENT = "([^/]+)"


def _not_found(kind: str) -> tuple[int, bytes]:
    return 404, jdump({"error": f"{kind} not found", "code": "not_found"}).encode()


def _or_404(body: bytes | None, kind: str) -> tuple[int, bytes]:
    return (200, body) if body is not None else _not_found(kind)


ROUTES: list[tuple[re.Pattern[str], str, Callable[..., tuple[int, bytes]]]] = [
    (re.compile(r"^/health$"), "health", lambda sim, p, base, arg: (200, b'{"status": "ok"}')),
    (re.compile(r"^/ready$"), "ready", lambda sim, p, base, arg: (200, b'{"status": "ready"}')),
    (
        re.compile(r"^/v1/sessions$"),
        "sessions.list",
        lambda sim, p, base, arg: (200, list_sessions(sim.org, p, base, sim.page_size)),
    ),
    (
        re.compile(rf"^/v1/sessions/{_SEGMENT}$"),
        "sessions.detail",
        lambda sim, p, base, arg: _or_404(sim.org.detail_body(arg), "Session"),
    ),
    (
        re.compile(rf"^/v1/sessions/{_SEGMENT}/events$"),
        "sessions.events",
        lambda sim, p, base, arg: _or_404(sim.org.events_body(arg), "Session"),
    ),
    (
        re.compile(rf"^/v1/sessions/{_SEGMENT}/children$"),
        "sessions.children",
        lambda sim, p, base, arg: _or_404(sim.org.children_body(arg), "Session"),
    ),
    (
        re.compile(r"^/v1/events$"),
        "events.list",
        lambda sim, p, base, arg: (200, list_events(sim.org, p, base, sim.page_size)),
    ),
    (re.compile(r"^/v1/events/stats$"), "events.stats", lambda sim, p, base, arg: (200, event_stats(sim.org))),
    (re.compile(rf"^/v1/events/{_SEGMENT}$"), "events.detail", lambda sim, p, base, arg: _event(sim, arg)),
]
"""Path pattern, endpoint name (the key of ``stats()``), handler. First match wins."""


def _event(sim: Simulator, eid: str) -> tuple[int, bytes]:
    row = sim.org.event_row(eid)
    return (200, sim.org.ev_bytes[row]) if row is not None else _not_found("Event")


class Handler(BaseHTTPRequestHandler):
    """Serves one connection; ``sim`` is set on a subclass per server."""

    protocol_version = "HTTP/1.1"
    server_version = "QuintSimulator/1.0"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle plus delayed ACKs stall each
    # keep-alive request for about 40 ms.
    disable_nagle_algorithm = True
    sim: Simulator

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: request lines and headers may hold secrets."""

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None, cut: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if cut:
            # The header promised the whole body; half of it and a closed socket is what the client gets.
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)

    def do_GET(self) -> None:
        """Route, authenticate, maybe misbehave, then answer."""
        sim = self.sim
        url = urlsplit(self.path)
        path = url.path.rstrip("/") or "/"
        params = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        name, handler, arg = "unknown", None, ""
        for pattern, endpoint, fn in ROUTES:
            match = pattern.match(path)
            if match:
                name, handler, arg = endpoint, fn, unquote(match.group(1)) if match.groups() else ""
                break
        sim._count(name)
        faults = sim.faults
        fault: tuple[str, int] | None = None
        if faults.latency_ms and sim._stopping.wait(faults.latency_ms / 1000):
            return self._drop()
        if name not in ("health", "ready"):
            header = self.headers.get("Authorization")
            if not header:
                return self._answer(401, b'{"error": "Authorization header required"}', _CHALLENGE)
            scheme, _, given = header.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), sim.token.encode()):
                return self._answer(401, b'{"error": "Invalid or expired token", "code": "unauthorized"}', _CHALLENGE)
            sim._served()
            burst = sim.in_burst()
            if burst is not None:
                sim._count_fault("rate_limit")
                return self._answer(
                    429, b'{"error": "Too Many Requests", "code": "rate_limited"}', {"Retry-After": str(burst)}
                )
            fault = decide(faults, sim.seed, self.path, sim._attempt(self.path))
            if fault is not None:
                sim._count_fault(fault[0])
                if fault[0] == "error":
                    return self._answer(fault[1], b'{"error": "Internal Server Error"}')
                if fault[0] == "rate_limit":
                    return self._answer(
                        429,
                        b'{"error": "Too Many Requests", "code": "rate_limited"}',
                        {"Retry-After": str(faults.retry_after)},
                    )
                if fault[0] == "hang":
                    sim._stopping.wait(faults.hang_seconds)
                    return self._drop()
        hostile = sim.overridden(path)
        if hostile is not None:
            return self._answer(*hostile)
        if handler is None:
            return self._answer(404, NOT_FOUND)
        try:
            status, body = handler(sim, params, f"http://{self.headers.get('Host') or sim.host_port}", arg)
        except BadRequest as exc:
            status, body = 400, jdump({"error": str(exc), "code": "bad_request"}).encode()
        self._answer(status, body, cut=fault is not None and fault[0] == "cut_body")

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None, cut: bool = False) -> None:
        self.sim._count_status(status)
        self._send(status, body, headers, cut)

    def _drop(self) -> None:
        """Close the connection without an answer."""
        self.close_connection = True

    def _refuse(self) -> None:
        self._answer(405, b'{"error": "Method Not Allowed"}')

    do_POST = do_PUT = do_PATCH = do_DELETE = _refuse


class SimServer(ThreadingHTTPServer):
    """Threading server that can cut every open connection when stopping."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # A real API listens with a deep backlog; socketserver's default of 5 makes a burst of new
    # connections (a client opening its pool, or replacing ones it gave up on) wait on SYN
    # retransmits, long enough on a loaded machine to time out before the request is ever read.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], handler: type[Handler]) -> None:
        super().__init__(address, handler)
        self.open_sockets: set[socket.socket] = set()
        self.sockets_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        """Remember the connection so that ``close_all`` can end keep-alive and hung ones."""
        with self.sockets_lock:
            self.open_sockets.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        """Forget the connection, then close it."""
        with self.sockets_lock:
            self.open_sockets.discard(request)
        super().shutdown_request(request)

    def close_all(self) -> None:
        """Shut down every open connection (idle keep-alive, hung or busy)."""
        with self.sockets_lock:
            sockets = list(self.open_sockets)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def make_server(sim: Simulator, host: str, port: int) -> SimServer:
    """Bind a server for ``sim`` (port 0 picks a free port)."""
    handler = type("BoundHandler", (Handler,), {"sim": sim})
    return SimServer((host, port), handler)
