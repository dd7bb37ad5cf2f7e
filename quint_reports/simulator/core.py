"""``Simulator``: the stand-in Quint API as a context manager.

Example:
    >>> with Simulator(seed=1, sessions=50) as sim:
    ...     httpx.get(sim.base_url + "/v1/sessions", headers={"Authorization": f"Bearer {sim.token}"})
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

from quint_reports.simulator import live as live_org
from quint_reports.simulator import mutate
from quint_reports.simulator.defects import plant
from quint_reports.simulator.docs_examples import add_doc_examples
from quint_reports.simulator.faults import Faults
from quint_reports.simulator.generate import Generator, generate
from quint_reports.simulator.live import Live
from quint_reports.simulator.org import Org
from quint_reports.simulator.server import SimServer, make_server
from quint_reports.simulator.vocab import REFERENCE_TS, iso
from quint_reports.timebounds import TimeBound, to_utc


def default_token(seed: int) -> str:
    """The service token a simulator with this seed accepts unless told otherwise."""
    return "qt_sk_sim_" + hashlib.sha256(f"quint-simulator-token:{seed}".encode()).hexdigest()[:32]


class Simulator:
    """A deterministic Quint API on 127.0.0.1, with faults and planted defects on demand.

    Args:
        seed: everything served derives from it (same seed, same bytes).
        sessions: how many sessions to serve in total (at least the doc examples and planted ones).
        defects: plant every kind of data defect a few times (listed in ``manifest``).
        faults: fault switches; ``Faults()`` (none) by default. Settable later via ``faults``.
        page_size: when set, list endpoints answer in pages with a ``next`` link.
        token: the bearer token to accept (default: derived from ``seed``).
        doc_examples: serve the documentation's examples (and list their defects).
        live: let the organisation change while it is read (``True`` or a ``Live`` with the rates; see
            ``simulator.live``): running sessions gain events, some unscored at first, flip between
            active and idle, and end. Planted defects sit on ended sessions and never change.
        edge_ids: give a share of session ids the edge form ``{rootPID}-{startUnixMs}``
            (default: on when ``live`` is).
        open_share: share of session trees still running at the simulated now, in [0, 1] (default
            0.14, or ``Live.open_share`` when live): high enough that a few hundred sessions exercise
            every live path; an organisation of 100,000 sessions runs nearer 0.01 at any moment.
        end: the simulated now when it starts, where the six weeks of generated history end: a
            datetime, a date or ISO 8601 text (UTC unless it has an offset), whole seconds count.
            Default 2026-05-01T00:00:00Z. Same seed, size and end, same bytes.
        host: interface to bind.
        port: port to bind, 0 for a free one.
    """

    def __init__(
        self,
        seed: int = 1,
        sessions: int = 200,
        *,
        defects: bool = False,
        faults: Faults | None = None,
        page_size: int | None = None,
        token: str | None = None,
        doc_examples: bool = True,
        host: str = "127.0.0.1",
        port: int = 0,
        live: bool | Live = False,
        edge_ids: bool | None = None,
        open_share: float | None = None,
        end: TimeBound = None,
    ) -> None:
        if page_size is not None and page_size < 1:
            raise ValueError("page_size must be at least 1")
        if open_share is not None and not 0.0 <= open_share <= 1.0:
            raise ValueError("open_share must lie in [0, 1]")
        self.seed = seed
        self.page_size = page_size
        self.defects = defects
        self._token = token or default_token(seed)
        self._faults = faults or Faults()
        self._host, self._port = host, port
        end_at = to_utc(end, "end")
        self.org = Org(REFERENCE_TS if end_at is None else int(end_at.timestamp()))
        self.gen = Generator(self.org, seed)
        self.live: Live | None = (live if isinstance(live, Live) else Live()) if live else None
        if edge_ids if edge_ids is not None else self.live is not None:
            self.gen.edge_share = (self.live or Live()).edge_id_share
        if open_share is not None:
            self.gen.open_share = open_share
        elif self.live is not None:
            self.gen.open_share = self.live.open_share
        self._served_requests = 0
        self._ticks = 0
        self._defects: list[dict[str, str]] = []
        self._extra: dict[str, Any] = {"hostile": [], "extra_fields": [], "unlisted": []}
        if doc_examples:
            self._defects += add_doc_examples(self.gen, seed)
        if defects:
            planted, extra = plant(self.gen, seed)
            self._defects += planted
            self._extra = extra
        generate(self.org, self.gen, max(0, sessions - len(self.org.sessions)))
        self.org.finalize()
        if self.live is not None:
            live_org.start(self.gen, self.live, seed)
        self._mutations = 0
        self._lock = threading.Lock()
        self._stats: Counter[str] = Counter()
        self._status: Counter[str] = Counter()
        self._fault_counts: Counter[str] = Counter()
        self._attempts: Counter[str] = Counter()
        self._stopping = threading.Event()
        self._overrides: dict[str, tuple[int, bytes]] = {}
        self._burst: tuple[float, int] = (0.0, 1)
        self._server: SimServer | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        # No token here: reprs end up in logs and tracebacks.
        state = "running at " + self.base_url if self._server else "stopped"
        return (
            f"<Simulator seed={self.seed} sessions={len(self.org.sessions)} defects={self.defects} "
            f"live={self.live is not None} {state}>"
        )

    # -- lifecycle ------------------------------------------------------
    def start(self) -> Simulator:
        """Bind and serve in a background thread; returns self."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = make_server(self, self._host, self._port)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="quint-simulator", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; hung and keep-alive connections are closed at once."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.close_all()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def host_port(self) -> str:
        """``host:port`` the server listens on."""
        if self._server is None:
            raise RuntimeError("the simulator is not running; call start() or use it as a context manager")
        host, port = self._server.server_address[:2]
        return f"{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, without a trailing slash."""
        return f"http://{self.host_port}"

    @property
    def port(self) -> int:
        """The bound port."""
        return int(self.host_port.rsplit(":", 1)[1])

    @property
    def token(self) -> str:
        """The bearer token the simulator accepts."""
        return self._token

    @property
    def faults(self) -> Faults:
        """Current fault switches."""
        return self._faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        # New switches start a fresh attempt count, so each path may fault again from its first attempt.
        with self._lock:
            self._faults = faults
            self._attempts.clear()

    # -- data -----------------------------------------------------------
    @property
    def now(self) -> str:
        """The simulated current time (moves forward with ``add_sessions`` and ``advance``)."""
        return iso(self.org.now_ts)

    @property
    def manifest(self) -> dict[str, Any]:
        """What is served and what was planted (see DESIGN.md)."""
        with self.org.lock:
            distinct = sum(s.n_events for s in self.org.sessions)
            return {
                "seed": self.seed,
                "sessions": len(self.org.sessions),
                "listed_sessions": len(self.org.ordered),
                "events": distinct,
                "reference_time": self.now,
                "defects_planted": self.defects,
                "live": self.live is not None,
                "defects": copy.deepcopy(self._defects),
                "missing": list(self.org.missing),
                **copy.deepcopy(self._extra),
            }

    def write_manifest(self, path: str | os.PathLike[str]) -> Path:
        """Write ``manifest`` as JSON to ``path``; return the path."""
        out = Path(path)
        out.write_text(json.dumps(self.manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return out

    def truth(self) -> dict[str, Any]:
        """What a perfect sync lands: every session detail, events list and children list as served."""
        return self.org.truth()

    def add_sessions(self, n: int) -> list[str]:
        """Add ``n`` sessions (whole new trees) started after every existing one; return their ids."""
        with self.org.lock:
            self._mutations += 1
            return mutate.add_sessions(self.gen, self.seed, self._mutations, n)

    def advance(self, share: float | None = None) -> list[str]:
        """Move the organisation on; return the changed ids.

        With ``share``, that share of the not-ended sessions gains events and maybe ends (an hour
        passes). Without it, a live simulator ticks its clock once, as after ``Live.every`` requests.
        """
        with self.org.lock:
            if share is None:
                if self.live is None:
                    raise ValueError("advance() without a share needs Simulator(live=True)")
                self._ticks += 1
                return live_org.tick(self.gen, self.live, self.seed, self._ticks)
            self._mutations += 1
            return mutate.advance(self.gen, self.seed, self._mutations, share)

    def set_summary(self, session_id: str, summary: dict[str, Any] | None) -> None:
        """Serve ``summary`` as the session's ``risk_summary`` from now on (None: the true one again).

        For tests of findings that appear and go away between syncs; the manifest does not list it.
        """
        with self.org.lock:
            self.org.by_id[session_id].summary = None if summary is None else dict(summary)
            self.org.invalidate({session_id})

    def end_all(self) -> list[str]:
        """End every running session now, after its pending scores arrive; return the changed ids."""
        with self.org.lock:
            return live_org.end_all(self.gen)

    def _served(self) -> None:
        """Count one API request served; a live organisation ticks every ``Live.every`` of them."""
        if self.live is None:
            return
        with self._lock:
            self._served_requests += 1
            due = self._served_requests % self.live.every == 0
        if due:
            with self.org.lock:
                self._ticks += 1
                live_org.tick(self.gen, self.live, self.seed, self._ticks)

    # -- hostile answers ----------------------------------------------------
    def override(self, path: str, body: bytes, status: int = 200) -> None:
        """Answer ``path`` (no query string, e.g. ``/v1/sessions/{id}/events``) with exactly ``body``."""
        with self._lock:
            self._overrides[path] = (status, body)

    def clear_overrides(self) -> None:
        """Serve the organisation's own bodies again."""
        with self._lock:
            self._overrides.clear()

    def overridden(self, path: str) -> tuple[int, bytes] | None:
        """The hostile answer set for ``path``, if any."""
        with self._lock:
            return self._overrides.get(path)

    def rate_limit_burst(self, seconds: float, retry_after: int = 1) -> None:
        """Answer every ``/v1/...`` request with 429 and ``Retry-After`` for the next ``seconds``."""
        with self._lock:
            self._burst = (time.monotonic() + seconds, retry_after)

    def in_burst(self) -> int | None:
        """The Retry-After of a running rate-limit burst, or None."""
        with self._lock:
            until, retry_after = self._burst
        return retry_after if time.monotonic() < until else None

    # -- request accounting -----------------------------------------------
    def stats(self) -> dict[str, Any]:
        """Requests so far: total, by endpoint name, by HTTP status, and injected faults by kind."""
        with self._lock:
            return {
                "requests": sum(self._stats.values()),
                "by_endpoint": dict(self._stats),
                "by_status": dict(self._status),
                "faults": dict(self._fault_counts),
            }

    def reset_stats(self) -> None:
        """Zero the request counters (the fault attempt counts are kept)."""
        with self._lock:
            self._stats.clear()
            self._status.clear()
            self._fault_counts.clear()

    def _count(self, endpoint: str) -> None:
        with self._lock:
            self._stats[endpoint] += 1

    def _count_status(self, status: int) -> None:
        with self._lock:
            self._status[str(status)] += 1

    def _count_fault(self, kind: str) -> None:
        with self._lock:
            self._fault_counts[kind] += 1

    def _attempt(self, key: str) -> int:
        """How many times ``key`` was asked for before this request."""
        with self._lock:
            n = self._attempts[key]
            self._attempts[key] = n + 1
            return n
