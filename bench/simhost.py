"""The simulator in a process of its own, driven over a pipe: ``python -m bench.simhost``.

It serves the same ``Simulator`` the CLI's ``quint-reports simulate`` serves,
so the server never shares a GIL with the loader being measured. Its first
stdout line is JSON with the base URL, the token (over the pipe, never argv)
and the organisation's size; then it answers JSON commands read from stdin,
one per line: ``add_sessions``, ``advance``, ``stats``, ``reset_stats``, ``stop``.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from quint_reports.simulator import Faults, Simulator


def _answer(value: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(value) + "\n")
    sys.stdout.flush()


def _running(sim: Simulator) -> int:
    """Sessions not ended: what an incremental run must refetch whether they changed or not."""
    with sim.org.lock:
        return sum(1 for s in sim.org.sessions if s.ended_ts is None)


def serve(
    seed: int, sessions: int, latency_ms: int, page_size: int | None = None, open_share: float | None = None
) -> None:
    """Start the simulator, announce it, and obey commands until ``stop`` or end of input."""
    faults = Faults(latency_ms=latency_ms)
    with Simulator(
        seed=seed, sessions=sessions, defects=False, faults=faults, page_size=page_size, open_share=open_share
    ) as sim:
        manifest = sim.manifest
        _answer(
            {
                "base_url": sim.base_url,
                "token": sim.token,
                "sessions": manifest["sessions"],
                "listed_sessions": manifest["listed_sessions"],
                "events": manifest["events"],
                "running": _running(sim),
            }
        )
        for line in sys.stdin:
            command = json.loads(line)
            name = command.get("cmd")
            if name == "add_sessions":
                _answer({"ids": len(sim.add_sessions(int(command["n"])))})
            elif name == "advance":
                _answer({"ids": len(sim.advance(float(command["share"])))})
            elif name == "stats":
                _answer(sim.stats())
            elif name == "reset_stats":
                sim.reset_stats()
                _answer({})
            elif name == "manifest":
                manifest = sim.manifest
                _answer(
                    {**{k: manifest[k] for k in ("sessions", "listed_sessions", "events")}, "running": _running(sim)}
                )
            elif name == "stop":
                _answer({})
                break
            else:
                _answer({"error": f"unknown command {name!r}"})


def main(argv: list[str] | None = None) -> int:
    """Command line of the simulator host."""
    parser = argparse.ArgumentParser(prog="python -m bench.simhost")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sessions", type=int, required=True)
    parser.add_argument("--latency-ms", type=int, default=0)
    parser.add_argument("--page-size", type=int, help="list sessions in pages of this many, with a cursor")
    parser.add_argument("--open-share", type=float, help="share of trees still running (simulator default if unset)")
    args = parser.parse_args(argv)
    serve(args.seed, args.sessions, args.latency_ms, args.page_size, args.open_share)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
