"""How much CPU the HTTP client itself costs per request: ``python -m bench.client_probe``.

Plain httpx ``AsyncClient`` GETs of session details against the simulator, the
way our sync issues them (a semaphore of ``concurrency``, one pool of that many
connections), next to the same load spread over several clients of at most
``SHARD_CONNECTIONS`` connections each. httpcore's pool scans every pooled
connection (a ``poll()`` per idle socket) on each request's enqueue and
release, so its CPU per request grows with the pool size; smaller pools bound it.
Last, one client over ``httpx_aiohttp.AiohttpTransport`` (one aiohttp pool of
``concurrency`` connections), the transport the sync uses.
Runs in a child process so its CPU time is its own; token from ``QUINT_API_TOKEN``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path
from typing import Any

import httpx
from httpx_aiohttp import AiohttpTransport

SHARD_CONNECTIONS = 4
"""Connections per client in the sharded variant."""


async def _probe(
    api_url: str, token: str, concurrency: int, requests: int, shards: int, transport: str = "httpcore"
) -> dict[str, Any]:
    per_client = max(1, concurrency // shards)
    limits = httpx.Limits(max_connections=per_client, max_keepalive_connections=per_client)
    clients = [
        httpx.AsyncClient(
            base_url=api_url,
            headers={"Authorization": f"Bearer {token}"},
            limits=limits,
            timeout=httpx.Timeout(60.0),
            trust_env=False,
            transport=AiohttpTransport(limits=limits) if transport == "aiohttp" else None,
        )
        for _ in range(shards)
    ]
    try:
        listing = await clients[0].get("/v1/sessions")
        ids = [s["id"] for s in listing.json()["sessions"] if isinstance(s.get("id"), str)]
        queue: asyncio.Queue[str] = asyncio.Queue()
        for i in range(requests):
            queue.put_nowait(ids[i % len(ids)])

        async def worker(k: int) -> None:
            client = clients[k % shards]
            while not queue.empty():
                sid = queue.get_nowait()
                (await client.get(f"/v1/sessions/{sid}")).json()

        wall, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(worker(k) for k in range(concurrency)))
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        for client in clients:
            await client.aclose()
    return {
        "transport": transport,
        "concurrency": concurrency,
        "clients": shards,
        "connections_per_client": per_client,
        "requests": requests,
        "seconds": wall,
        "requests_per_s": requests / wall,
        "cpu_ms_per_request": 1000 * cpu / requests,
    }


def main(argv: list[str] | None = None) -> int:
    """Probe each pool layout per concurrency: one client, sharded clients, one client over aiohttp."""
    parser = argparse.ArgumentParser(prog="python -m bench.client_probe")
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--concurrencies", default="8,32,64")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--result", required=True, type=Path)
    parser.add_argument("--progress", type=Path, help="accepted for bench.procs.run_child; unused")
    args = parser.parse_args(argv)
    token = os.environ["QUINT_API_TOKEN"]
    rows = []
    for concurrency in (int(c) for c in args.concurrencies.split(",")):
        for shards in sorted({1, max(1, concurrency // SHARD_CONNECTIONS)}):
            rows.append(asyncio.run(_probe(args.api_url, token, concurrency, args.requests, shards)))
        rows.append(asyncio.run(_probe(args.api_url, token, concurrency, args.requests, 1, "aiohttp")))
    args.result.write_text(json.dumps({"rows": rows}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
