"""Measure the simulator: generation time, memory, and requests per second under 16 clients.

The server runs in its own process (``quint-reports simulate``), so the clients
do not share its interpreter lock; the clients are threads with one keep-alive
``httpx.Client`` each. The request mix is a sync's: one session list, then
detail, events and children of sessions in turn.

Usage:
    python bench/simulator_capacity.py [--sessions 10000] [--clients 16] [--seconds 10] [--latency 0 25]
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import threading
import time
from typing import Any

import httpx

from quint_reports.simulator import Simulator


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of a process in MiB (Linux)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def generation(sessions: int, defects: bool) -> dict[str, Any]:
    """Build a simulator in this process; time it and its memory."""
    gc.collect()
    before = rss_mb()
    start = time.perf_counter()
    sim = Simulator(seed=1, sessions=sessions, defects=defects)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    sim.truth()
    truth_seconds = time.perf_counter() - start
    m = sim.manifest
    out = {
        "sessions": m["sessions"],
        "events": m["events"],
        "generate_s": round(seconds, 2),
        "truth_s": round(truth_seconds, 2),
        "rss_added_mb": round(rss_mb() - before),
    }
    del sim
    return out


def serve(sessions: int, latency_ms: int) -> tuple[subprocess.Popen[str], str, str]:
    """Start ``quint-reports simulate`` on a free port; return the process, URL and token."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "quint_reports",
            "simulate",
            "--port",
            "0",
            "--sessions",
            str(sessions),
            "--latency-ms",
            str(latency_ms),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    lines = [proc.stdout.readline() for _ in range(3)]
    return proc, lines[1].strip().split("=", 1)[1], lines[2].strip().split("=", 1)[1]


def load(url: str, token: str, clients: int, seconds: float) -> dict[str, Any]:
    """Run ``clients`` threads for ``seconds``; return throughput and latency percentiles."""
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=headers, timeout=60) as api:
        ids = [s["id"] for s in api.get("/v1/sessions").json()["sessions"]]
    stop = time.perf_counter() + seconds
    latencies: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients

    def worker(n: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as api:
            i = n
            while time.perf_counter() < stop:
                sid = ids[i % len(ids)]
                for tail in ("", "/events", "/children"):
                    t0 = time.perf_counter()
                    if api.get(f"/v1/sessions/{sid}{tail}").status_code != 200:
                        errors[n] += 1
                    latencies[n].append(time.perf_counter() - t0)
                i += clients

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    flat = sorted(x for per in latencies for x in per)
    return {
        "requests": len(flat),
        "rps": round(len(flat) / elapsed),
        "errors": sum(errors),
        "p50_ms": round(statistics.median(flat) * 1000, 1),
        "p95_ms": round(flat[int(len(flat) * 0.95)] * 1000, 1),
    }


def full_list_seconds(url: str, token: str) -> dict[str, float]:
    """Time the heaviest documented requests: the whole session list and the whole event list."""
    out = {}
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as api:
        for path in ("/v1/sessions", "/v1/events"):
            for attempt in ("cold", "cached"):
                t0 = time.perf_counter()
                size = len(api.get(path).content)
                out[f"{path} {attempt} s"] = round(time.perf_counter() - t0, 2)
            out[f"{path} MB"] = round(size / 1e6, 1)
    return out


def main() -> None:
    """Print every figure as plain lines."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sessions", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--latency", type=int, nargs="+", default=[0, 25])
    args = parser.parse_args()
    # Other work on the machine skews every figure: print the load next to them.
    print(f"cpu cores: {os.cpu_count()}, python {sys.version.split()[0]}, load average {os.getloadavg()}")
    for defects in (False, True):
        print(f"generation defects={defects}:", generation(args.sessions, defects))
    for latency in args.latency:
        proc, url, token = serve(args.sessions, latency)
        try:
            cpu = cpu_seconds(proc.pid)
            result = load(url, token, args.clients, args.seconds)
            # Server CPU per second of load: near 1.0 means the server (one interpreter lock) is the bottleneck.
            result["server_cpu_share"] = round((cpu_seconds(proc.pid) - cpu) / args.seconds, 2)
            result["server_rss_mb"] = round(rss_mb(proc.pid))
            print(f"latency {latency} ms, {args.clients} clients, {args.sessions} sessions:", result)
            if latency == 0:
                print("whole lists:", full_list_seconds(url, token), "server_rss_mb:", round(rss_mb(proc.pid)))
        finally:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
