"""Count HTTP requests a loader makes, and how many it has in flight at once, whatever client it uses.

Every loader is measured the same way: the shim wraps ``send`` of httpx's
clients and of requests' Session (dlt's REST client uses requests), in the
loader's own process, so "requests" means the same thing for ours and the
peers, retries included.
"""

from __future__ import annotations

import threading
import time
from typing import Any


class RequestCounter:
    """Thread-safe count of HTTP responses received, and of error statuses."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests = 0
        self.errors = 0
        self.in_flight = 0
        self.max_in_flight = 0
        self.started = time.perf_counter()

    def begin(self) -> None:
        """A request is being sent: track how many are in flight at once."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def end(self, status: int | None) -> None:
        """A request finished, with a response of ``status`` (None: it raised)."""
        with self._lock:
            self.in_flight -= 1
            if status is None:
                return
            self.requests += 1
            if status >= 400:
                self.errors += 1

    def snapshot(self) -> dict[str, Any]:
        """The counts so far, with the seconds since the counter was made."""
        with self._lock:
            return {
                "requests": self.requests,
                "http_errors": self.errors,
                "max_in_flight": self.max_in_flight,
                "elapsed_s": time.perf_counter() - self.started,
            }


def install(counter: RequestCounter) -> None:
    """Wrap the ``send`` methods of httpx and requests so each response is counted."""
    import httpx

    sync_send = httpx.Client.send
    async_send = httpx.AsyncClient.send

    def counted_send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        counter.begin()
        status = None
        try:
            response = sync_send(self, request, **kwargs)
            status = response.status_code
            return response
        finally:
            counter.end(status)

    async def counted_async_send(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        counter.begin()
        status = None
        try:
            response = await async_send(self, request, **kwargs)
            status = response.status_code
            return response
        finally:
            counter.end(status)

    httpx.Client.send = counted_send  # type: ignore[method-assign]
    httpx.AsyncClient.send = counted_async_send  # type: ignore[method-assign]

    try:
        import requests
    except ImportError:  # only the dlt peer needs requests
        return
    session_send = requests.Session.send

    def counted_session_send(self: requests.Session, request: Any, **kwargs: Any) -> Any:
        counter.begin()
        status = None
        try:
            response = session_send(self, request, **kwargs)
            status = response.status_code
            return response
        finally:
            counter.end(status)

    requests.Session.send = counted_session_send  # type: ignore[method-assign]
