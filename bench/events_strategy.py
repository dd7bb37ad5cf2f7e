"""Measure the two ways to fetch events, and the sync's concurrency: ``python -m bench.events_strategy``.

1. Events strategy, against the simulator at 25 ms latency:
   per-session ``/v1/sessions/{id}/events`` versus windowed ``/v1/events?since=&until=``
   (one-day windows over the organisation's time span): requests, seconds, and
   whether each gets exactly the events the per-session endpoints serve.
2. Concurrency: a full ``sync()`` at several concurrency limits, same latency.

For the strategy comparison the simulator runs in this process (threads), so
absolute times include its cost on the same cores; the sweep runs it in its own
process (``quint-reports simulate``).
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import quote

from quint_reports.ingest.client import ApiClient
from quint_reports.ingest.sync import sync
from quint_reports.settings import Settings, Token
from quint_reports.simulator import Faults, Simulator
from quint_reports.timebounds import parse_iso


def _event_keys(events: list[Any]) -> set[str]:
    return {e["id"] for e in events if isinstance(e, dict) and isinstance(e.get("id"), str)}


async def per_session(settings: Settings, ids: list[str]) -> tuple[int, float, set[str]]:
    """Fetch every session's events; return requests, seconds and the event ids seen."""
    started = time.monotonic()
    async with ApiClient(settings) as api:
        bodies = await asyncio.gather(*(api.get(f"/v1/sessions/{quote(i, safe='')}/events") for i in ids))
        seen: set[str] = set()
        for body in bodies:
            if isinstance(body.data, dict):
                seen |= _event_keys(body.data.get("events") or [])
        return api.stats.requests, time.monotonic() - started, seen


async def windowed(settings: Settings, start: datetime, end: datetime, days: int) -> tuple[int, float, set[str]]:
    """Fetch ``/v1/events`` in windows of ``days``; return requests, seconds and the event ids seen."""
    started = time.monotonic()
    windows = []
    cursor = start
    while cursor < end:
        windows.append((cursor, min(cursor + timedelta(days=days), end)))
        cursor += timedelta(days=days)
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    async with ApiClient(settings) as api:
        pages = await asyncio.gather(
            *(
                api.get_list("/v1/events", "events", {"since": a.strftime(fmt), "until": b.strftime(fmt)})
                for a, b in windows
            )
        )
        seen: set[str] = set()
        for items, _ in pages:
            seen |= _event_keys(items)
        return api.stats.requests, time.monotonic() - started, seen


def events_strategy(sessions: int, latency_ms: int, concurrency: int) -> list[str]:
    """Compare the two strategies on one organisation; return report lines."""
    with Simulator(seed=1, sessions=sessions, defects=True, faults=Faults(latency_ms=latency_ms)) as sim:
        truth = sim.truth()
        settings = Settings(api_url=sim.base_url, token=Token(sim.token), concurrency=concurrency)
        ids = sorted(truth["sessions"])
        served = set().union(*(_event_keys(v) for v in truth["events"].values()))
        stamps = [parse_iso(s.get("started_at")) for s in truth["sessions"].values() if isinstance(s, dict)]
        valid = [s for s in stamps if s is not None]
        start = min(valid).replace(hour=0, minute=0, second=0) - timedelta(days=1)
        end = datetime.now(timezone.utc) + timedelta(days=1)
        lines = [
            f"events strategy: {sessions} sessions, {len(served)} events, latency {latency_ms} ms, "
            f"concurrency {concurrency}"
        ]
        for name, run in (
            ("per-session /v1/sessions/{id}/events", per_session(settings, ids)),
            ("windowed /v1/events, 1-day windows", windowed(settings, start, end, 1)),
            ("windowed /v1/events, 7-day windows", windowed(settings, start, end, 7)),
        ):
            requests, seconds, seen = asyncio.run(run)
            lines.append(
                f"  {name:40s} {requests:6d} requests {seconds:6.2f} s  events {len(seen & served)}/"
                f"{len(served)} (+{len(seen - served)} not served per session)"
            )
        return lines


def concurrency_sweep(sessions: int, latency_ms: int, limits: list[int], repeat: int = 2) -> list[str]:
    """A full sync at each concurrency limit, the simulator in its own process; return report lines."""
    lines = [
        f"full sync: {sessions} sessions, latency {latency_ms} ms, simulator in a separate process, best of {repeat}"
    ]
    with tempfile.TemporaryDirectory() as tmp:
        token_file = Path(tmp) / "token"
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "quint_reports",
                "simulate",
                "--port",
                "0",
                "--seed",
                "2",
                "--sessions",
                str(sessions),
                "--latency-ms",
                str(latency_ms),
                "--token-file",
                str(token_file),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert server.stdout is not None
            url = ""
            while not url:
                line = server.stdout.readline()
                if not line:
                    raise RuntimeError("the simulator exited before printing its URL")
                if line.startswith("QUINT_API_URL="):
                    url = line.split("=", 1)[1].strip()
            token = Token(token_file.read_text().strip())
            for limit in limits:
                best = None
                for attempt in range(repeat):
                    settings = Settings(
                        api_url=url, token=token, db=Path(tmp) / f"q{limit}-{attempt}.duckdb", concurrency=limit
                    )
                    started = time.monotonic()
                    result = sync(settings=settings, progress=False)
                    seconds = time.monotonic() - started
                    best = seconds if best is None else min(best, seconds)
                lines.append(
                    f"  concurrency {limit:3d}: {best:6.2f} s, {result.requests} requests, "
                    f"{result.requests / best:7.1f} requests/s, {result.requests_per_session:.2f} per session"
                )
        finally:
            server.terminate()
            server.wait(timeout=30)
    return lines


def main() -> None:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=400)
    parser.add_argument("--latency-ms", type=int, default=25)
    parser.add_argument("--limits", default="4,8,16,32,64")
    args = parser.parse_args()
    for line in events_strategy(args.sessions, args.latency_ms, 16):
        print(line)
    for line in concurrency_sweep(args.sessions, args.latency_ms, [int(x) for x in args.limits.split(",")]):
        print(line)


if __name__ == "__main__":
    main()
