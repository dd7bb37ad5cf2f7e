"""One loader run, in its own process: ``python -m bench.child LOADER ...``.

Reads the token from ``QUINT_API_TOKEN`` (never from argv), counts requests
with the shim in ``bench.counting``, writes progress while it runs (so a run
stopped at its time cap still tells how far it got) and its result at the end.
Only the load itself is timed: interpreter start-up, imports and the
row counting afterwards are not.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from bench.counting import RequestCounter, install

LOADERS = ("ours", "nightly", "naive", "dlt")
"""The loaders a child can run."""

PROGRESS_EVERY_S = 0.25
"""How often the progress file is rewritten."""


def _write_json(path: Path, value: dict[str, Any]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(value), encoding="utf-8")
    os.replace(tmp, path)


def _loader(name: str, args: argparse.Namespace, token: str) -> tuple[Callable[[], Any], Callable[[], dict[str, int]]]:
    """Return (load, count) for the named loader."""
    db = Path(args.db)
    if name == "ours":
        from bench import ours

        return (lambda: ours.load(args.api_url, token, db, args.concurrency, full=not args.incremental)), (
            lambda: ours.count(db)
        )
    if name == "nightly":
        from bench import ours

        out = Path(args.work_dir) / "report"
        return (lambda: ours.nightly_run(args.api_url, token, db, out, full=not args.incremental)), (
            lambda: ours.count(db)
        )
    if name == "naive":
        from bench.peers import naive

        return (lambda: naive.load(args.api_url, token, db)), (lambda: naive.count(db))
    from bench.peers import dlt_rest

    dlt_rest.configure(args.concurrency)
    return (lambda: dlt_rest.load(args.api_url, token, db, Path(args.work_dir), args.concurrency)), (
        lambda: dlt_rest.count(db)
    )


def main(argv: list[str] | None = None) -> int:
    """Run one loader and write its result JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.child")
    parser.add_argument("loader", choices=LOADERS)
    parser.add_argument("--api-url", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--incremental", action="store_true", help="ours and nightly: an incremental run, not --full")
    parser.add_argument("--profile", help="write a cProfile of the load to this file")
    parser.add_argument("--result", required=True)
    parser.add_argument("--progress", required=True)
    args = parser.parse_args(argv)
    token = os.environ.get("QUINT_API_TOKEN", "")
    if not token:
        print("QUINT_API_TOKEN is not set", file=sys.stderr)
        return 2

    counter = RequestCounter()
    install(counter)
    load, count = _loader(args.loader, args, token)
    progress_path = Path(args.progress)
    stop = threading.Event()

    def report_progress() -> None:
        while not stop.wait(PROGRESS_EVERY_S):
            _write_json(progress_path, counter.snapshot())

    def on_term(signum: int, frame: FrameType | None) -> None:
        # Stopped at the time cap: leave the last counts behind and exit at once.
        _write_json(progress_path, counter.snapshot())
        os._exit(3)

    signal.signal(signal.SIGTERM, on_term)
    threading.Thread(target=report_progress, daemon=True).start()
    profiler = cProfile.Profile() if args.profile else None
    counter.started = time.perf_counter()
    started, cpu_started = counter.started, time.process_time()
    if profiler is not None:
        profiler.enable()
    load()
    if profiler is not None:
        profiler.disable()
    seconds = time.perf_counter() - started
    load_cpu_s = time.process_time() - cpu_started
    # Before the count below: it parses every landed events body and is the bench's check, not the loader's work.
    load_peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    stop.set()
    snapshot = counter.snapshot()
    _write_json(progress_path, snapshot)
    if profiler is not None:
        profiler.dump_stats(args.profile)
    result = {
        "loader": args.loader,
        "seconds": seconds,
        "load_cpu_s": load_cpu_s,
        "load_peak_rss_mb": load_peak_rss_mb,
        "requests": snapshot["requests"],
        "http_errors": snapshot["http_errors"],
        "max_in_flight": snapshot["max_in_flight"],
    }
    result.update(count())
    _write_json(Path(args.result), result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
