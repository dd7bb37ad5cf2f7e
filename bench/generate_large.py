"""Generate a large organisation straight into the landing tables, with DuckDB.

The JSON bodies the API would serve (list records, details with children and
risk summary, events, children) are built by DuckDB itself from ``range()``,
hash-derived random numbers, ``struct``/``list`` aggregation and ``to_json``,
in chunks of whole families of sessions, so Python never holds a record and
memory stays bounded by one chunk.

Shape (the simulator's, scaled up): families of up to eight sessions with
hierarchies up to depth 3, a weighted mix of models and platforms, sessions in
every state over eight weeks, heavy-tailed events per session (scaled so the
total is exact), risk skewed low with a tail into high and critical, and some
blocked decisions. The organisation is clean: its risk summaries agree with
its events.

``python -m bench.generate_large --db F --sessions N --events M``
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import duckdb

from quint_reports.sqlfiles import read_sql

FAMILY = 8
"""Sessions per family; chunks hold whole families so children lists stay complete."""

CHUNK_SESSIONS = 10_000
"""Sessions generated per statement (a multiple of FAMILY): bounds memory."""

RUN_ID = "bench-large-org"
FETCHED_AT = "2026-11-01 00:00:00+00"
FIRST_DAY = "2026-09-01 00:00:00"
SPAN_DAYS = 56

# Position in a family -> (parent position or NULL, depth). Position 0 is the
# root; 7 is a second, lone root, so about a quarter of sessions are roots.
FAMILY_SHAPE = "[NULL, 0, 0, 0, 1, 1, 4, NULL]"
WINDOW_FROM = "[0.0, 0.05, 0.3, 0.6, 0.1, 0.2, 0.15, 0.0]"
WINDOW_TO = "[1.0, 0.6, 0.9, 0.95, 0.5, 0.55, 0.45, 1.0]"
"""Each position's time window as shares of its family's duration, nested in its parent's."""

MODELS = (
    "['claude-sonnet-4-20250514', 'claude-opus-4-20250514', 'claude-3-5-haiku-20241022', "
    "'gpt-4.1-2025-04-14', 'gpt-4o-2024-11-20', 'gemini-2.5-pro', 'o3-2025-04-16']"
)
PLATFORMS = "['claude-code', 'cursor', 'windsurf', 'copilot', 'cline']"
SIGNING = (
    "['com.anthropic.claude-code', 'com.todesktop.cursor', 'com.exafunction.windsurf', "
    "'com.github.copilot', 'dev.cline.agent']"
)
ACTIONS = "['FILE_READ', 'FILE_READ', 'FILE_READ', 'PROCESS_EXEC', 'PROCESS_EXEC', 'FILE_WRITE', 'FILE_WRITE', 'NETWORK_CONNECT', 'FILE_DELETE']"
TOOLS = {
    "FILE_READ": "['cat', 'less', 'grep', 'head', 'rg']",
    "PROCESS_EXEC": "['git', 'npm', 'python', 'pytest', 'make', 'bash', 'docker']",
    "FILE_WRITE": "['node', 'python', 'sed', 'tee']",
    "NETWORK_CONNECT": "['curl', 'wget', 'ssh', 'npm']",
    "FILE_DELETE": "['rm', 'git', 'find']",
}


def _u(expr: str, salt: str) -> str:
    """SQL for a deterministic uniform number in [0, 1) from ``expr`` and a salt."""
    return f"(hash({expr}, '{salt}') % 1000003) / 1000003.0"


def _uuid(expr: str) -> str:
    """SQL for a UUID-shaped text id derived from ``expr``."""
    h = f"md5({expr})"
    return (
        f"substr({h}, 1, 8) || '-' || substr({h}, 9, 4) || '-5' || substr({h}, 14, 3) || '-' || "
        f"'8' || substr({h}, 18, 3) || '-' || substr({h}, 21, 12)"
    )


def _sessions_sql(start: int, stop: int, total: int) -> str:
    """One row per session of the range, with its weight for the event count."""
    return f"""
    with base as (
        select
            i,
            i // {FAMILY} as family,
            i % {FAMILY} as pos,
            {_u('i // 8', 'fam')} as uf,
            {_u('i // 8', 'state')} as us,
            {_u('i // 8', 'dur')} as ud,
            {_u('i', 'model')} as um,
            {_u('i', 'n')} as un
        from range({start}, {stop}) as t(i)
    ),
    shaped as (
        select
            *,
            ({FAMILY_SHAPE})[pos + 1] as parent_pos,
            timestamp '{FIRST_DAY}' + to_microseconds(cast(family * {FAMILY} / {total} * {SPAN_DAYS} * 86400e6 as bigint))
                as family_start,
            -- the root's duration; every descendant's window nests inside its parent's
            cast((40 + pow(ud, 3) * 240) * 60e6 as bigint) as family_us,
            ({WINDOW_FROM})[pos + 1] as w_from,
            ({WINDOW_TO})[pos + 1] as w_to
        from base
    )
    select
        i,
        {_uuid("'s' || i")} as id,
        case when parent_pos is null then null else {_uuid(f"'s' || (family * {FAMILY} + parent_pos)")} end as parent_id,
        'Session ' || i || ': ' || (['fix tests', 'refactor auth', 'add endpoint', 'upgrade deps', 'write docs'])[1 + i % 5]
            as session_name,
        ({MODELS})[1 + cast(floor(pow(um, 1.6) * 7) as int)] as model,
        -- a family shares its platform: sub-agents run where their parent runs
        ({PLATFORMS})[1 + cast(floor(pow(uf, 1.4) * 5) as int)] as platform,
        ({SIGNING})[1 + cast(floor(pow(uf, 1.4) * 5) as int)] as signing_id,
        case when us < 0.88 then 'ended' when us < 0.95 then 'active' else 'idle' end as state,
        family_start + to_microseconds(cast(family_us * w_from as bigint)) as started_at,
        case when us < 0.88 then family_start + to_microseconds(cast(family_us * w_to as bigint)) end as ended_at,
        family_start + to_microseconds(cast(family_us * w_to as bigint)) as until_at,
        -- heavy tail: a Pareto-like draw, scaled to the exact total later
        1.0 / pow(greatest(un, 0.0005), 0.7) as weight
    from shaped
    """


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(read_sql("landing/schema.sql"))


def _plan_counts(con: duckdb.DuckDBPyConnection, sessions: int, events: int) -> None:
    """Plan every session, with an event count heavy-tailed and summing to exactly ``events``."""
    con.execute(
        f"""
        create or replace temp table plan as
        with s as ({_sessions_sql(0, sessions, sessions)}),
        scaled as (select *, floor(weight * {events} / sum(weight) over ()) as n0 from s),
        short as (select {events} - sum(n0) as missing from scaled)
        select * exclude (weight, n0),
            cast(n0 + case when i < (select missing from short) then 1 else 0 end as integer) as n
        from scaled
        """
    )


def _events_expr() -> str:
    """SQL for the list of a session's events, built per row with a lambda over range(n)."""
    tool_case = " ".join(
        f"when '{action}' then ({tools})[1 + cast(floor({_u('i, e.j', 'tool')} * len({tools})) as int)]"
        for action, tools in TOOLS.items()
    )
    return f"""
    list_transform(
        list_transform(range(n), lambda j: struct_pack(
            j := j,
            action_type := ({ACTIONS})[1 + cast(floor({_u('i, j', 'act')} * 9) as int)],
            -- most scores are low; about 6% reach high or critical
            risk_score := cast(case when {_u('i, j', 'tail')} < 0.94 then floor(pow({_u('i, j', 'risk')}, 2.2) * 56)
                                    else 56 + floor({_u('i, j', 'risk')} * 45) end as integer),
            uz := {_u('i, j', 'dec')}
        )),
        lambda e: struct_pack(
            id := {_uuid("'e' || i || '-' || e.j")},
            session_id := id,
            agent_id := platform,
            action_type := e.action_type,
            tool_name := case e.action_type {tool_case} end,
            arguments := case when e.action_type like 'FILE_%' then ['/repo/src/module_' || (e.j % 97) || '.py']
                              else ['--run', 'step-' || (e.j % 13)] end,
            risk_score := e.risk_score,
            decision := case when (e.risk_score > 80 and e.uz < 0.7) or e.uz < 0.01 then 'block' else 'allow' end,
            "timestamp" := {_fmt(f"started_at + to_microseconds(cast((epoch_us(until_at) - epoch_us(started_at)) * (e.j + 0.5) / n as bigint))")}
        )
    )
    """


def _fmt(ts: str) -> str:
    """SQL for the ISO 8601 UTC text of a (UTC) TIMESTAMP expression, as the API serves it."""
    return f"strftime({ts}, '%Y-%m-%dT%H:%M:%SZ')"


def _write_chunk(con: duckdb.DuckDBPyConnection, start: int, stop: int) -> None:
    common = f"'{RUN_ID}', timestamptz '{FETCHED_AT}'"
    fields = f"""
        id := id, session_name := session_name, model := model, signing_id := signing_id, state := state,
        platform := platform, parent_id := parent_id, started_at := {_fmt('started_at')}, ended_at := {_fmt('ended_at')}
    """
    con.execute(
        f"""
        create or replace temp table recs as
        select i, id, parent_id, struct_pack({fields}) as rec,
            struct_pack({fields.replace('signing_id := signing_id,', '')}) as child_rec,
            {_events_expr()} as evs
        from plan where i >= {start} and i < {stop}
        """
    )
    con.execute(f"insert into raw_session_list select id, id, {common}, '/v1/sessions', to_json(rec)::varchar from recs")
    con.execute(
        f"""
        insert into raw_session_events
        select id, {common}, '/v1/sessions/{{id}}/events', 200, to_json(struct_pack(events := evs))::varchar from recs
        """
    )
    con.execute(
        """
        create or replace temp table kids as
        select parent_id, list(child_rec order by i) as children from recs where parent_id is not null group by parent_id
        """
    )
    con.execute(
        f"""
        insert into raw_session_children
        select r.id, {common}, '/v1/sessions/{{id}}/children', 200,
            to_json(struct_pack(children := coalesce(k.children, [])))::varchar
        from recs r left join kids k on k.parent_id = r.id
        """
    )
    con.execute(
        f"""
        insert into raw_session_detail
        select r.id, {common}, '/v1/sessions/{{id}}', 200,
            to_json(struct_concat(r.rec, struct_pack(children := coalesce(k.children, []),
                risk_summary := struct_pack(
                    total_events := len(r.evs),
                    max_risk := coalesce(list_max([e.risk_score for e in r.evs]), 0),
                    avg_risk := coalesce(cast(round(list_avg([e.risk_score for e in r.evs])) as integer), 0)))))::varchar
        from recs r left join kids k on k.parent_id = r.id
        """
    )


def generate(db: Path, sessions: int, events: int, *, memory_limit: str = "2GB") -> dict[str, float]:
    """Write an organisation of ``sessions`` sessions and ``events`` events into ``db``'s landing tables."""
    started = time.perf_counter()
    with duckdb.connect(str(db)) as con:
        con.execute(f"set memory_limit = '{memory_limit}'")
        con.execute("set preserve_insertion_order = false")
        _create_tables(con)
        _plan_counts(con, sessions, events)
        chunk = max(FAMILY, CHUNK_SESSIONS - CHUNK_SESSIONS % FAMILY)
        for start in range(0, sessions, chunk):
            con.execute("begin")
            _write_chunk(con, start, min(sessions, start + chunk))
            con.execute("commit")
        con.execute(
            f"""
            insert into _sync_runs values ('{RUN_ID}', timestamptz '{FETCHED_AT}', timestamptz '{FETCHED_AT}', 'full',
                'success', 'generated', {sessions}, 0, 0, {events}, 0, 0, 0, 0)
            """
        )
        con.execute("checkpoint")
    return {"seconds": time.perf_counter() - started, "bytes": db.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    """Command line: generate a large organisation into a DuckDB file."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate_large")
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    args = parser.parse_args(argv)
    print(generate(args.db, args.sessions, args.events))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
