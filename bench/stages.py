"""The benchmark stages: full-sync matrix with peers, incremental sync, large organisation, profile.

Each stage returns plain dicts (JSON-ready); ``bench.results_md`` renders them.
Every loader and the large-org stage run in child processes (``bench.procs``);
the simulator runs in its own process (``bench.simproc``).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.procs import run_child
from bench.simproc import SimHost


@dataclass(frozen=True)
class Plan:
    """What one benchmark run measures, and its time caps."""

    sizes: tuple[int, ...] = (2_000, 10_000)
    latencies_ms: tuple[int, ...] = (0, 25)
    concurrencies: tuple[int, ...] = (1, 8, 32, 64)
    cap_s: float = 125.0
    """Our sync still going after this long is stopped; its rate up to then is reported."""
    short_cap_s: float = 30.0
    """The cap of a run whose latency bound alone exceeds its cap: its rate is steady, more time adds nothing."""
    peer_cap_s: float = 120.0
    """The cap of the dlt peer (it normalizes and loads after extracting, so it needs the time; at 10,000 sessions
    it takes some 80 s, and a cap of 60 s left only a lower bound, too low to decide the 3x target)."""
    naive_cap_s: float = 30.0
    """The cap of the naive peer (a steady rate from the first second)."""
    dlt_concurrencies: tuple[int, ...] = (8, 32, 64)
    """dlt's pool sizes, up to ``dlt_every_concurrency_up_to`` sessions (c=1 would switch its parallelism off)."""
    dlt_every_concurrency_up_to: int = 2_000
    """Above this size dlt runs at ``profile_concurrency`` only: each run would take minutes."""
    seed: int = 1
    incremental_sessions: int = 2_000
    incremental_latency_ms: int = 25
    incremental_concurrency: int = 32
    new_share: float = 0.01
    advance_share: float = 0.05
    large_sessions: int = 100_000
    large_events: int = 5_000_000
    nightly_changed_share: float = 0.01
    """After the large stage's full build, this share of sessions is landed anew (detail, events, children) and the steps run again."""
    end_to_end_sessions: int = 100_000
    """The organisation of the end-to-end nightly stage, served by the simulator over HTTP (about 50 events each)."""
    end_to_end_latency_ms: int = 25
    end_to_end_open_share: float | None = 0.01
    """Share of the trees still running when the nightly starts. The simulator's default (0.14) is sized so that a
    few hundred sessions exercise every live path; at 100,000 sessions it left 9,063 sessions running at once, four
    days of this organisation's sessions (it starts some 2,400 a day over six weeks), which every incremental run
    must refetch: not the target's "1% changed". One tree in a hundred is still more than runs at once when most
    sessions last the simulator's half hour. None: the simulator's default."""
    end_to_end_page_size: int = 1_000
    """The simulator lists sessions in pages of this many with a cursor (one list body of 100,000 would pass the
    sync's 64 MiB response limit)."""
    growth_sessions: tuple[int, ...] = (10_000, 100_000)
    """Sizes of the growth stage (the large stage's steps at each), events per session as in the large stage."""
    profile: bool = True
    profile_size: int = 2_000
    profile_concurrency: int = 32
    probe_requests: int = 1_000
    profile_report: bool = False
    """Also cProfile a second rendering of the large report (about as long as the first)."""
    peers: bool = True
    """Run the naive and dlt peers beside ours in the sync stage (off: ours alone, for quick measurements)."""


FULL = Plan()
SMOKE = Plan(
    sizes=(30,),
    latencies_ms=(0,),
    concurrencies=(8,),
    dlt_concurrencies=(8,),
    incremental_sessions=100,
    incremental_latency_ms=0,
    incremental_concurrency=8,
    large_sessions=1_000,
    large_events=50_000,
    end_to_end_sessions=200,
    end_to_end_latency_ms=0,
    end_to_end_page_size=50,
    growth_sessions=(200, 2_000),
    profile=False,
)


def _fresh(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def run_loader(
    sim: SimHost,
    loader: str,
    concurrency: int,
    work: Path,
    cap_s: float | None,
    *,
    db: Path | None = None,
    incremental: bool = False,
    profile: Path | None = None,
) -> dict[str, Any]:
    """Run one loader against ``sim`` in a child process; return its figures.

    A run stopped at ``cap_s`` reports how many sessions the simulator had served
    details for by then (every loader fetches each session's detail once), so its
    sessions/s is measured, and its full time is an estimate marked as such.
    """
    run_dir = _fresh(work / f"{loader}-c{concurrency}{'-inc' if incremental else ''}")
    db = db or run_dir / "db.duckdb"
    args = [
        loader,
        "--api-url",
        sim.base_url,
        "--db",
        str(db),
        "--work-dir",
        str(run_dir),
        "--concurrency",
        str(concurrency),
    ]
    if incremental:
        args.append("--incremental")
    if profile is not None:
        args += ["--profile", str(profile)]
    env = dict(os.environ, QUINT_API_TOKEN=sim.token)
    sim.command("reset_stats")
    server_cpu_before = sim.cpu_seconds()
    measured = run_child("bench.child", args, env=env, timeout_s=cap_s)
    server_cpu_after = sim.cpu_seconds()
    stats = sim.command("stats")
    total = int(sim.info["listed_sessions"])
    done = int(stats.get("by_endpoint", {}).get("sessions.detail", 0))
    result = measured.result
    capped = measured.timed_out
    seconds = float(result.get("seconds") or measured.progress.get("elapsed_s") or measured.wall_s)
    requests = int(result.get("requests") or measured.progress.get("requests") or stats.get("requests", 0))
    row: dict[str, Any] = {
        "loader": loader,
        "sessions_total": total,
        "events_total": int(sim.info["events"]),
        "latency_ms": sim.latency_ms,
        "concurrency": concurrency,
        "incremental": incremental,
        "seconds": seconds,
        "capped": capped,
        "cap_s": cap_s,
        "requests": requests,
        "server_requests": int(stats.get("requests", 0)),
        "requests_by_endpoint": stats.get("by_endpoint", {}),
        "max_in_flight": int(result.get("max_in_flight") or measured.progress.get("max_in_flight") or 0),
        "sessions_done": done,
        "sessions": result.get("sessions"),
        "events": result.get("events"),
        # The load's own peak; the child's whole one includes the count that verifies the landing afterwards.
        "peak_rss_mb": result.get("load_peak_rss_mb") or measured.peak_rss_mb,
        "process_peak_rss_mb": measured.peak_rss_mb,
        "cpu_s": measured.cpu_s,
        # CPU of the load call alone (all threads), without the imports; cpu_s is the whole child.
        "load_cpu_s": result.get("load_cpu_s"),
        "server_cpu_s": (server_cpu_after - server_cpu_before)
        if server_cpu_before is not None and server_cpu_after is not None
        else None,
        "ok": measured.returncode == 0 or capped,
        "error": "" if measured.returncode == 0 or capped else measured.stderr_tail.strip().splitlines()[-1:],
    }
    row["sessions_per_s"] = done / seconds if seconds > 0 else 0.0
    row["requests_per_s"] = requests / seconds if seconds > 0 else 0.0
    row["requests_per_session"] = requests / done if done else None
    row["est_seconds"] = total / row["sessions_per_s"] if capped and row["sessions_per_s"] else seconds
    # dlt normalizes and loads only after extracting everything: a rate-based estimate misses that part,
    # so a stopped dlt run (or any run stopped after fetching everything) gives only a lower bound.
    row["est_kind"] = "exact" if not capped else "lower" if loader == "dlt" or done >= total else "rate"
    if capped:
        row["est_seconds"] = max(row["est_seconds"], seconds)
    est_requests = row["requests_per_session"] * total if capped and row["requests_per_session"] else requests
    row["latency_bound_s"] = est_requests * sim.latency_ms / 1000 / concurrency
    if db.parent == run_dir:
        shutil.rmtree(run_dir, ignore_errors=True)
    return row


def sync_matrix(plan: Plan, work: Path, log: Any) -> dict[str, Any]:
    """Full syncs of every size and latency: ours at each concurrency, the naive peer, dlt at each concurrency."""
    runs: list[dict[str, Any]] = []
    sims: list[dict[str, Any]] = []
    profile: dict[str, Any] | None = None
    probes: list[dict[str, Any]] = []
    for size in plan.sizes:
        for latency in plan.latencies_ms:
            with SimHost(seed=plan.seed, sessions=size, latency_ms=latency) as sim:
                sims.append(
                    {
                        "sessions": size,
                        "latency_ms": latency,
                        "start_s": sim.start_seconds,
                        "listed_sessions": sim.info["listed_sessions"],
                        "events": sim.info["events"],
                    }
                )
                log(f"simulator: {size} sessions, {latency} ms, started in {sim.start_seconds:.1f} s")
                dlt = (
                    plan.dlt_concurrencies if size <= plan.dlt_every_concurrency_up_to else (plan.profile_concurrency,)
                )
                jobs = [("ours", c) for c in plan.concurrencies]
                if plan.peers:
                    jobs += [("naive", 1)] + [("dlt", c) for c in dlt]
                for loader, concurrency in jobs:
                    row = run_loader(sim, loader, concurrency, work, cap_for(plan, loader, size, latency, concurrency))
                    row["size"] = size
                    runs.append(row)
                    log(_describe(row))
                if plan.profile and size == plan.profile_size:
                    probes.append(client_probe(sim, plan, work, log))
                    if latency == 0:
                        profile = profile_sync(sim, plan.profile_concurrency, work, log)
    return {"runs": runs, "simulators": sims, "profile": profile, "probes": probes}


REQUESTS_PER_SESSION = {"ours": 2.4, "naive": 3.0, "dlt": 3.0}
"""Rough requests per session, only to foresee runs the latency alone makes longer than their cap."""


def cap_for(plan: Plan, loader: str, size: int, latency_ms: int, concurrency: int) -> float:
    """The time cap of one run: short when its latency bound alone exceeds the normal cap."""
    cap = {"ours": plan.cap_s, "naive": plan.naive_cap_s, "dlt": plan.peer_cap_s}[loader]
    bound = REQUESTS_PER_SESSION[loader] * size * latency_ms / 1000 / concurrency
    return min(cap, plan.short_cap_s) if bound > cap else cap


def client_probe(sim: SimHost, plan: Plan, work: Path, log: Any) -> dict[str, Any]:
    """CPU per request of plain httpx at our concurrencies: one pool, and the load spread over small pools."""
    concurrencies = ",".join(str(c) for c in plan.concurrencies if c > 1)
    measured = run_child(
        "bench.client_probe",
        ["--api-url", sim.base_url, "--concurrencies", concurrencies, "--requests", str(plan.probe_requests)],
        env=dict(os.environ, QUINT_API_TOKEN=sim.token),
        timeout_s=300,
    )
    rows = measured.result.get("rows", [])
    if not rows:
        log(f"client probe at {sim.latency_ms} ms failed: {measured.stderr_tail.strip().splitlines()[-1:]}")
    for row in rows:
        log(
            f"client probe {sim.latency_ms} ms c={row['concurrency']} clients={row['clients']}: "
            f"{row['requests_per_s']:.0f} req/s, {row['cpu_ms_per_request']:.2f} ms CPU/request"
        )
    return {"latency_ms": sim.latency_ms, "rows": rows}


def profile_sync(sim: SimHost, concurrency: int, work: Path, log: Any) -> dict[str, Any]:
    """One extra, untimed-for-the-table run of ours under cProfile (CPU-bound: 0 ms latency)."""
    from bench.profiles import summarize

    out = work / "sync.prof"
    row = run_loader(sim, "ours", concurrency, work, None, profile=out)
    log(f"profiled: {_describe(row)}")
    return {"run": row, "profile": summarize(out) if out.exists() else {}}


def _change(sim: SimHost, plan: Plan, size: int) -> tuple[int, int]:
    """Add ``new_share`` of ``size`` sessions and move ``advance_share`` of the open ones on; (added, changed)."""
    added = sim.command("add_sessions", n=max(1, round(size * plan.new_share)))["ids"]
    changed = sim.command("advance", share=plan.advance_share)["ids"]
    sim.info.update(sim.command("manifest"))
    return added, changed


def incremental(plan: Plan, work: Path, log: Any) -> dict[str, Any]:
    """Full sync, then 1% new sessions and 5% of the open ones changed: incremental, then full again."""
    size, latency, concurrency = plan.incremental_sessions, plan.incremental_latency_ms, plan.incremental_concurrency
    db = _fresh(work / "incremental") / "db.duckdb"
    with SimHost(seed=plan.seed, sessions=size, latency_ms=latency) as sim:
        first = run_loader(sim, "ours", concurrency, work, None, db=db)
        log(f"incremental stage, first full: {_describe(first)}")
        added, changed = _change(sim, plan, size)
        inc = run_loader(sim, "ours", concurrency, work, None, db=db, incremental=True)
        log(f"incremental: {_describe(inc)}")
        again = run_loader(sim, "ours", concurrency, work, None, db=db)
        log(f"full after the changes: {_describe(again)}")
    return {
        "sessions": size,
        "latency_ms": latency,
        "concurrency": concurrency,
        "added": added,
        "changed": changed,
        "first_full": first,
        "incremental": inc,
        "full_after": again,
    }


def end_to_end(plan: Plan, work: Path, log: Any) -> dict[str, Any]:
    """The nightly job as cron runs it (sync, checks, report) on the simulator's organisation: a full run, then
    the same after 1% new sessions and a share of the open ones changed."""
    from quint_reports.settings import DEFAULT_CONCURRENCY

    size, latency = plan.end_to_end_sessions, plan.end_to_end_latency_ms
    db = _fresh(work / "end-to-end") / "db.duckdb"
    with SimHost(
        seed=plan.seed,
        sessions=size,
        latency_ms=latency,
        page_size=plan.end_to_end_page_size,
        open_share=plan.end_to_end_open_share,
    ) as sim:
        log(f"end-to-end stage: simulator of {size:,} sessions up in {sim.start_seconds:.1f} s")
        full = run_loader(sim, "nightly", DEFAULT_CONCURRENCY, work, None, db=db)
        log(f"end-to-end, full nightly: {_describe(full)}")
        added, changed = _change(sim, plan, size)
        running = int(sim.info["running"])
        inc = run_loader(sim, "nightly", DEFAULT_CONCURRENCY, work, None, db=db, incremental=True)
        log(f"end-to-end, incremental nightly: {_describe(inc)}")
    return {
        "sessions": size,
        "latency_ms": latency,
        "concurrency": DEFAULT_CONCURRENCY,
        "page_size": plan.end_to_end_page_size,
        "open_share": plan.end_to_end_open_share,
        "running": running,
        "simulator_start_s": sim.start_seconds,
        "org_sessions": int(sim.info["sessions"]),
        "added": added,
        "changed": changed,
        "full": full,
        "incremental": inc,
    }


def organisation(
    plan: Plan, stage: Path, sessions: int, events: int, log: Any, *, extra: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Generate an organisation into ``stage`` (timed on its own), then time views, checks, marts and report.

    ``extra``: more switches of ``bench.large``. The large and the growth stages both run through here.
    """
    db = stage / "org.duckdb"
    gen = run_child(
        "bench.generate_large",
        ["--db", str(db), "--sessions", str(sessions), "--events", str(events)],
        timeout_s=None,
    )
    if gen.returncode != 0:
        raise RuntimeError(f"generating the organisation of {sessions} sessions failed: {gen.stderr_tail}")
    landed_bytes = db.stat().st_size
    log(f"generated {sessions} sessions / {events} events in {gen.wall_s:.1f} s")
    measured = run_child("bench.large", ["--db", str(db), "--out", str(stage / "report"), *extra], timeout_s=None)
    if measured.returncode != 0:
        raise RuntimeError(f"the SQL-and-report stage on {sessions} sessions failed: {measured.stderr_tail}")
    result = dict(measured.result)
    # The timed steps' peak, measured inside the stage before its untimed profiling re-runs.
    steps = result.get("peak_rss_mb_step") or result.get("peak_rss_mb_after") or {}
    peak = max(steps.values(), default=measured.peak_rss_mb)
    log(f"{sessions} sessions: total {result.get('total_s', 0):.1f} s, peak RSS {peak:.0f} MB")
    return {
        "sessions": sessions,
        "events": events,
        "generate_s": gen.wall_s,
        # Typing the events as they land: the sync's writer does it, overlapped with the fetch.
        "typing_s": gen.result.get("typing_s"),
        "generate_peak_rss_mb": gen.peak_rss_mb,
        "landed_bytes": landed_bytes,
        "peak_rss_mb": peak,
        "process_peak_rss_mb": measured.peak_rss_mb,
        "cpu_s": measured.cpu_s,
        "stage": result,
    }


def large(plan: Plan, work: Path, log: Any) -> dict[str, Any]:
    """The large organisation: a full build, then the nightly's rebuild after a share of it landed anew."""
    stage = _fresh(work / "large")
    extra: tuple[str, ...] = ("--changed-share", str(plan.nightly_changed_share)) if plan.nightly_changed_share else ()
    if plan.profile and plan.profile_report:
        extra += ("--profile-report", str(stage / "report.prof"))
    result = organisation(plan, stage, plan.large_sessions, plan.large_events, log, extra=extra)
    result["report_profile"] = None
    if plan.profile and (stage / "report.prof").exists():
        from bench.profiles import summarize

        result["report_profile"] = summarize(stage / "report.prof")
    return result


def growth(plan: Plan, work: Path, log: Any) -> dict[str, Any]:
    """The large stage's steps at each of ``plan.growth_sessions``, events per session as in the large stage."""
    per_session = plan.large_events / plan.large_sessions
    sizes = []
    for sessions in sorted(plan.growth_sessions):
        stage = _fresh(work / f"growth-{sessions}")
        sizes.append(
            organisation(plan, stage, sessions, round(sessions * per_session), log, extra=("--no-sql-profile",))
        )
        shutil.rmtree(stage, ignore_errors=True)  # a 1M-session organisation takes tens of GB
    return {"events_per_session": per_session, "sizes": sizes}


def _describe(row: dict[str, Any]) -> str:
    state = "CAPPED" if row["capped"] else ("ok" if row["ok"] else f"FAILED {row['error']}")
    return (
        f"{row['loader']:<5} n={row['sessions_total']} {row['latency_ms']}ms c={row['concurrency']}: "
        f"{row['seconds']:.1f} s {state}, {row['sessions_per_s']:.0f} sessions/s, {row['requests']} requests, "
        f"rss {row['peak_rss_mb']:.0f} MB, landed {row['sessions']}/{row['events']}"
    )


STARTUP_REPEATS = 5
"""Runs of each command; the best is the start cost, the median shows the noise of a shared machine."""


def startup(plan: Plan, work: Path, log: Any) -> dict[str, Any]:
    """Wall time of the CLI's start beside the interpreter's own (``python -c pass``), best of a few runs."""
    import statistics
    import subprocess
    import sys
    import time

    db = _fresh(work / "startup") / "db.duckdb"
    with SimHost(seed=plan.seed, sessions=30, latency_ms=0) as sim:
        run_loader(sim, "ours", 8, work, None, db=db)
    cli = str(Path(sys.executable).with_name("quint-reports"))
    commands = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "quint-reports --help": [cli, "--help"],
        "quint-reports check --help": [cli, "check", "--help"],
        "quint-reports check (30-session database)": [cli, "check", "--db", str(db)],
    }
    rows = []
    for name, argv in commands.items():
        times, code = [], 0
        for _ in range(STARTUP_REPEATS):
            started = time.perf_counter()
            code = subprocess.run(argv, capture_output=True, check=False).returncode
            times.append(time.perf_counter() - started)
        rows.append({"command": name, "best_s": min(times), "median_s": statistics.median(times), "returncode": code})
        log(f"startup: {name}: best {min(times):.3f} s, median {statistics.median(times):.3f} s, exit {code}")
    return {"rows": rows, "repeats": STARTUP_REPEATS}


def lake(plan: Plan, work: Path, log: Any) -> dict[str, Any]:
    """The lake's publish beside the file's: first, after 1% new and 5% changed sessions, and unchanged.

    The lake's catalog is a DuckDB file here (no server to start); its data a local folder.
    The file's figure is its whole incremental sync (fetch, land, views, copy and replace).
    """
    from quint_reports.warehouse.lake import publish_lake, resolve_lake

    size, latency, concurrency = plan.incremental_sessions, plan.incremental_latency_ms, plan.incremental_concurrency
    folder = _fresh(work / "lake")
    db = folder / "db.duckdb"
    target = resolve_lake(f"ducklake:{folder / 'catalog.ducklake'}", folder / "data")
    assert target is not None
    with SimHost(seed=plan.seed, sessions=size, latency_ms=latency) as sim:
        first = run_loader(sim, "ours", concurrency, work, None, db=db)
        lake_first = publish_lake(db, target)
        log(f"lake stage, first: file sync {first['seconds']:.1f} s, lake publish {lake_first.seconds:.1f} s")
        sim.command("add_sessions", n=max(1, round(size * plan.new_share)))
        sim.command("advance", share=plan.advance_share)
        inc = run_loader(sim, "ours", concurrency, work, None, db=db, incremental=True)
        lake_inc = publish_lake(db, target)
        log(f"lake stage, incremental: file sync {inc['seconds']:.1f} s, lake publish {lake_inc.seconds:.1f} s")
    lake_same = publish_lake(db, target)
    return {
        "sessions": size,
        "latency_ms": latency,
        "concurrency": concurrency,
        "file_first": first,
        "file_incremental": inc,
        "lake_first": dataclasses.asdict(lake_first),
        "lake_incremental": dataclasses.asdict(lake_inc),
        "lake_unchanged": dataclasses.asdict(lake_same),
    }
