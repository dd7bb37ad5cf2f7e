"""Render the benchmark results (the dicts of ``bench.stages``) as RESULTS.md."""

from __future__ import annotations

from typing import Any

TARGET_BOUND_RATIO = 1.3
"""Full sync within this factor of the latency bound (25 ms, concurrency 32)."""
TARGET_DLT_SPEEDUP = 3.0
"""Full sync at least this many times faster than dlt on the same data."""
TARGET_CONCURRENCY = 32
"""The concurrency the sync's explanations are given at."""
TARGET_CONCURRENCIES = (32, 64)
"""The concurrencies the sync targets are judged at."""
TARGET_CPU_MS = 1.0
"""CPU per request of the sync (user+sys of the load call / requests), at most this."""
TARGET_STARTUP_S = 0.5
"""``quint-reports --help`` and a no-op ``check`` start within this."""
TARGET_LARGE_S = 30.0
"""The nightly's work after landing (views, checks, report) on the large organisation within this many seconds."""
TARGET_LARGE_RSS_MB = 1000.0
"""... with a peak RSS of the timed steps at most this (1 GB), for the full build and the nightly rebuild alike."""
TARGET_NIGHTLY_SHARE = 0.10
"""The nightly rebuild after 1% of the sessions landed anew: at most this share of the full build's time."""
TARGET_GROWTH = 1.1
"""Cost growth / data growth between the growth stage's smallest and largest size: at most this.

Cost must grow no faster than the data; the 10% above 1.0 is the spread of repeated runs of one step."""
STEPS = ("apply_views", "checks", "marts", "report")
"""The timed steps of the large and growth stages, in the order they run."""
NOTES = "../docs/BENCH-NOTES.md"
"""What was tried and chosen, with the figures measured then: a record, linked from the sections it explains."""


def _s(seconds: float | None) -> str:
    if seconds is None:
        return "n/a"
    return f"{seconds:.2f}" if seconds < 10 else f"{seconds:.1f}" if seconds < 100 else f"{seconds:.0f}"


def _time(row: dict[str, Any] | None) -> str:
    """Wall time; for a run stopped at its cap, ``~`` the estimate from its rate or ``>=`` a lower bound."""
    if row is None:
        return "n/a"
    if not row["ok"]:
        return "failed"
    kind = row.get("est_kind", "exact")
    if kind == "rate":
        return f"~{_s(row['est_seconds'])} (est.)"
    if kind == "lower":
        return f">= {_s(row['est_seconds'])}"
    return _s(row["seconds"])


def compare(ours: dict[str, Any], peer: dict[str, Any] | None) -> tuple[float, str] | None:
    """``ours / peer`` time with a qualifier: ``""`` exact, ``~`` estimated, ``<=``/``>=`` a bound."""
    if peer is None or not peer["ok"] or not ours["ok"] or not peer["est_seconds"] or not ours["est_seconds"]:
        return None
    mine, theirs = ours.get("est_kind", "exact"), peer.get("est_kind", "exact")
    value = ours["est_seconds"] / peer["est_seconds"]
    if mine == "lower" and theirs == "lower":
        return None
    if mine == "lower":
        return value, ">="
    if theirs == "lower":
        return value, "<="
    return value, "~" if "rate" in (mine, theirs) else ""


def _ratio(ours: dict[str, Any], peer: dict[str, Any] | None) -> str:
    found = compare(ours, peer)
    if found is None:
        return "n/a"
    value, qualifier = found
    return f"{qualifier} {value:.2f}".strip() if qualifier != "~" else f"~{value:.2f} (est.)"


def _pct(part: float | None, whole: float) -> str:
    return "n/a" if part is None or whole <= 0 else f"{100 * part / whole:.0f}%"


def same_data(runs: list[dict[str, Any]]) -> list[str]:
    """Per simulator: did every loader that finished land the same sessions and events as ours?"""
    lines = []
    keys = sorted({(r["size"], r["latency_ms"]) for r in runs})
    for size, latency in keys:
        done = [r for r in runs if r["size"] == size and r["latency_ms"] == latency and r["ok"] and not r["capped"]]
        counts = {(r["sessions"], r["events"]) for r in done}
        names = sorted({f"{r['loader']}" for r in done})
        if not done:
            lines.append(f"- {size} sessions, {latency} ms: no run finished within its cap; nothing to compare.")
        elif len(counts) == 1:
            sessions, events = counts.pop()
            lines.append(
                f"- {size} sessions, {latency} ms: every finished run ({', '.join(names)}) landed "
                f"{sessions} sessions and {events} events."
            )
        else:
            detail = "; ".join(f"{r['loader']} c={r['concurrency']}: {r['sessions']}/{r['events']}" for r in done)
            lines.append(f"- {size} sessions, {latency} ms: **loaders disagree** ({detail}).")
    return lines


def sync_tables(matrix: dict[str, Any]) -> list[str]:
    """One table per (size, latency): ours per concurrency, with the bound and both peers beside it."""
    runs = matrix["runs"]
    out: list[str] = []
    for sim in matrix["simulators"]:
        size, latency = sim["sessions"], sim["latency_ms"]
        ours_rows = [r for r in runs if r["loader"] == "ours" and r["size"] == size and r["latency_ms"] == latency]
        naive = next(
            (r for r in runs if r["loader"] == "naive" and r["size"] == size and r["latency_ms"] == latency), None
        )
        out += [
            f"### {size:,} sessions ({sim['events']:,} events), {latency} ms per request",
            "",
            (
                "| concurrency (max in flight) | ours s | sessions/s | requests/s | requests/session | peak RSS MB | loader CPU | server CPU "
                "| latency bound s | ours / bound | naive s | ours / naive | dlt s | dlt RSS MB | ours / dlt |"
            ),
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for row in ours_rows:
            dlt = next(
                (
                    r
                    for r in runs
                    if r["loader"] == "dlt"
                    and r["size"] == size
                    and r["latency_ms"] == latency
                    and r["concurrency"] == row["concurrency"]
                ),
                None,
            )
            bound = row["latency_bound_s"]
            qualifier = {"exact": "", "rate": "~", "lower": ">= "}[row.get("est_kind", "exact")]
            vs_bound = f"{qualifier}{row['est_seconds'] / bound:.2f}" if bound else "n/a"
            rps = f"{row['requests_per_session']:.2f}" if row["requests_per_session"] else "n/a"
            dlt_rss = f"{dlt['peak_rss_mb']:.0f}" if dlt else "n/a"
            out.append(
                f"| {row['concurrency']} ({row.get('max_in_flight', 0)}) | {_time(row)} | {row['sessions_per_s']:.0f} "
                f"| {row['requests_per_s']:.0f} "
                f"| {rps} | {row['peak_rss_mb']:.0f} | {_pct(row['cpu_s'], row['seconds'])} "
                f"| {_pct(row['server_cpu_s'], row['seconds'])} | {_s(bound) if latency else '0'} | {vs_bound} "
                f"| {_time(naive)} | {_ratio(row, naive)} | {_time(dlt)} | {dlt_rss} | {_ratio(row, dlt)} |"
            )
        out.append("")
        peers = [r for r in runs if r["loader"] != "ours" and r["size"] == size and r["latency_ms"] == latency]
        if not peers:
            out.append("Peers: not run (`--no-peers`).")
            out.append("")
            continue
        out.append(
            "Peers in detail: "
            + "; ".join(
                f"{r['loader']}{'' if r['loader'] == 'naive' else ' c=' + str(r['concurrency'])}: {_time(r)} s, "
                f"{r['sessions_per_s']:.0f} sessions/s, {r['requests_per_s']:.0f} requests/s, "
                f"{r['peak_rss_mb']:.0f} MB, CPU {_pct(r['cpu_s'], r['seconds'])}, at most {r.get('max_in_flight', 0)} "
                "requests in flight"
                + (f" (stopped at {r['cap_s']:.0f} s after {r['sessions_done']} sessions)" if r["capped"] else "")
                for r in peers
            )
            + "."
        )
        out.append("")
    return out


def _incremental(inc: dict[str, Any]) -> list[str]:
    rows = [
        ("full sync (before the changes)", inc["first_full"]),
        ("incremental sync", inc["incremental"]),
        ("full sync (after the changes)", inc["full_after"]),
    ]
    out = [
        (
            f"{inc['sessions']:,} sessions, {inc['latency_ms']} ms per request, concurrency {inc['concurrency']}; "
            f"then {inc['added']} new sessions (1%) and {inc['changed']} open sessions changed "
            f"(`advance(0.05)`: 5% of the not-ended ones)."
        ),
        "",
        "| run | seconds | requests | requests by endpoint (server side) | sessions landed | events landed |",
        "|---|---:|---:|---|---:|---:|",
    ]
    for label, row in rows:
        by = ", ".join(f"{k} {v}" for k, v in sorted(row["requests_by_endpoint"].items()))
        out.append(f"| {label} | {_time(row)} | {row['requests']} | {by} | {row['sessions']} | {row['events']} |")
    full, part = inc["full_after"], inc["incremental"]
    if full["ok"] and part["ok"] and full["seconds"]:
        out += [
            "",
            (
                f"Incremental / full on the same data: time {part['seconds'] / full['seconds']:.2f}, "
                f"requests {part['requests'] / max(1, full['requests']):.2f}."
            ),
        ]
    return out + [""]


def _lake(stage: dict[str, Any]) -> list[str]:
    out = [
        (
            f"{stage['sessions']:,} sessions, {stage['latency_ms']} ms per request, concurrency {stage['concurrency']}; "
            "the lake's catalog a DuckDB file, its data a local folder. The file's figure is its whole sync; "
            "the lake's publish runs after it, from the published file (rows written, views rebuilt). "
            f"Earlier measurements: [notes]({NOTES}#lake)."
        ),
        "",
        "| run | file: sync seconds | lake: publish seconds | lake rows inserted | lake rows deleted |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, file_row, lake_row in (
        ("first (full)", stage["file_first"], stage["lake_first"]),
        ("after 1% new, 5% changed", stage["file_incremental"], stage["lake_incremental"]),
        ("nothing changed", None, stage["lake_unchanged"]),
    ):
        file_s = _time(file_row) if file_row else "-"
        out.append(
            f"| {label} | {file_s} | {_s(lake_row['seconds'])} | {lake_row['inserted']:,} | {lake_row['deleted']:,} |"
        )
    return out + [""]


def _large(large: dict[str, Any]) -> list[str]:
    stage = large["stage"]
    out = [
        (
            f"{large['sessions']:,} sessions and {large['events']:,} events generated straight into the landing tables "
            f"by DuckDB (`bench/generate_large.py`, not part of the timing: {_s(large['generate_s'])} s, "
            f"peak RSS {large['generate_peak_rss_mb']:.0f} MB; landed database {large['landed_bytes'] / 1e9:.2f} GB)."
            + _typing_note(large)
        ),
        "",
        "| step | seconds |",
        "|---|---:|",
        f"| apply the views (`apply_views` in the sync's work copy, one transaction) | {_s(stage['apply_views_s'])} |",
        f"| run all checks (`checks.check`, {stage['findings']} findings) | {_s(stage['checks_s'])} |",
        f"| build all marts (`analysis.risk_by_*`, {len(stage['marts'])} marts) | {_s(stage['marts_s'])} |",
        (
            f"| render the full report (`report.report`: reads marts and findings again, writes HTML and exports) "
            f"| {_s(stage['report_s'])} |"
        ),
        (
            f"| **views + checks + report** (what the nightly job runs after landing; the report builds the marts) "
            f"| **{_s(nightly_seconds(stage))}** |"
        ),
        f"| all four steps, one after the other | {_s(stage['total_s'] - stage.get('copy_s', 0) - stage.get('publish_s', 0))} |",
        "",
        (
            f"Around the views, the sync's publish model costs {_s(stage.get('copy_s'))} s to copy the published file "
            f"into the private work file and {_s(stage.get('publish_s'))} s to CHECKPOINT, fsync and replace it "
            "(not in the totals above; every sync pays both, incremental ones included)."
        ),
        "",
        f"Peak RSS of the timed steps: **{large['peak_rss_mb']:.0f} MB** "
        f"({large.get('process_peak_rss_mb', 0):.0f} MB for the whole process, with the rebuild of section 6 and "
        "the untimed profiling re-run that follow); "
        + (
            "each step's own peak: "
            if stage.get("peak_rss_mb_step")
            else "the peak so far after each step (the high-water mark could not be reset): "
        )
        + ", ".join(f"{step} {mb:.0f} MB" for step, mb in _step_peaks(stage).items())
        + f". Database on disk after the views: {stage['db_bytes'] / 1e9:.2f} GB; "
        f"report folder {stage['report_bytes'] / 1e6:.1f} MB.",
        "",
        "Slowest SQL files while applying the views: "
        + ", ".join(f"`{f['file']}` {_s(f['seconds'])} s" for f in stage["sql_files"][:6])
        + ".",
        "",
        "Marts: " + ", ".join(f"`{k}` {_s(v)} s" for k, v in stage["marts"].items()) + ".",
        "",
    ]
    return out


def _profile_table(summary: dict[str, Any], key: str, rows: int = 12) -> list[str]:
    out = ["| function | calls | own s | cumulative s |", "|---|---:|---:|---:|"]
    for row in summary.get(key, [])[:rows]:
        out.append(f"| `{row['function']}` | {row['calls']} | {row['own_s']:.2f} | {row['cumulative_s']:.2f} |")
    return out


def _profiles(matrix: dict[str, Any] | None, large: dict[str, Any] | None) -> list[str]:
    out: list[str] = []
    prof = matrix.get("profile") if matrix else None
    if prof and prof.get("profile"):
        run = prof["run"]
        out += [
            f"### Full sync, {run['sessions_total']:,} sessions, 0 ms, concurrency {run['concurrency']} (cProfile)",
            "",
            (
                f"Profiled run: {_s(run['seconds'])} s under the profiler, loader CPU {_pct(run['cpu_s'], run['seconds'])}"
                f" of wall time, simulator CPU {_pct(run['server_cpu_s'], run['seconds'])}."
            ),
            "",
            "By own time:",
            "",
            *_profile_table(prof["profile"], "by_own"),
            "",
            "By cumulative time:",
            "",
            *_profile_table(prof["profile"], "by_cumulative"),
            "",
        ]
    probes = matrix.get("probes") if matrix else None
    if probes:
        out += [
            "### The HTTP client's own cost (`bench/client_probe.py`)",
            "",
            (
                "httpx `AsyncClient` GETs of session details against the same simulator, in a child process: one "
                "client over httpcore with a pool of c connections, the same load spread over httpcore clients of "
                "4 connections each, and one client over the aiohttp transport (as our sync has it)."
            ),
            "",
            "| latency ms | concurrency | transport | clients x connections | requests/s | CPU ms per request |",
            "|---:|---:|---|---|---:|---:|",
        ]
        for probe in probes:
            for row in probe["rows"]:
                out.append(
                    f"| {probe['latency_ms']} | {row['concurrency']} | {row.get('transport', 'httpcore')} "
                    f"| {row['clients']} x "
                    f"{row['connections_per_client']} | {row['requests_per_s']:.0f} | "
                    f"{row['cpu_ms_per_request']:.2f} |"
                )
        out.append("")
    if large:
        sql = large["stage"].get("slowest_sql_profile")
        if sql:
            out += [
                (
                    f"### Slowest SQL file of the large organisation with a plan: `{sql['file']}` "
                    "(DuckDB profiler, re-run after the timed stage)"
                ),
                "",
                (
                    f"Latency {_s(sql['latency_s'])} s, CPU {_s(sql['cpu_time_s'])} s (2 threads), "
                    f"peak buffer memory {sql['peak_buffer_memory_mb']:.0f} MB."
                ),
                "",
                "| operator | seconds | rows | detail |",
                "|---|---:|---:|---|",
                *[
                    f"| {op['operator']} | {op['seconds']:.2f} | {op['rows']:,} | {op['detail']} |"
                    for op in sql["operators"]
                ],
                "",
            ]
        if large.get("report_profile"):
            out += [
                "### Rendering the report of the large organisation (cProfile, a second render)",
                "",
                "By cumulative time:",
                "",
                *_profile_table(large["report_profile"], "by_cumulative"),
                "",
            ]
    return out


def nightly_seconds(stage: dict[str, Any]) -> float:
    """What a nightly run spends after landing: apply the views, run the checks, render the report
    (the report builds the marts itself)."""
    return float(stage["apply_views_s"] + stage["checks_s"] + stage["report_s"])


def _verdict(value: float, qualifier: str) -> bool | None:
    """Is a speed-up of ``qualifier value`` at least the target? True, False, or None (a bound that cannot tell)."""
    if value >= TARGET_DLT_SPEEDUP and qualifier != "<=":
        return True
    if value < TARGET_DLT_SPEEDUP and qualifier != ">=":
        return False
    return None


def verdict(met: bool | None) -> str:
    """``met``, ``missed`` or ``not shown`` (the run's figures cannot tell)."""
    return "met" if met else "not shown" if met is None else "missed"


def _target(section: str, target: str, limit: str, figure: str, met: bool | None, why: str = "") -> str:
    """One row of the targets table; the reason is shown only for a target not met."""
    return f"| {section} | {target} | {limit} | {figure} | **{verdict(met)}** | {'' if met else why} |"


TARGETS_HEADER = [
    "| section | target | limit or peer | this run | verdict | why, from this run's figures |",
    "|---|---|---|---|---|---|",
]


def targets(results: dict[str, Any]) -> list[str]:
    """Each target beside its limit or peer, its figure, met or missed, and why when missed."""
    out = list(TARGETS_HEADER)
    matrix = results.get("sync")
    if matrix:
        runs = matrix["runs"]
        latency = 25 if any(r["latency_ms"] == 25 for r in runs) else max(r["latency_ms"] for r in runs)
        present = sorted({r["concurrency"] for r in runs if r["loader"] == "ours" and r["concurrency"] > 1})
        judged = [c for c in TARGET_CONCURRENCIES if c in present] or present
        for size in sorted({r["size"] for r in runs}):
            for concurrency in judged:
                out += _sync_targets(matrix, size, latency, concurrency, _cpus(results))
    if results.get("incremental"):
        out += _incremental_targets(results["incremental"])
    if results.get("large"):
        out += _large_targets(results["large"])
    if results.get("end_to_end"):
        out += _end_to_end_targets(results["end_to_end"])
    if results.get("startup"):
        out += _startup_targets(results["startup"])
    if results.get("lake"):
        out += _lake_targets(results["lake"])
    if results.get("growth"):
        out += _growth_targets(results["growth"])
    head, rows = out[:2], out[2:]
    rows.sort(key=lambda row: int(row.split("|")[1].split(".")[0]))  # by section number, stable within one
    return head + rows + [""]


def cpu_ms_per_request(row: dict[str, Any]) -> float:
    """CPU of the load call (all threads, imports left out when the run recorded it) per request, ms."""
    cpu = row.get("load_cpu_s")
    return 1000 * float(cpu if cpu is not None else row["cpu_s"]) / max(1, row["requests"])


def best_dlt(runs: list[dict[str, Any]], size: int, latency: int) -> dict[str, Any] | None:
    """dlt's fastest finished run on this organisation, whatever its pool size."""
    done = [
        r
        for r in runs
        if r["loader"] == "dlt" and r["size"] == size and r["latency_ms"] == latency and r["ok"] and r["est_seconds"]
    ]
    return min(done, key=lambda r: r["est_seconds"], default=None)


def _cpus(results: dict[str, Any]) -> int | None:
    """The run's core count (``nproc``), when recorded."""
    text = str(results.get("machine", {}).get("cpus (nproc)", ""))
    return int(text) if text.isdigit() else None


def machine_ceiling(row: dict[str, Any], cpus: int | None) -> str:
    """What the run's cores allow at its measured costs: loader and simulator share them, so together they serve at
    most ``cpus / (loader + simulator CPU per request)`` requests a second, however the work is spread."""
    server = row.get("server_cpu_s")
    if not cpus or server is None or not row["requests"]:
        return ""
    both_ms = cpu_ms_per_request(row) + 1000 * float(server) / row["requests"]
    return (
        f"; both sides together ({both_ms:.2f} ms of CPU a request, the simulator's "
        f"{1000 * float(server) / row['requests']:.2f} ms included) fill the machine's {cpus} cores at "
        f"{1000 * cpus / both_ms:.0f} requests/s at best"
    )


def _sync_targets(
    matrix: dict[str, Any], size: int, latency: int, concurrency: int, cpus: int | None = None
) -> list[str]:
    """The three sync targets for one size, latency and concurrency (the bound only with a latency)."""
    runs = matrix["runs"]
    ours = _ours(runs, size, latency, concurrency)
    if not ours or not ours["ok"]:
        return []
    where = f"{size:,} sessions, {latency} ms, c={concurrency}"
    seconds = ours["seconds"] or 1e-9
    core = ours["cpu_s"] / seconds
    server = (ours["server_cpu_s"] or 0.0) / seconds
    cpu = cpu_ms_per_request(ours)
    out = []
    bound = ours["latency_bound_s"]
    if bound:
        ratio = ours["est_seconds"] / bound
        qualifier = {"exact": "", "rate": "~", "lower": ">= "}[ours.get("est_kind", "exact")]
        needed = concurrency / (latency / 1000)
        if core >= 0.8:
            why = (
                f"CPU-bound: ours used {100 * core:.0f}% of a core; at {cpu:.2f} ms of CPU per request one core "
                f"serves {1000 / cpu:.0f} requests/s, the bound needs {needed:.0f}" + machine_ceiling(ours, cpus)
            )
        else:
            why = (
                f"neither side saturated (ours {100 * core:.0f}% of a core, the simulator {100 * server:.0f}%): "
                "the time goes to waiting inside the client"
            )
        out.append(
            _target(
                "1. sync",
                f"full sync within {TARGET_BOUND_RATIO}x of the latency bound, {where}",
                f"bound {_s(bound)} s (x{TARGET_BOUND_RATIO} = {_s(bound * TARGET_BOUND_RATIO)} s)",
                f"{_time(ours)} s ({qualifier}{ratio:.2f}x the bound)",
                ratio <= TARGET_BOUND_RATIO,
                why,
            )
        )
    else:
        out.append(
            _target(
                "1. sync",
                f"full sync within {TARGET_BOUND_RATIO}x of the latency bound, {where}",
                "no bound at 0 ms",
                _time(ours) + " s",
                None,
                "this run had no latency, so there is no bound to judge against",
            )
        )
    probe = _probe_row(matrix, latency, concurrency, "aiohttp")
    why = f"{cpu / TARGET_CPU_MS:.1f}x the limit: {ours['requests']} requests, {_s(ours.get('load_cpu_s'))} s of CPU"
    if probe:
        why += (
            f"; the HTTP client alone costs {probe['cpu_ms_per_request']:.2f} ms per request (client probe), "
            f"landing, validation and the loop the other {max(0.0, cpu - probe['cpu_ms_per_request']):.2f} ms"
        )
    out.append(
        _target(
            "1. sync",
            f"CPU per request, {where}",
            f"<= {TARGET_CPU_MS:.0f} ms",
            f"{cpu:.2f} ms",
            cpu <= TARGET_CPU_MS,
            why,
        )
    )
    dlt = best_dlt(runs, size, latency)
    found = compare(ours, dlt)
    if dlt is not None and found is not None:
        value, qual = found
        flipped = {">=": "<=", "<=": ">=", "~": "~", "": ""}[qual]  # speed-up = dlt / ours: a bound flips
        mark = f"{flipped} " if flipped in (">=", "<=") else flipped
        needed_s = dlt["est_seconds"] / TARGET_DLT_SPEEDUP
        why = (
            f"ours would need {_s(needed_s)} s; it used {100 * core:.0f}% of a core at {cpu:.2f} ms of CPU per request"
        )
        if bound:
            why += f", and its latency bound alone is {_s(bound)} s"
        out.append(
            _target(
                "1. sync",
                f"at least {TARGET_DLT_SPEEDUP:.0f}x faster than dlt, {where}",
                f"dlt at its best (c={dlt['concurrency']}): {_time(dlt)} s",
                f"{_time(ours)} s ({mark}{1 / value:.1f}x as fast)",
                _verdict(1 / value, flipped),
                why,
            )
        )
    return out


def _incremental_targets(inc: dict[str, Any]) -> list[str]:
    """The incremental sync beside a full sync of the same, changed organisation."""
    part, full = inc["incremental"], inc["full_after"]
    if not part["ok"] or not full["ok"]:
        return [_target("2. incremental", "incremental and full sync both finish", "", "failed", False, "a run failed")]
    same = (part["sessions"], part["events"]) == (full["sessions"], full["events"])
    share = part["requests"] / max(1, full["requests"])
    changed = int(inc["added"]) + int(inc["changed"])
    detail = part["requests_by_endpoint"].get("sessions.detail", 0)
    return [
        _target(
            "2. incremental",
            "lands the same sessions and events as a full sync",
            f"full: {full['sessions']} / {full['events']}",
            f"{part['sessions']} / {part['events']}",
            same,
            "the incremental sync missed or duplicated rows",
        ),
        _target(
            "2. incremental",
            "fewer requests than a full sync of the same data",
            f"full: {full['requests']}",
            f"{part['requests']} ({share:.2f} of full)",
            part["requests"] < full["requests"],
            f"it refetched {detail} session details for {changed} new or changed sessions",
        ),
        _target(
            "2. incremental",
            "less time than a full sync of the same data",
            f"full: {_time(full)} s",
            f"{_time(part)} s",
            part["seconds"] < full["seconds"],
            f"its {part['requests']} requests against the full's {full['requests']} did not save the time",
        ),
    ]


def _step_peaks(stage: dict[str, Any]) -> dict[str, float]:
    """Each step's own peak RSS where measured, else the process's peak so far after it."""
    return stage.get("peak_rss_mb_step") or stage.get("peak_rss_mb_after", {})


def _large_targets(large: dict[str, Any]) -> list[str]:
    """The nightly's work after landing on the large organisation: full build, rebuild after a change, memory."""
    stage = large["stage"]
    total = nightly_seconds(stage)
    steps = {"views": stage["apply_views_s"], "checks": stage["checks_s"], "report": stage["report_s"]}
    first = stage["sql_files"][0] if stage["sql_files"] else None
    why = ", ".join(f"{k} {_s(v)} s ({100 * v / max(total, 1e-9):.0f}%)" for k, v in steps.items())
    if first:
        why += f"; the slowest SQL file, `{first['file']}`, {_s(first['seconds'])} s"
    why += f"; {total / TARGET_LARGE_S:.1f}x the limit"
    what = f"{large['sessions']:,} sessions / {large['events']:,} events"
    out = [
        _target(
            "3. large",
            f"views + checks + report (the nightly after landing), {what}",
            f"<= {TARGET_LARGE_S:.0f} s",
            f"{_s(total)} s",
            total <= TARGET_LARGE_S,
            why,
        ),
        _rss_target("3. large", f"peak RSS of the timed steps, full build, {what}", stage),
    ]
    again = stage.get("incremental")
    if again:
        rebuilt = nightly_seconds(again)
        share = rebuilt / max(total, 1e-9)
        kept = {
            "views": (stage["apply_views_s"], again["apply_views_s"]),
            "checks": (stage["checks_s"], again["checks_s"]),
            "report": (stage["report_s"], again["report_s"]),
        }
        why = "what did not shrink: " + ", ".join(
            f"{k} {_s(b)} s (full {_s(a)} s)" for k, (a, b) in kept.items() if b > TARGET_NIGHTLY_SHARE * a
        )
        files = {f["file"]: f["seconds"] for f in again.get("sql_files", [])}
        if files:
            name = max(files, key=lambda f: files[f])
            why += f"; slowest SQL file after the change `{name}` {_s(files[name])} s"
        why += (
            "; what would close it: the report gathering and drawing only the groups whose sessions changed (it "
            "reads every mart), and fewer statements over the whole organisation in the apply; the target as the "
            "issue words it, the whole nightly with its sync, is judged below"
        )
        changed = again.get("changed_sessions", 0)
        out += [
            _target(
                "6. nightly",
                f"rebuild after {changed:,} sessions landed anew, {what}",
                f"<= {100 * TARGET_NIGHTLY_SHARE:.0f}% of the full build ({_s(TARGET_NIGHTLY_SHARE * total)} s)",
                f"{_s(rebuilt)} s ({100 * share:.0f}%)",
                share <= TARGET_NIGHTLY_SHARE,
                why,
            ),
            _rss_target("6. nightly", "peak RSS of the timed steps, the rebuild", again),
        ]
    return out


def _rss_target(section: str, target: str, stage: dict[str, Any]) -> str:
    peaks = _step_peaks(stage)
    if not peaks:
        return _target(section, target, f"<= {TARGET_LARGE_RSS_MB:.0f} MB", "n/a", None, "not measured")
    step = max(peaks, key=lambda k: peaks[k])
    rss = peaks[step]
    return _target(
        section,
        target,
        f"<= {TARGET_LARGE_RSS_MB:.0f} MB",
        f"{rss:.0f} MB",
        rss <= TARGET_LARGE_RSS_MB,
        f"the peak is in `{step}`, {100 * (rss / TARGET_LARGE_RSS_MB - 1):.0f}% over the limit",
    )


def _startup(stage: dict[str, Any]) -> list[str]:
    rows = stage["rows"]
    out = [
        f"Each command run {stage['repeats']} times as a fresh process; the best is its start cost, the median shows "
        "the noise of the shared machine.",
        "",
        "| command | best s | median s | exit |",
        "|---|---:|---:|---:|",
    ]
    out += [f"| `{r['command']}` | {r['best_s']:.3f} | {r['median_s']:.3f} | {r['returncode']} |" for r in rows]
    return out + [""]


def _startup_targets(stage: dict[str, Any]) -> list[str]:
    rows = stage["rows"]
    python = next((r["best_s"] for r in rows if r["command"] == "python -c pass"), 0.0)
    return [
        _target(
            "5. start-up",
            f"`{r['command']}` starts",
            f"< {TARGET_STARTUP_S} s",
            f"{r['best_s']:.3f} s (best of {stage['repeats']})",
            r["best_s"] < TARGET_STARTUP_S,
            f"the interpreter's own start is {python:.3f} s; the command's imports and work take the other "
            f"{r['best_s'] - python:.3f} s",
        )
        for r in rows
        if r["command"].startswith("quint-reports")
    ]


def _lake_targets(stage: dict[str, Any]) -> list[str]:
    """The lake's publish writes only what changed, and costs little when nothing did."""
    first, inc, same = stage["lake_first"], stage["lake_incremental"], stage["lake_unchanged"]
    written = inc["inserted"] + inc["deleted"]
    share = same["seconds"] / max(first["seconds"], 1e-9)
    return [
        _target(
            "7. lake",
            "after 1% new and 5% changed sessions, the publish writes fewer rows than the first",
            f"first publish: {first['inserted']:,} rows",
            f"{inc['inserted']:,} inserted + {inc['deleted']:,} deleted",
            written < first["inserted"],
            "it rewrote the tables instead of their changed rows",
        ),
        _target(
            "7. lake",
            "a publish with nothing changed writes no rows",
            "0 rows",
            f"{same['inserted'] + same['deleted']:,} rows",
            same["inserted"] + same["deleted"] == 0,
            "rows that did not change were written again",
        ),
        _target(
            "7. lake",
            "a publish with nothing changed, beside the first",
            f"<= {100 * TARGET_NIGHTLY_SHARE:.0f}% of the first ({_s(first['seconds'])} s), as the nightly's",
            f"{_s(same['seconds'])} s ({100 * share:.0f}%)",
            share <= TARGET_NIGHTLY_SHARE,
            _lake_why(first, same),
        ),
    ]


def _lake_why(first: dict[str, Any], same: dict[str, Any]) -> str:
    """Where the time of a publish with nothing changed goes, from its phases, and what would close the gap."""
    why = f"{_s(same['seconds'])} s to write no rows against {_s(first['seconds'])} s for {first['inserted']:,}"
    phases = same.get("phases") or {}
    if not phases:
        return why + ": the time does not follow the rows written; it is the fixed work of every publish"
    why += ": " + ", ".join(f"{k} {_s(v)} s" for k, v in phases.items())
    why += "; the views were " + (
        "rebuilt" if same.get("views_rebuilt", True) else "left as they were (nothing changed)"
    )
    slowest = max(phases, key=lambda k: phases[k])
    if slowest == "copy":
        why += (
            "; what would close it: knowing that the file did not change since the last publish (its latest sync "
            "run recorded in the lake) instead of comparing every table with its copy"
        )
    elif slowest == "open":
        why += "; what would close it: a catalog connection kept open between publishes (a long-running writer)"
    return why


def growth_steps(growth: dict[str, Any]) -> dict[str, list[tuple[int, int, float, float | None]]]:
    """Per step (and the nightly's total): (sessions, events, seconds, peak RSS MB) at each size."""
    out: dict[str, list[tuple[int, int, float, float | None]]] = {}
    for size in growth["sizes"]:
        stage = size["stage"]
        peaks = _step_peaks(stage)
        for step in STEPS:
            out.setdefault(step, []).append((size["sessions"], size["events"], stage[f"{step}_s"], peaks.get(step)))
        out.setdefault("views + checks + report", []).append(
            (size["sessions"], size["events"], nightly_seconds(stage), size["peak_rss_mb"])
        )
    return out


def _growth_detail(growth: dict[str, Any], step: str, low: int, high: int) -> str:
    """Which SQL file or mart grew most between two sizes (for a step that missed)."""
    small, big = growth["sizes"][low]["stage"], growth["sizes"][high]["stage"]
    if step == "apply_views":
        a = {f["file"]: f["seconds"] for f in small["sql_files"]}
        b = {f["file"]: f["seconds"] for f in big["sql_files"]}
    elif step == "marts":
        a, b = small["marts"], big["marts"]
    else:
        return ""
    total = sum(b.values()) or 1e-9
    # Among the parts worth 5% of the step at the larger size, the one whose time grew most.
    grown = {k: b[k] / max(a.get(k, 0.0), 1e-6) for k in b if b[k] >= 0.05 * total and a.get(k)}
    if not grown:
        return ""
    name = max(grown, key=lambda k: grown[k])
    return f"; `{name}` grew most: {_s(a[name])} -> {_s(b[name])} s ({grown[name]:.1f}x)"


def _worst_pair(points: list[tuple[int, int, float, float | None]], value: int) -> tuple[int, float]:
    """The step between two neighbouring sizes where ``points[i][value]`` grew most against the events."""
    ratios = [
        ((points[i + 1][value] or 0.0) / max(points[i][value] or 0.0, 1e-9)) / (points[i + 1][1] / points[i][1])
        for i in range(len(points) - 1)
    ]
    worst = max(range(len(ratios)), key=lambda i: ratios[i])
    return worst, ratios[worst]


def _growth_targets(growth: dict[str, Any]) -> list[str]:
    """Per step: time and peak RSS grow no faster than the data, judged between each two neighbouring sizes."""
    if len(growth["sizes"]) < 2:
        return []
    out = []
    for step, points in growth_steps(growth).items():
        sizes = " -> ".join(f"{n:,}" for n, _, _, _ in points) + " sessions"
        i, ratio = _worst_pair(points, 2)
        (n0, e0, t0, _), (n1, e1, t1, _) = points[i], points[i + 1]
        data = e1 / e0
        out.append(
            _target(
                "8. growth",
                f"`{step}` time grows no faster than the data, {sizes}",
                f"cost growth / data growth <= {TARGET_GROWTH} (worst neighbouring sizes)",
                " -> ".join(f"{1e6 * t / e:.2f}" for _, e, t, _ in points)
                + f" s per million events ({ratio:.2f} from {n0:,} to {n1:,})",
                ratio <= TARGET_GROWTH,
                f"{n0:,} -> {n1:,} sessions: {_s(t0)} -> {_s(t1)} s, {t1 / max(t0, 1e-9):.1f}x for {data:.0f}x the "
                "events" + _growth_detail(growth, step if step in STEPS else "apply_views", i, i + 1),
            )
        )
        if all(m for _, _, _, m in points):
            i, ratio = _worst_pair(points, 3)
            (n0, e0, _, m0), (n1, e1, _, m1) = points[i], points[i + 1]
            out.append(
                _target(
                    "8. growth",
                    f"`{step}` peak RSS grows no faster than the data, {sizes}",
                    f"memory growth / data growth <= {TARGET_GROWTH} (worst neighbouring sizes)",
                    " -> ".join(f"{m:.0f}" for _, _, _, m in points) + f" MB ({ratio:.2f} from {n0:,} to {n1:,})",
                    ratio <= TARGET_GROWTH,
                    f"{n0:,} -> {n1:,} sessions: {(m1 or 0) / (m0 or 1):.1f}x the memory for {e1 / e0:.0f}x the events",
                )
            )
    return out


def _nightly(large: dict[str, Any]) -> list[str]:
    """The large organisation's full build beside the nightly's rebuild after a share landed anew."""
    stage, again = large["stage"], large["stage"].get("incremental")
    if not again:
        return ["Not measured in this run (`nightly_changed_share` was 0).", ""]
    full_peaks, again_peaks = _step_peaks(stage), _step_peaks(again)

    def files(run: dict[str, Any]) -> str:
        return ", ".join(f"`{f['file']}` {_s(f['seconds'])}" for f in run["sql_files"][:3])

    rows = [
        (
            "views",
            f"{_s(stage['apply_views_s'])} s ({files(stage)})",
            f"{_s(again['apply_views_s'])} s ({files(again)})",
        ),
        ("checks", f"{_s(stage['checks_s'])} s", f"{_s(again['checks_s'])} s"),
        ("marts (analyst API)", f"{_s(stage['marts_s'])} s", f"{_s(again['marts_s'])} s"),
        ("report", f"{_s(stage['report_s'])} s", f"{_s(again['report_s'])} s"),
        ("**views + checks + report**", f"**{_s(nightly_seconds(stage))} s**", f"**{_s(nightly_seconds(again))} s**"),
        (
            "peak RSS of each step",
            ", ".join(f"{k} {v:.0f} MB" for k, v in full_peaks.items()),
            ", ".join(f"{k} {v:.0f} MB" for k, v in again_peaks.items()),
        ),
        (
            "copy into the work file / publish",
            f"{_s(stage.get('copy_s'))} s / {_s(stage.get('publish_s'))} s",
            f"{_s(again.get('copy_s'))} s / {_s(again.get('publish_s'))} s",
        ),
    ]
    return [
        (
            f"The organisation of section 3; after its full build, {again.get('changed_sessions', 0):,} sessions' "
            "detail, events and children bodies are landed anew (as a sync that refetched them would) and the same steps run again, "
            "in the same process. Each step's peak RSS is its own (the high-water mark reset as it starts). "
            f"Choices behind the memory limit and the per-session tables: [notes]({NOTES}#nightly)."
        ),
        "",
        f"| measure | full build | after {again.get('changed_sessions', 0):,} sessions landed anew |",
        "|---|---:|---:|",
        *[f"| {label} | {full} | {part} |" for label, full, part in rows],
        "",
    ]


def _end_to_end(stage: dict[str, Any]) -> list[str]:
    """The nightly job, sync included, full and after a change, on the simulator's organisation over HTTP."""
    full, part = stage["full"], stage["incremental"]
    rows = [("full nightly (`--full`)", full), ("incremental nightly (the cron default)", part)]
    out = [
        (
            f"The nightly job as cron runs it (`quint_reports.nightly`: sync at its default concurrency "
            f"{stage['concurrency']}, checks, report), in a child process, against the simulator serving "
            f"{stage['sessions']:,} sessions at {stage['latency_ms']} ms per request, listed in pages of "
            f"{stage['page_size']:,}; then {stage['added']:,} new sessions (1%) and {stage['changed']:,} open "
            "sessions changed (`advance(0.05)`), and the job again, incremental. "
            + _running_note(stage)
            + f" The simulator took {_s(stage['simulator_start_s'])} s to generate the organisation (not timed)."
        ),
        "",
        "| run | seconds | requests | latency bound of its requests | peak RSS | CPU (share of a core) | sessions / events landed |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for label, row in rows:
        cpu = f"{100 * row['cpu_s'] / row['seconds']:.0f}%" if row.get("cpu_s") and row["seconds"] else "n/a"
        out.append(
            f"| {label} | {_time(row)} | {row['requests']:,} | {_s(row['latency_bound_s'])} s | "
            f"{row['peak_rss_mb']:.0f} MB | {cpu} | {row['sessions']} / {row['events']} |"
        )
    if full["ok"] and part["ok"] and full["seconds"]:
        out += [
            "",
            (
                f"Incremental / full: time {part['seconds'] / full['seconds']:.3f}, requests "
                f"{part['requests'] / max(1, full['requests']):.3f}. The stricter measure of section 6's first "
                "table leaves the sync out on both sides."
            ),
        ]
    return out + [""]


def _running_note(stage: dict[str, Any]) -> str:
    """How many sessions were still running at the incremental run: it refetches each, changed or not."""
    share = stage.get("open_share")
    if "running" not in stage:
        return ""
    told = "the simulator's default share" if share is None else f"`--open-share {share:g}`"
    return (
        f"When it started, {stage['running']:,} sessions were still running ({told}); an incremental run "
        "refetches every one of them, changed or not, since a running session's list record does not say "
        "whether it gained events or scores. At the simulator's default of 0.14 (14% of the trees) an earlier "
        "run refetched 9,063 of them and took 17.2% of the full (BENCH-NOTES.md, the nightly's seventh round)."
    )


def _end_to_end_targets(stage: dict[str, Any]) -> list[str]:
    """Target 2 as the issue words it: the whole incremental nightly beside the whole full nightly."""
    full, part = stage["full"], stage["incremental"]
    what = f"{stage['sessions']:,} sessions served at {stage['latency_ms']} ms, c={stage['concurrency']}"
    if not full["ok"] or not part["ok"]:
        return [
            _target(
                "6. nightly", f"full and incremental nightly both finish, {what}", "", "failed", False, "a run failed"
            )
        ]
    share = part["seconds"] / max(full["seconds"], 1e-9)
    return [
        _target(
            "6. nightly",
            f"incremental nightly (sync + views + checks + report) after 1% new and {stage['changed']:,} open "
            f"sessions changed, {what}",
            f"<= {100 * TARGET_NIGHTLY_SHARE:.0f}% of the full nightly ({_s(TARGET_NIGHTLY_SHARE * full['seconds'])} s)",
            f"{_time(part)} s ({100 * share:.1f}%)",
            share <= TARGET_NIGHTLY_SHARE,
            f"its {part['requests']:,} requests are {100 * part['requests'] / max(1, full['requests']):.1f}% of the "
            f"full's {full['requests']:,} (their latency bound alone {_s(part['latency_bound_s'])} s); the rest is "
            "the start-up, the writer, the apply and the report (section 6)",
        ),
        _target(
            "6. nightly",
            f"the incremental nightly lands every session of the organisation once, {what}",
            f"{stage['org_sessions']:,} served",
            f"{part['sessions']:,} landed",
            part["sessions"] == stage["org_sessions"],
            "sessions the simulator serves are missing from the landing, or landed twice",
        ),
    ]


def _growth(growth: dict[str, Any], plot: str | None) -> list[str]:
    """The large stage's steps at each size, per step: time, time per million events, peak RSS."""
    sizes = growth["sizes"]
    out = [
        (
            f"The steps of section 3 on organisations of {', '.join(format(s['sessions'], ',') for s in sizes)} sessions "
            f"({growth['events_per_session']:.0f} events each), each generated straight into the landing tables by "
            "`bench/generate_large.py` (its events typed as they land, as in section 3: "
            + ", ".join(f"{_s(x['typing_s'])} s" for x in sizes if x.get("typing_s") is not None)
            + ") and timed in a fresh process. A step whose cost grows no faster than the data "
            "keeps its time per million events flat. 1,000,000 sessions take long: `make bench-1m` runs this stage "
            "alone at 10,000, 100,000 and 1,000,000 sessions and writes `bench/growth-1m/`."
        ),
        "",
    ]
    if plot:
        out += [f"![Time per million events and peak RSS of each step, by size]({plot})", ""]
    header = "| step | " + " | ".join(f"{s['sessions']:,} sessions: s | s per M events | peak MB" for s in sizes) + " |"
    out += [header, "|---|" + "---:|---:|---:|" * len(sizes)]
    for step, points in growth_steps(growth).items():
        cells = [f"{_s(t)} | {1e6 * t / e:.2f} | {'n/a' if m is None else f'{m:.0f}'}" for _, e, t, m in points]
        out.append(f"| `{step}` | " + " | ".join(cells) + " |")
    out += [
        "",
        "Generating them (not timed above): "
        + ", ".join(
            f"{s['sessions']:,} sessions {_s(s['generate_s'])} s ({s['landed_bytes'] / 1e9:.2f} GB landed)"
            for s in sizes
        )
        + ".",
        "",
    ]
    return out


def growth_svg(growth: dict[str, Any]) -> str | None:
    """A two-panel line chart (time per million events, peak RSS; log x) of each step by size, as SVG."""
    points = growth_steps(growth)
    if len(growth["sizes"]) < 2:
        return None
    import math

    colours = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#555555"]
    width, height, pad = 420, 300, 50
    xs = [math.log10(n) for n, _, _, _ in next(iter(points.values()))]
    x0, x1 = min(xs), max(xs)

    def panel(left: int, title: str, values: dict[str, list[float]], unit: str) -> list[str]:
        top = max((v for vs in values.values() for v in vs), default=1.0) * 1.1 or 1.0
        px = [left + pad + (x - x0) / ((x1 - x0) or 1) * (width - 2 * pad) for x in xs]

        def py(v: float) -> float:
            return height - pad - v / top * (height - 2 * pad)

        parts = [
            f'<text x="{left + width / 2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
            f'<line x1="{left + pad}" y1="{height - pad}" x2="{left + width - pad}" y2="{height - pad}" stroke="black"/>',
            f'<line x1="{left + pad}" y1="{pad}" x2="{left + pad}" y2="{height - pad}" stroke="black"/>',
            f'<text x="{left + 12}" y="{pad - 8}" font-size="11">{top:.3g} {unit}</text>',
            f'<text x="{left + pad - 6}" y="{height - pad}" text-anchor="end" font-size="11">0</text>',
        ]
        for x, (n, _, _, _) in zip(px, next(iter(points.values())), strict=True):
            parts.append(f'<text x="{x}" y="{height - pad + 16}" text-anchor="middle" font-size="11">{n:,}</text>')
        parts.append(
            f'<text x="{left + width / 2}" y="{height - 10}" text-anchor="middle" font-size="11">sessions (log)</text>'
        )
        for colour, vs in zip(colours, values.values(), strict=False):
            line = " ".join(f"{x:.1f},{py(v):.1f}" for x, v in zip(px, vs, strict=True))
            parts.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
            parts += [
                f'<circle cx="{x:.1f}" cy="{py(v):.1f}" r="3" fill="{colour}"/>' for x, v in zip(px, vs, strict=True)
            ]
        return parts

    per_event = {k: [1e6 * t / e for _, e, t, _ in v] for k, v in points.items()}
    memory = {k: [m or 0.0 for _, _, _, m in v] for k, v in points.items()}
    legend = [
        f'<rect x="{2 * width + 10}" y="{40 + 20 * i}" width="12" height="12" fill="{c}"/>'
        f'<text x="{2 * width + 28}" y="{50 + 20 * i}" font-size="12">{name}</text>'
        for i, (c, name) in enumerate(zip(colours, points, strict=False))
    ]
    body = [
        *panel(0, "seconds per million events", per_event, "s"),
        *panel(width, "peak RSS", memory, "MB"),
        *legend,
    ]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{2 * width + 190}" height="{height}" '
        'font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n' + "\n".join(body) + "\n</svg>\n"
    )


GROWTH_PLOT = "growth.svg"
"""The growth stage's chart, written beside RESULTS.md."""

PROSE_SYNC = (
    f"What was tried for the sync's targets, each change with its measured effect, and where the time goes: "
    f"[notes]({NOTES}#sync)."
)


def _absent(stage: str) -> list[str]:
    return [f"Not measured in this run (stage `{stage}` was not run).", ""]


def how_measured(plan: dict[str, Any]) -> list[str]:
    """The method, stage by stage (fixed text with this run's settings)."""
    return [
        (
            "- The simulator (`quint_reports.simulator.Simulator`, clean data, seed "
            f"{plan['seed']}) runs in a process of its own (`bench/simhost.py`), so it never shares a GIL with "
            "the loader. Its latency switch delays every request; concurrency is the loader's requests in flight."
        ),
        (
            "- Each loader runs in a child process (`bench/child.py`): the time is that of the load call alone (imports "
            "excluded), peak RSS is the child's `ru_maxrss` when the load returns (the count that verifies what it "
            "landed runs after, in the same process, and is left out; `wait4`'s figure for the whole child when the "
            "load did not return), CPU is the child's user+system time as a share of wall time; server CPU is the "
            "simulator process's, over the same run."
        ),
        (
            "- Requests are counted in the loader's process by wrapping `send` of httpx and requests, so retries count "
            "and all loaders are counted alike. Sessions/s counts sessions whose detail the simulator served."
        ),
        (
            "- **ours**: `quint_reports.sync(full=True, concurrency=c)` into a fresh database: list, fan-out, bulk "
            "landing, views applied, snapshot published. **naive**: one httpx client, one request after another, one "
            "INSERT per session and `executemany` per session's events (row by row), no views. **dlt**: "
            "`rest_api_source` with the sessions list and dependent resources (detail, events, children) bound by "
            "`{resources.sessions.id}`, `parallelized=True`, bearer auth, `single_page` paginator, "
            "`EXTRACT__WORKERS` = c, into DuckDB via `pipeline.run` (extract, normalize, load), no views; tuned as "
            "its docs allow: nested fields as JSON columns (`max_table_nesting=0`), the `parquet` loader, two "
            "normalize workers. Tried on 2,000 sessions at 0 ms, c=8: `insert_values` (its DuckDB default) 83 s, "
            "`parquet` 45 s; `jsonl` fails on this data (DuckDB's `read_json` guesses a column type from a sample). "
            "dlt is judged at its fastest pool size."
        ),
        (
            "- **ours** does the HTTP with httpx over aiohttp (`httpx_aiohttp.AiohttpTransport`, one pool of c "
            "connections), JSON decoded once with orjson. CPU per request = the load call's user+system time (all "
            "threads, imports left out) / requests."
        ),
        (
            "- Latency bound = requests x latency / concurrency. Each run has a time cap (ours "
            f"{plan['cap_s']:.0f} s, dlt {plan['peer_cap_s']:.0f} s, naive {plan['naive_cap_s']:.0f} s; "
            f"{plan['short_cap_s']:.0f} s when the latency bound alone exceeds the cap). A run stopped at its cap has its "
            "sessions/s measured up to then; its full time is shown as `~` an estimate from that rate (for ours it leaves "
            "out the final views and publish, a few seconds), or as `>=` a lower bound when the rate cannot tell (dlt "
            "normalizes and loads only after extracting everything). Ratios "
            "carry the same marks (`<=` / `>=`: a bound)."
        ),
        (
            f"- dlt runs at concurrency {', '.join(str(c) for c in plan['dlt_concurrencies'])} up to "
            f"{plan['dlt_every_concurrency_up_to']:,} sessions and at {plan['profile_concurrency']} above (each run "
            "there takes minutes); at concurrency 1 its parallelism would be off, which is the naive peer's case."
        ),
        (
            "- **Large, nightly and growth** (`bench/generate_large.py`, `bench/large.py`): the organisation is "
            "generated straight into the landing tables by DuckDB and its events typed as the sync's writer types "
            "them as it lands (not timed with the steps, reported beside them), then a fresh process applies the "
            "views in the sync's private work copy, runs the checks, builds every mart and renders the report, each "
            "step timed on its own; each step's peak RSS is the process's high-water mark reset as the step starts "
            "(Linux `clear_refs`). The growth stage runs these steps at each of its sizes."
        ),
        (
            "- **The whole nightly job** (`end_to_end`): `quint_reports.nightly` in a child process (`bench/child.py`, "
            "loader `nightly`), as cron runs it, against the simulator in its own process: a full run into a fresh "
            "database, then, after the simulator's changes, the cron default (incremental). Each run's time is the "
            "job's call alone; the report is written into the same folder both times, as night after night."
        ),
    ]


def render(results: dict[str, Any]) -> str:
    """The whole RESULTS.md."""
    machine, matrix, plan = results["machine"], results.get("sync"), results["plan"]
    inc, large = results.get("incremental"), results.get("large")
    out = [
        "# Benchmarks",
        "",
        (
            f"Written by `{results['command']}` on {results['date']} (run took {_s(results['seconds'])} s). "
            "Every figure and verdict is from this one run, rendered by `bench/results_md.py`; "
            f"nothing here is edited by hand. The choices behind the code, with the figures measured then: [notes]({NOTES})."
        ),
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in machine.items()],
        "",
        "## How it is measured",
        "",
        *how_measured(plan),
        "",
    ]
    if results.get("errors"):
        out += [
            "## Stages that failed",
            "",
            *[f"- {stage}: `{error}`" for stage, error in results["errors"].items()],
            "",
        ]
    startup = results.get("startup")
    if results.get("partial"):
        out[2:2] = [
            f"**From a partial run:** only the stages {results['partial']} ran; the other sections say they were not measured.",
            "",
        ]
    out += ["## Targets", "", *targets(results)]
    why = analysis(results)
    if why:
        out += ["### Why, from this run's figures", "", *why]
    out += ["## 1. Full sync", ""]
    if matrix:
        out += [*sync_tables(matrix), "Same data:", "", *same_data(matrix["runs"]), "", PROSE_SYNC, ""]
    else:
        out += _absent("sync")
    out += ["## 2. Incremental sync", "", *(_incremental(inc) if inc else _absent("incremental"))]
    out += ["## 3. SQL and reports at scale", "", *(_large(large) if large else _absent("large"))]
    profiles = _profiles(matrix, large)
    out += ["## 4. Where the time goes", "", *(profiles or ["No profile in this run (`--no-profile`).", ""])]
    out += ["## 5. Start-up of the CLI", "", *(_startup(startup) if startup else _absent("startup"))]
    out += ["## 6. Nightly at scale: a rebuild after a change", "", *(_nightly(large) if large else _absent("large"))]
    e2e = results.get("end_to_end")
    out += ["### The whole nightly job, sync included", "", *(_end_to_end(e2e) if e2e else _absent("end_to_end"))]
    out += ["## 7. Publishing to a DuckLake", "", *(_lake(results["lake"]) if results.get("lake") else _absent("lake"))]
    growth = results.get("growth")
    plot = GROWTH_PLOT if growth and len(growth["sizes"]) > 1 else None
    out += ["## 8. Growth: cost against data", "", *(_growth(growth, plot) if growth else _absent("growth"))]
    return "\n".join(out).rstrip() + "\n"


def _ours(runs: list[dict[str, Any]], size: int, latency: int, concurrency: int) -> dict[str, Any] | None:
    return next(
        (
            r
            for r in runs
            if r["loader"] == "ours"
            and r["size"] == size
            and r["latency_ms"] == latency
            and r["concurrency"] == concurrency
        ),
        None,
    )


def _probe_row(matrix: dict[str, Any], latency: int, concurrency: int, transport: str) -> dict[str, Any] | None:
    """The probe's row of one client (one pool) over ``transport`` at this latency and concurrency."""
    for probe in matrix.get("probes") or []:
        if probe["latency_ms"] != latency:
            continue
        for row in probe["rows"]:
            if (
                row["concurrency"] == concurrency
                and row["clients"] == 1
                and row.get("transport", "httpcore") == transport
            ):
                return row
    return None


def analysis(results: dict[str, Any]) -> list[str]:
    """Why each target is met or missed, from this run's own figures, and what would close a gap."""
    out: list[str] = []
    matrix, large = results.get("sync"), results.get("large")
    if matrix:
        runs = matrix["runs"]
        for size in sorted({r["size"] for r in runs}):
            ours = _ours(runs, size, 25, TARGET_CONCURRENCY)
            if not ours or not ours["ok"] or not ours["latency_bound_s"]:
                continue
            ratio = ours["est_seconds"] / ours["latency_bound_s"]
            cpu = ours["cpu_s"] / ours["seconds"] if ours["seconds"] else 0.0
            server = (ours["server_cpu_s"] or 0.0) / ours["seconds"] if ours["seconds"] else 0.0
            line = (
                f"- **Sync vs the latency bound, {size:,} sessions, 25 ms, c={TARGET_CONCURRENCY}:** {ratio:.2f}x the "
                f"bound. Our process used {100 * cpu:.0f}% of a core over the run (the simulator {100 * server:.0f}%), "
                f"{cpu_ms_per_request(ours):.2f} ms of CPU per request: "
            )
            if cpu >= 0.8:
                line += "the loader is CPU-bound, not latency-bound."
            elif ratio <= TARGET_BOUND_RATIO:
                line += "it waits on the latency, as it should."
            else:
                line += "neither side is saturated; the time goes to waiting in the client."
            single = _probe_row(matrix, 25, TARGET_CONCURRENCY, "aiohttp")
            if single and ratio > TARGET_BOUND_RATIO:
                per_request = cpu_ms_per_request(ours)
                line += (
                    f" The client probe: httpx over the aiohttp transport with one pool of {TARGET_CONCURRENCY} "
                    f"connections costs {single['cpu_ms_per_request']:.2f} ms of CPU per request, the whole sync "
                    f"{per_request:.2f} ms, so the rest is landing, validation and the loop: at {per_request:.2f} ms "
                    f"one core serves at most {1000 / per_request:.0f} requests/s, and the bound needs "
                    f"{TARGET_CONCURRENCY / 0.025:.0f}. What would close it: fewer requests per session (now "
                    f"{ours['requests_per_session'] or 0:.2f}) and less Python work per response (see the profile)."
                )
            out.append(line)
        dlt_rows = [r for r in runs if r["loader"] == "dlt" and r["ok"] and r["concurrency"] > 1]
        if dlt_rows:
            cpus = [r["cpu_s"] / r["seconds"] for r in dlt_rows if r["seconds"]]
            out.append(
                f"- **dlt:** its runs used {100 * min(cpus):.0f}-{100 * max(cpus):.0f}% of a core and its time hardly "
                "moves with its pool size: it is bound by its own per-record Python work (extract pipe, "
                "normalization into child tables, load), not by the API; peak RSS up to "
                f"{max(r['peak_rss_mb'] for r in dlt_rows):.0f} MB against ours up to "
                f"{max(r['peak_rss_mb'] for r in runs if r['loader'] == 'ours'):.0f} MB."
            )
        naive = [r for r in runs if r["loader"] == "naive" and r["ok"]]
        if naive:
            zero = [r for r in naive if r["latency_ms"] == 0]
            if zero:
                out.append(
                    f"- **naive:** {zero[0]['sessions_per_s']:.0f} sessions/s even at 0 ms: one INSERT per row costs "
                    "more than the HTTP requests (DuckDB commits every statement)."
                )
    if large:
        stage = large["stage"]
        total = nightly_seconds(stage)
        first = stage["sql_files"][0] if stage["sql_files"] else None
        sql = stage.get("slowest_sql_profile") or {}
        line = (
            f"- **{large['events']:,}-event report:** {_s(total)} s, of which the views take "
            f"{_s(stage['apply_views_s'])} s"
        )
        if first:
            line += (
                f"; the slowest file, `{first['file']}`, takes {_s(first['seconds'])} s "
                f"({100 * first['seconds'] / max(stage['apply_views_s'], 1e-9):.0f}% of the views)"
            )
        line += (
            f"; checks {_s(stage['checks_s'])} s, report {_s(stage['report_s'])} s. Peak RSS "
            f"{large['peak_rss_mb']:.0f} MB"
        )
        if sql:
            line += (
                f"; re-run on its own, `{sql['file']}` peaks at {sql['peak_buffer_memory_mb']:.0f} MB of DuckDB "
                "buffer memory"
            )
        line += "."
        peaks = _step_peaks(stage)
        if peaks and max(peaks.values()) > TARGET_LARGE_RSS_MB:
            step = max(peaks, key=lambda k: peaks[k])
            line += f" The memory peak is in `{step}` ({peaks[step]:.0f} MB): " + (
                "DuckDB fills its buffer pool up to the memory limit and allocates on top of it what it parses "
                "every events body into, so that step peaks a few hundred MB above the limit whatever share of "
                "the sessions one statement parses; a lower limit makes the one-transaction apply run out of "
                "memory (see the notes). What would close it: a memory limit for the apply below the readers', "
                "with the checks rewritten to fit in it."
                if step == "apply_views"
                else "DuckDB keeps to its memory limit per connection, so the rest is the Python side of that "
                "step (frames, the report's pages)."
            )
        if total >= TARGET_LARGE_S and first:
            line += (
                f" Closing the time gap starts with `{first['file']}`, which parses every events body from JSON "
                f"text: {_s(first['seconds'])} s inside the apply (one transaction, in a work file just copied)"
            )
            if sql:
                alone = sql["latency_s"]
                line += f" against {_s(alone)} s re-run on its own on every session, " + (
                    "so part of it is the setting, not the SQL"
                    if alone < 0.7 * first["seconds"]
                    else "so the cost is the SQL's own: the JSON parse of every event, about "
                    f"{1e6 * alone / max(large['events'], 1):.1f} us of wall time per event"
                )
            line += "."
        out.append(line)
        again = stage.get("incremental")
        if again:
            out.append(_nightly_why(stage, again))
    return out + ([""] if out else [])


def _typing_note(org: dict[str, Any]) -> str:
    """Where the JSON parse of the events went: into landing, out of the timed steps."""
    if org.get("typing_s") is None:
        return ""
    return (
        f" The generator then types the events as the sync's writer does while it lands them (every 1,000 "
        "sessions) "
        f"(`views.type_events`, the JSON parse of every event into `stg_events`): {_s(org['typing_s'])} s, not in "
        "the steps below; in a sync that time is the writer thread's, overlapped with the fetch (section 1 "
        "measures the sync with it). An apply types only what no writer did, and types everything again "
        "after a change of `stg_events.sql` or the macros it calls."
    )


def _nightly_why(stage: dict[str, Any], again: dict[str, Any]) -> str:
    """Why the rebuild after a change costs what it does, and what would make it follow the change."""
    total, rebuilt = nightly_seconds(stage), nightly_seconds(again)
    full_files = {f["file"]: f["seconds"] for f in stage.get("sql_files", [])}
    part_files = {f["file"]: f["seconds"] for f in again.get("sql_files", [])}
    per_session = [
        f"`{name}` {_s(full_files[name])} -> {_s(part_files[name])} s"
        for name in (
            "stg_events",
            "stg_session_details",
            "int_sessions_merged",
            "int_tagged_events",
            "int_tagged_session_days",
            "int_event_duplicates",
        )
        if name in full_files and name in part_files
    ]
    whole = sorted(((s, f) for f, s in part_files.items()), reverse=True)[:2]
    files_s = sum(part_files.values())
    return (
        f"- **Nightly rebuild after {again.get('changed_sessions', 0):,} sessions landed anew:** {_s(rebuilt)} s, "
        f"{100 * rebuilt / max(total, 1e-9):.0f}% of the full build"
        + (
            f" (their events typed as they landed: {_s(again['typing_s'])} s more, the sync's writer's)"
            if again.get("typing_s") is not None
            else ""
        )
        + ". The per-session tables follow the change "
        f"({', '.join(per_session)}); what does not: the report, {_s(again['report_s'])} s (full "
        f"{_s(stage['report_s'])} s), whose grouped marts and riskiest sessions read per-session, per-day sums but "
        "whose percentiles (from counts per score), top lists and tool and action marts count every event of the "
        f"window ({_s(again['marts_s'])} s for the marts on their own), and whose group pages (plotly figures) are "
        "drawn again; the slowest SQL statements after the change ("
        + ", ".join(f"`{f}` {_s(sec)} s" for sec, f in whole)
        + f"); and the apply outside its SQL files, {_s(again['apply_views_s'] - files_s)} s. Not counted on either "
        f"side, the publish (its checkpoint writes the changed rows): {_s(again['publish_s'])} s after the change, "
        f"{_s(stage['publish_s'])} s after the full build. "
        "What would close it: the marts' percentiles and item counts from per-session counts (built and exact in "
        "an earlier round; rebuilt on today's tables they cost the full build 3.8 s to save the rebuild 0.4 s); "
        "the check union rebuilt per session, once `sessions` and `session_edges` are tables too (its slowest "
        "check, `hierarchy.children_mismatch`, reads `session_edges` whole); and the report's group pages kept "
        "when their marts did not change, which after 1% changed is none of them (at 100,000 sessions the 14 "
        "group pages take some 0.8 s, most of it building plotly's figure objects)."
    )
