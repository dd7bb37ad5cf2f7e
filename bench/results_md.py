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
TARGET_LARGE_S = 60.0
"""Views, checks, marts and report of the large organisation within this many seconds."""
TARGET_LARGE_RSS_MB = 2048.0
"""... with a peak RSS under this."""


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
            "the lake's publish runs after it, from the published file (rows written, views rebuilt)."
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
        f"Peak RSS of the timed steps: **{large['peak_rss_mb']:.0f} MB** (the process's `ru_maxrss` after the report; "
        f"{large.get('process_peak_rss_mb', 0):.0f} MB with the untimed profiling re-run that follows); "
        "the peak so far after each step: "
        + ", ".join(f"{step} {mb:.0f} MB" for step, mb in stage.get("peak_rss_mb_after", {}).items())
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
                    f"### Slowest SQL file of the large organisation: `{large['stage']['sql_files'][0]['file']}` "
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


def _verdict(value: float, qualifier: str) -> str:
    """Is a speed-up of ``qualifier value`` at least the target? yes, no, or not shown (a bound that cannot tell)."""
    if value >= TARGET_DLT_SPEEDUP and qualifier != "<=":
        return "yes"
    if value < TARGET_DLT_SPEEDUP and qualifier != ">=":
        return "no"
    return "not shown"


def targets(matrix: dict[str, Any] | None, large: dict[str, Any] | None) -> list[str]:
    """Each target, its figure and whether it is met."""
    out = ["| target | figure | met |", "|---|---|---|"]
    if matrix:
        runs = matrix["runs"]
        for size in sorted({r["size"] for r in runs}):
            for concurrency in TARGET_CONCURRENCIES:
                out += _sync_targets(runs, size, concurrency)
    if large:
        total, rss = nightly_seconds(large["stage"]), large["peak_rss_mb"]
        out.append(
            f"| {large['events']:,}-event report under {TARGET_LARGE_S:.0f} s (views + checks + report, "
            f"as the nightly job runs them) | {_s(total)} s | {'yes' if total < TARGET_LARGE_S else 'no'} |"
        )
        out.append(
            f"| ... with peak RSS under {TARGET_LARGE_RSS_MB / 1024:.0f} GB | {rss:.0f} MB "
            f"| {'yes' if rss < TARGET_LARGE_RSS_MB else 'no'} |"
        )
    return out + [""]


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


def _sync_targets(runs: list[dict[str, Any]], size: int, concurrency: int) -> list[str]:
    """The three sync targets at 25 ms for one size and concurrency."""
    ours = _ours(runs, size, 25, concurrency)
    if not ours or not ours["ok"] or not ours["latency_bound_s"]:
        return []
    where = f"{size:,} sessions, 25 ms, c={concurrency}"
    ratio = ours["est_seconds"] / ours["latency_bound_s"]
    qualifier = {"exact": "", "rate": "~", "lower": ">= "}[ours.get("est_kind", "exact")]
    cpu = cpu_ms_per_request(ours)
    out = [
        f"| full sync within {TARGET_BOUND_RATIO}x of the latency bound, {where} | {qualifier}{ratio:.2f}x "
        f"({_time(ours)} s vs {_s(ours['latency_bound_s'])} s) | {'yes' if ratio <= TARGET_BOUND_RATIO else 'no'} |",
        f"| CPU per request <= {TARGET_CPU_MS:.0f} ms, {where} | {cpu:.2f} ms "
        f"| {'yes' if cpu <= TARGET_CPU_MS else 'no'} |",
    ]
    dlt = best_dlt(runs, size, 25)
    found = compare(ours, dlt)
    if dlt is not None and found is not None:
        value, qual = found
        flipped = {">=": "<=", "<=": ">=", "~": "~", "": ""}[qual]  # speed-up = dlt / ours: a bound flips
        mark = f"{flipped} " if flipped in (">=", "<=") else flipped
        out.append(
            f"| at least {TARGET_DLT_SPEEDUP:.0f}x faster than dlt at its best (c={dlt['concurrency']}), {where} "
            f"| {mark}{1 / value:.1f}x ({_time(ours)} s vs {_time(dlt)} s) | {_verdict(1 / value, flipped)} |"
        )
    return out


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
    return [
        f"| `{r['command']}` starts in under {TARGET_STARTUP_S} s | {r['best_s']:.3f} s (best of {stage['repeats']}) "
        f"| {'yes' if r['best_s'] < TARGET_STARTUP_S else 'no'} |"
        for r in stage["rows"]
        if r["command"].startswith("quint-reports")
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
            "Figures are from one run; nothing here is edited by hand."
        ),
        "",
        "## Machine",
        "",
        *[f"- {k}: {v}" for k, v in machine.items()],
        "",
        "## How it is measured",
        "",
        (
            "- The simulator (`quint_reports.simulator.Simulator`, clean data, seed "
            f"{results['plan']['seed']}) runs in a process of its own (`bench/simhost.py`), so it never shares a GIL with "
            "the loader. Its latency switch delays every request; concurrency is the loader's requests in flight."
        ),
        (
            "- Each loader runs in a child process (`bench/child.py`): the time is that of the load call alone (imports "
            "excluded), peak RSS is the child's `ru_maxrss` (from `wait4`), CPU is the child's user+system time as a "
            "share of wall time; server CPU is the simulator process's, over the same run."
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
        out[2:2] = [f"**From a partial run:** only the stages {results['partial']}; the others are not shown.", ""]
    if matrix or large or startup:
        table = targets(matrix, large)
        if startup:
            table[-1:-1] = _startup_targets(startup)
        out += ["## Targets", "", *table]
        why = analysis(results)
        if why:
            out += ["### Why, from this run's figures", "", *why]
    if matrix:
        out += ["## 1. Full sync", "", *sync_tables(matrix), "Same data:", "", *same_data(matrix["runs"]), ""]
    if inc:
        out += ["## 2. Incremental sync", "", *_incremental(inc)]
    if large:
        out += ["## 3. SQL and reports at scale", "", *_large(large)]
    if startup:
        out += ["## 5. Start-up of the CLI", "", *_startup(startup)]
    if results.get("lake"):
        out += ["## 7. Publishing to a DuckLake", "", *_lake(results["lake"])]
    profiles = _profiles(matrix, large)
    if profiles:
        out += ["## 4. Where the time goes", "", *profiles]
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
                f"; re-run on its own, the slowest file peaks at {sql['peak_buffer_memory_mb']:.0f} MB of DuckDB "
                "buffer memory"
            )
        line += "."
        if large["peak_rss_mb"] >= TARGET_LARGE_RSS_MB:
            line += (
                " DuckDB is left at its default memory limit (80% of RAM), so it keeps what it can in memory; "
                "a `memory_limit` on the sync's and the readers' connections makes it spill instead."
            )
        if total >= TARGET_LARGE_S and first:
            line += (
                f" Closing the time gap starts with `{first['file']}`, which parses every events body from JSON "
                f"text: {_s(first['seconds'])} s inside the apply (one transaction, in a work file just copied)"
            )
            if sql:
                line += (
                    f" against {_s(sql['latency_s'])} s re-run on its own, so part of it is the setting, not the SQL"
                )
            line += "."
        out.append(line)
    return out + ([""] if out else [])
