"""The sync's writer on its own: ``python -m bench.writer_replay capture|replay``.

``capture`` runs one full sync against the simulator (0 ms, c=32) and pickles the
batches its writer landed, in order. ``replay`` lands them again, the way the writer
does (``Store.write`` per batch, the events typed every ``TYPE_SESSIONS``), into a
fresh work file in this process, with nothing else running in it, and prints the CPU
(DuckDB's threads included) and wall time of each landing statement and commit, then
of the publish's checkpoint. In a sync the writer's CPU mixes with the event loop's;
here it is the writer's alone, and the same batches make before/after comparable.
``--twice`` lands them a second time (every body then an update, unchanged).
"""

from __future__ import annotations

import argparse
import collections
import os
import pickle
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from bench.simproc import SimHost
from quint_reports.ingest import sync as sync_module
from quint_reports.ingest.store import Store
from quint_reports.warehouse.publish import WORK_CHECKPOINT_THRESHOLD, WorkDatabase


class _Timed:
    """A connection whose ``execute`` and ``commit`` add their CPU and wall time to ``figures`` under ``phase``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, figures: dict[str, list[float]], phase: list[str]) -> None:
        self._con, self._figures, self._phase = con, figures, phase

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def _timed(self, label: str, call: Callable[..., Any], *args: Any) -> Any:
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return call(*args)
        finally:
            row = self._figures[f"{self._phase[0]}: {label}"]
            row[0] += time.process_time() - cpu
            row[1] += time.perf_counter() - wall
            row[2] += 1

    def execute(self, sql: str, *args: Any) -> Any:
        return self._timed(sql.strip().splitlines()[0][:70], self._con.execute, sql, *args)

    def commit(self) -> Any:
        return self._timed("commit", self._con.commit)


def capture(sessions: int, out: Path) -> None:
    """One full sync of ``sessions`` sessions; the writer's batches pickled into ``out``."""
    batches: list[tuple[Any, ...]] = []
    land = sync_module._BatchWriter._land

    def kept(writer: Any, *args: Any) -> None:
        batches.append(args)
        land(writer, *args)

    sync_module._BatchWriter._land = kept  # type: ignore[method-assign]
    with SimHost(seed=1, sessions=sessions, latency_ms=0) as sim, tempfile.TemporaryDirectory() as tmp:
        os.environ["QUINT_API_TOKEN"] = sim.token
        result = sync_module.sync(Path(tmp) / "captured.duckdb", api_url=sim.base_url, full=True, concurrency=32)
    out.write_bytes(pickle.dumps(batches))
    print(f"{len(batches)} batches of {result.sessions} sessions, {result.events} events -> {out}")


def replay(batches_file: Path, db: Path, threshold: str | None, twice: bool) -> None:
    """Land the captured batches into a fresh ``db``; print each statement's CPU and wall time."""
    batches = pickle.loads(batches_file.read_bytes())
    figures: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0, 0])
    phase = ["setup"]
    for path in (db, db.with_name(db.name + ".wal")):
        path.unlink(missing_ok=True)
    cpu, wall = time.process_time(), time.perf_counter()
    with WorkDatabase(db) as work:
        assert work.con is not None
        if threshold:
            work.con.execute(f"set checkpoint_threshold = '{threshold}'")  # a size from the command line
        store = Store(_Timed(work.con, figures, phase))  # type: ignore[arg-type]
        store.ensure_schema()
        store.start_run("replay", "full", "replay", datetime.now(timezone.utc))
        for run in ("replay", "replay-again")[: 2 if twice else 1]:
            writer = sync_module._BatchWriter(store, run, 200)
            for batch, state, prune_keep, last in batches:
                phase[0] = "write"
                writer.store.write(writer.run_id, batch, state, prune_keep, writer.tally)
                phase[0] = "type"
                writer._type_landed(batch, last)
            tally = [writer.tally.count(kind) for kind in ("new", "updated", "unchanged")]
            print(f"{run}: sessions new, updated, unchanged {tally}")
        phase[0] = "publish"
        store.con.execute("checkpoint")
    print(f"writer and publish checkpoint: {time.process_time() - cpu:.2f} s CPU, {time.perf_counter() - wall:.2f} s")
    for label, (seconds, elapsed, count) in sorted(figures.items(), key=lambda kv: -kv[1][0])[:15]:
        print(f"  {seconds:7.3f} s CPU {elapsed:7.3f} s wall {int(count):4d}x  {label}")


def main(argv: list[str] | None = None) -> int:
    """Command line: capture a sync's batches, or replay them."""
    parser = argparse.ArgumentParser(prog="python -m bench.writer_replay")
    parser.add_argument("mode", choices=("capture", "replay"))
    parser.add_argument("--batches", type=Path, required=True, help="the pickle capture writes and replay reads")
    parser.add_argument("--sessions", type=int, default=2000, help="capture: the organisation's size")
    parser.add_argument("--db", type=Path, help="replay: the database to land into (made afresh)")
    parser.add_argument("--checkpoint-threshold", help="replay: DuckDB's checkpoint_threshold, e.g. 16MB")
    parser.add_argument("--twice", action="store_true", help="replay: land the batches a second time")
    args = parser.parse_args(argv)
    if args.mode == "capture":
        capture(args.sessions, args.batches)
    else:
        threshold = args.checkpoint_threshold or WORK_CHECKPOINT_THRESHOLD
        replay(args.batches, args.db or args.batches.with_suffix(".duckdb"), threshold, args.twice)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
