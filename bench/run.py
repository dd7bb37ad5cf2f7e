"""Run the benchmarks and write RESULTS.md: ``python -m bench.run`` (``make bench``).

``--smoke`` runs a tiny version of every stage (30 sessions, one latency, one
concurrency, both peers, a 1,000-session large organisation, growth from 200 to
2,000 sessions) and writes to a temporary folder, never to bench/RESULTS.md;
``make test`` runs it.

Example:
    python -m bench.run                      # the full run, about 32 minutes on 2 cores
    python -m bench.run --smoke --out /tmp/b # the smoke, results in /tmp/b
    python -m bench.run --stages sync --sizes 2000 --latencies 25 --concurrencies 32 --no-profile --no-peers --out /tmp/b
                                             # one full sync of ours, for a quick measurement
    python -m bench.run --stages growth --growth-sessions 10000,100000,1000000 --out bench/growth-1m
                                             # the growth stage up to 1M sessions (make bench-1m)
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from bench import stages
from bench.machine import load_average, machine_info
from bench.results_md import GROWTH_PLOT, growth_svg, render

STAGES = ("sync", "incremental", "large", "end_to_end", "startup", "lake", "growth")
"""Stages in the order they run."""

RESULTS_DIR = Path(__file__).resolve().parent
"""Where the full run writes RESULTS.md and results.json."""


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(",") if part.strip())


def build_plan(args: argparse.Namespace) -> stages.Plan:
    """The plan: the full or smoke defaults, with any sizes, latencies or caps given on the command line."""
    plan = stages.SMOKE if args.smoke else stages.FULL
    changes: dict[str, Any] = {}
    if args.sizes:
        changes["sizes"] = _ints(args.sizes)
    if args.latencies:
        changes["latencies_ms"] = _ints(args.latencies)
    if args.concurrencies:
        changes["concurrencies"] = _ints(args.concurrencies)
    if args.cap_s is not None:
        changes["cap_s"] = args.cap_s
    if args.large_sessions:
        changes["large_sessions"] = args.large_sessions
    if args.large_events:
        changes["large_events"] = args.large_events
    if args.growth_sessions:
        changes["growth_sessions"] = _ints(args.growth_sessions)
    if args.incremental_sessions:
        changes["incremental_sessions"] = args.incremental_sessions
    if args.end_to_end_sessions:
        changes["end_to_end_sessions"] = args.end_to_end_sessions
    if args.no_profile:
        changes["profile"] = False
    if args.no_peers:
        changes["peers"] = False
    return dataclasses.replace(plan, **changes)


def main(argv: list[str] | None = None) -> int:
    """Run the chosen stages and write RESULTS.md and results.json."""
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes; writes to a temporary folder")
    parser.add_argument(
        "--out",
        type=Path,
        help="folder for RESULTS.md and results.json (default: bench/, or a temporary folder with --smoke)",
    )
    parser.add_argument("--stages", default=",".join(STAGES), help=f"comma-separated subset of {','.join(STAGES)}")
    parser.add_argument("--sizes", help="session counts of the full syncs, e.g. 2000,10000")
    parser.add_argument("--latencies", help="per-request latencies in ms, e.g. 0,25")
    parser.add_argument("--concurrencies", help="e.g. 1,8,32,64")
    parser.add_argument("--cap-s", type=float, help="stop a loader run after this many seconds")
    parser.add_argument("--large-sessions", type=int)
    parser.add_argument("--large-events", type=int)
    parser.add_argument("--incremental-sessions", type=int)
    parser.add_argument("--end-to-end-sessions", type=int, help="the organisation of the end-to-end nightly stage")
    parser.add_argument("--growth-sessions", help="session counts of the growth stage, e.g. 10000,100000,1000000")
    parser.add_argument("--no-profile", action="store_true")
    parser.add_argument(
        "--no-peers", action="store_true", help="sync stage: run ours only, not the naive and dlt peers"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder (databases, reports)")
    args = parser.parse_args(argv)
    plan = build_plan(args)
    chosen = [s.strip() for s in args.stages.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(STAGES))
    if unknown:
        parser.error(f"unknown stages: {', '.join(unknown)}")
    out = args.out or (Path(tempfile.mkdtemp(prefix="qbench-smoke-")) if args.smoke else RESULTS_DIR)
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="qbench-work-"))

    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:7.1f} s] {message}", file=sys.stderr, flush=True)

    shown = _public_args(argv if argv is not None else sys.argv[1:])
    results: dict[str, Any] = {
        "command": " ".join(["python -m bench.run", *shown]) if shown else "make bench (python -m bench.run)",
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine_info(),
        "plan": dataclasses.asdict(plan),
    }
    if set(chosen) != set(STAGES):
        results["partial"] = ", ".join(chosen)
    runners = {
        "sync": stages.sync_matrix,
        "incremental": stages.incremental,
        "large": stages.large,
        "end_to_end": stages.end_to_end,
        "startup": stages.startup,
        "lake": stages.lake,
        "growth": stages.growth,
    }
    errors: dict[str, str] = {}
    results["errors"] = errors
    try:
        for stage in STAGES:
            if stage not in chosen:
                continue
            try:
                results[stage] = runners[stage](plan, work, log)
            except Exception as exc:  # noqa: BLE001 - one failed stage must not cost the others' figures
                errors[stage] = f"{type(exc).__name__}: {str(exc)[-800:]}"
                log(f"stage {stage} failed: {errors[stage]}")
            results["seconds"] = time.perf_counter() - started
            _write(out, results)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        else:
            log(f"work folder kept: {work}")
    results["seconds"] = time.perf_counter() - started
    results["machine"]["load average at end"] = load_average()
    _write(out, results)
    log(f"wrote {out / 'RESULTS.md'}")
    return 1 if errors else 0


_PATH = re.compile(r"/(?:tmp|work|root|home|usr|opt|var)/[^\s'\"`)]*")
"""Absolute paths (in error texts) that would name the machine: replaced before writing."""


def _write(out: Path, results: dict[str, Any]) -> None:
    """Write results.json and RESULTS.md (after every stage, so a late failure keeps the earlier figures)."""
    text = json.dumps(results, indent=1, default=str) + "\n"
    (out / "results.json").write_text(_PATH.sub("<path>", text), encoding="utf-8")
    (out / "RESULTS.md").write_text(_PATH.sub("<path>", render(results)), encoding="utf-8")
    plot = growth_svg(results["growth"]) if results.get("growth") else None
    if plot:
        (out / GROWTH_PLOT).write_text(plot, encoding="utf-8")


def _public_args(argv: list[str]) -> list[str]:
    """The command-line arguments worth showing in RESULTS.md (no folders: they are machine paths)."""
    shown, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--out":
            skip = True
            continue
        if arg.startswith("--out=") or arg == "--keep":
            continue
        shown.append(arg)
    return shown


if __name__ == "__main__":
    raise SystemExit(main())
