"""The SQL-and-report stage on a large organisation, in its own process: ``python -m bench.large``.

Given a database whose landing tables are filled (see ``bench.generate_large``),
it times, as a nightly run would do them: applying the ``sql/`` layers in the
sync's private work copy (per file, through a timing wrapper around the connection), publishing it, running all checks,
building every mart through the analyst API, and rendering the full report.
Then, untimed, it profiles the slowest SQL file with DuckDB's JSON profiler
and, optionally, the report rendering with cProfile.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb

TOP_OPERATORS = 8
"""Operators listed from the slowest SQL file's profile."""

PROFILE_CANDIDATES = 5
"""The slowest SQL files tried, in order, for that profile: the first with a plan is profiled (DuckDB writes no
profile for a view, macro or comment)."""


class TimedConnection:
    """Wraps a DuckDB connection; times each ``execute`` and labels it with the SQL's first comment."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.timings: list[tuple[str, float, str]] = []

    def execute(self, sql: str, *args: Any, **kwargs: Any) -> Any:
        """Run ``sql`` on the wrapped connection and record how long it took."""
        started = time.perf_counter()
        result = self._con.execute(sql, *args, **kwargs)
        label = sql.lstrip().splitlines()[0].lstrip("- ").split(":")[0] if sql.strip() else "?"
        if label.lower().startswith("comment on"):
            label = "comments on the views"
        self.timings.append((label, time.perf_counter() - started, sql))
        return result

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def _peak_mb() -> float:
    """This process's peak RSS so far, in MB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    """Reset this process's RSS high-water mark to its current RSS (Linux ``clear_refs``); False if it cannot."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


class StepPeaks:
    """Peak RSS of each step on its own: the high-water mark is reset as a step starts.

    On Linux the reset (``clear_refs``) also resets ``ru_maxrss``, so the figure after a step is that step's
    peak; where the reset is refused it is the process's peak so far (``resets`` says which).
    """

    def __init__(self) -> None:
        self.peaks: dict[str, float] = {}
        self.resets = True

    def start(self) -> None:
        """A step begins."""
        self.resets = _reset_peak() and self.resets

    def end(self, step: str) -> None:
        """``step`` has ended."""
        self.peaks[step] = _peak_mb()


def _progress(path: Path, step: str, started: float) -> None:
    path.write_text(json.dumps({"step": step, "elapsed_s": time.perf_counter() - started}), encoding="utf-8")


def profile_sql(db: Path, sql: str) -> dict[str, Any] | None:
    """Re-run one SQL file with DuckDB's profiler; return its latency and slowest operators, or None when
    the file has no plan to profile (DuckDB writes no profile for a view, macro or comment).

    It runs as in a full build (every session in ``staging._changed``) under the package's memory limit, in a
    transaction rolled back after, so a per-session file is measured on all its input, not on the sessions a
    later rebuild left there."""
    from quint_reports.settings import Resources
    from quint_reports.warehouse.views import rebuild_scope

    with tempfile.TemporaryDirectory(prefix="qbench-prof-") as tmp:
        out = Path(tmp) / "profile.json"
        with duckdb.connect(str(db)) as con:
            Resources.resolve().apply(con, db, "work")  # the memory limit the apply had
            con.begin()
            rebuild_scope(con, full=True)
            con.execute("set schema = 'staging'")  # where the layer files run (views.SCHEMAS)
            con.execute("pragma enable_profiling = 'json'")
            con.execute(f"pragma profiling_output = '{out}'")
            con.execute(sql)
            con.execute("pragma disable_profiling")
            con.rollback()
        if not out.exists():
            return None
        tree = json.loads(out.read_text(encoding="utf-8"))
    operators: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        name = node.get("operator_name") or node.get("operator_type")
        if name:
            info = node.get("extra_info") or {}
            detail = info.get("Table") or info.get("Function") or info.get("Aggregates") or ""
            operators.append(
                {
                    "operator": str(name).strip(),
                    "seconds": float(node.get("operator_timing") or 0.0),
                    "rows": int(node.get("operator_cardinality") or 0),
                    "detail": str(detail)[:80],
                }
            )
        for child in node.get("children", []):
            walk(child)

    walk(tree)
    operators.sort(key=lambda op: op["seconds"], reverse=True)
    return {
        "latency_s": float(tree.get("latency") or 0.0),
        "cpu_time_s": float(tree.get("cpu_time") or 0.0),
        "peak_buffer_memory_mb": float(tree.get("system_peak_buffer_memory") or 0) / 1e6,
        "operators": operators[:TOP_OPERATORS],
    }


def run_stage(db: Path, out: Path, progress: Path) -> dict[str, Any]:
    """Apply views, check, build marts, render the report; return the timings."""
    from quint_reports import analysis
    from quint_reports.analysis.checks import check
    from quint_reports.reporting.build import report
    from quint_reports.reporting.data import MARTS
    from quint_reports.warehouse.publish import WorkDatabase, connect
    from quint_reports.warehouse.views import apply_views

    started = time.perf_counter()
    peaks = StepPeaks()
    _progress(progress, "apply_views", started)
    # As sync does it: a private copy of the published file, every layer in one transaction, then
    # CHECKPOINT, fsync and an atomic replace. The copy and the publish are timed on their own.
    t0 = time.perf_counter()
    with WorkDatabase(db) as work:
        copy_s = time.perf_counter() - t0
        assert work.con is not None
        timed = TimedConnection(work.con)
        peaks.start()
        t0 = time.perf_counter()
        work.con.begin()
        apply_views(timed)  # type: ignore[arg-type]
        work.con.commit()
        apply_s = time.perf_counter() - t0
        peaks.end("apply_views")
        t0 = time.perf_counter()
        work.publish()
        publish_s = time.perf_counter() - t0

    _progress(progress, "checks", started)
    con = connect(db)
    try:
        peaks.start()
        t0 = time.perf_counter()
        findings = check(con)
        checks_s = time.perf_counter() - t0
        peaks.end("checks")
        _progress(progress, "marts", started)
        marts: dict[str, float] = {}
        rows: dict[str, int] = {}
        peaks.start()
        for name in MARTS:
            t0 = time.perf_counter()
            frame = getattr(analysis, name)(con)
            marts[name] = time.perf_counter() - t0
            rows[name] = len(frame)
        peaks.end("marts")
    finally:
        con.close()

    _progress(progress, "report", started)
    peaks.start()
    t0 = time.perf_counter()
    report(db, out)
    report_s = time.perf_counter() - t0
    peaks.end("report")
    total = time.perf_counter() - started
    slowest = sorted(timed.timings, key=lambda t: t[1], reverse=True)
    return {
        "copy_s": copy_s,
        "publish_s": publish_s,
        "apply_views_s": apply_s,
        "checks_s": checks_s,
        "findings": len(findings),
        "marts_s": sum(marts.values()),
        "marts": marts,
        "mart_rows": rows,
        "report_s": report_s,
        "total_s": total,
        "peak_rss_mb_step" if peaks.resets else "peak_rss_mb_after": peaks.peaks,
        "sql_files": [{"file": label, "seconds": seconds} for label, seconds, _ in slowest],
        "slowest_sql": [(label, sql) for label, _, sql in slowest[:PROFILE_CANDIDATES]],
    }


def touch_sessions(db: Path, share: float) -> tuple[int, float]:
    """Land ``share`` of the sessions anew, as a sync that refetched them would: their detail and events bodies,
    and their children body when they are parents, by a new run at one time. Type their events as the writer
    would; return how many sessions, and the seconds the typing took (the writer's, overlapped with its fetch).

    The bodies keep their text: what an apply rebuilds follows the run and fetch time, not the content."""
    from quint_reports.warehouse.publish import WorkDatabase
    from quint_reports.warehouse.views import type_events

    with WorkDatabase(db) as work:
        assert work.con is not None
        work.con.execute(
            "update raw.raw_session_bodies set run_id = 'bench-changed', fetched_at = now() "
            "where kind in ('detail', 'events', 'children') and hash(session_id) % 10000 < ?",
            [round(share * 10000)],
        )
        changed = work.con.execute(
            "select count(distinct session_id) from raw.raw_session_bodies where run_id = 'bench-changed'"
        ).fetchone()[0]  # type: ignore[index]
        started = time.perf_counter()
        work.con.begin()
        type_events(work.con)  # from the landed table: the writer reads its batch, which costs less
        work.con.commit()
        typing_s = time.perf_counter() - started
        work.publish()
    return int(changed), typing_s


def main(argv: list[str] | None = None) -> int:
    """Run the stage on ``--db`` and write the result JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.large")
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--out", required=True, type=Path, help="report folder")
    parser.add_argument("--profile-report", help="after the timed stage, cProfile the report into this file")
    parser.add_argument("--result", required=True, type=Path)
    parser.add_argument("--progress", required=True, type=Path)
    parser.add_argument(
        "--no-sql-profile", action="store_true", help="skip the untimed profiling re-run of the slowest SQL file"
    )
    parser.add_argument(
        "--changed-share",
        type=float,
        default=0.0,
        help="then land this share of sessions anew (detail, events, children) and run again",
    )
    args = parser.parse_args(argv)

    result = run_stage(args.db, args.out, args.progress)
    if args.changed_share:
        changed, typing_s = touch_sessions(args.db, args.changed_share)
        again = run_stage(args.db, args.out, args.progress)
        again.pop("slowest_sql")
        result["incremental"] = {"changed_sessions": changed, "typing_s": typing_s, **again}
    result["db_bytes"] = args.db.stat().st_size
    result["report_bytes"] = sum(p.stat().st_size for p in args.out.rglob("*") if p.is_file())
    # Untimed from here: where the time of the slowest SQL file goes.
    candidates = result.pop("slowest_sql")
    for label, sql in [] if args.no_sql_profile else candidates:
        profile = profile_sql(args.db, sql)
        if profile is not None:
            result["slowest_sql_profile"] = {"file": label, **profile}
            break
    if args.profile_report:
        from quint_reports.reporting.build import report

        profiler = cProfile.Profile()
        profiler.enable()
        report(args.db, args.out.with_name(args.out.name + "-profiled"))
        profiler.disable()
        profiler.dump_stats(args.profile_report)
    args.result.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
