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
import json
import os
import time
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from quint_reports.simulator import vocab
from quint_reports.warehouse.migrations import migrate
from quint_reports.warehouse.sqlfiles import read_sql, split_statements
from quint_reports.warehouse.views import type_events

FAMILY = 8
"""Sessions per family; chunks hold whole families so children lists stay complete."""

CHUNK_SESSIONS = 10_000
"""Sessions generated per statement (a multiple of FAMILY): bounds memory."""

RUN_ID = "bench-large-org"
FETCHED_AT = "2026-05-01 00:00:00+00"
WINDOW_START = datetime.fromtimestamp(vocab.REFERENCE_TS - vocab.WINDOW_DAYS * 86400, tz=timezone.utc)
FIRST_DAY = WINDOW_START.strftime("%Y-%m-%d %H:%M:%S")
SPAN_DAYS = vocab.WINDOW_DAYS - 1

# Position in a family -> parent position (NULL: a root). Three roots per family (0, 5, 7),
# as the simulator has about 40% roots; 0 -> 1 -> 3 -> 4 reaches depth 3, 0 and 5 have siblings below.
FAMILY_SHAPE = "[NULL, 0, 0, 1, 3, NULL, 5, NULL]"
WINDOW_FROM = "[0.0, 0.05, 0.4, 0.1, 0.15, 0.0, 0.2, 0.0]"
WINDOW_TO = "[1.0, 0.7, 0.95, 0.6, 0.5, 1.0, 0.8, 1.0]"
"""Each position's time window as shares of its family's duration, nested in its parent's."""


def _lit(value: object) -> str:
    """A DuckDB literal for a str, a number, None or a (nested) list of them."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_lit(v) for v in value) + "]"
    return repr(value)


def _weighted(items: tuple[str, ...], weights: tuple[int, ...]) -> str:
    """A list literal where each item appears ``weight`` times (one uniform draw picks one)."""
    return _lit([item for item, w in zip(items, weights, strict=False) for _ in range(w)])


MODEL_TABLE = _weighted(tuple(m[0] for m in vocab.MODELS), vocab.MODEL_WEIGHTS)
MODEL_NAMES = _lit([m[0] for m in vocab.MODELS])
MODEL_DRIFT = _lit([[m[1], m[2]] for m in vocab.MODELS])
PLATFORM_TABLE = _weighted(tuple(p[0] for p in vocab.PLATFORMS), vocab.PLATFORM_WEIGHTS)
PLATFORM_NAMES = _lit([p[0] for p in vocab.PLATFORMS])
PLATFORM_INFO = _lit([[p[1], p[2]] for p in vocab.PLATFORMS])
PLATFORM_DRIFT = _lit([[p[3], p[4]] for p in vocab.PLATFORMS])
ACTION_TABLE = _weighted(vocab.ACTION_TYPES, vocab.ACTION_WEIGHTS)
ACTION_NAMES = _lit(list(vocab.ACTION_TYPES))
ACTION_MEAN = _lit([vocab.ACTION_BASE_RISK[a] for a in vocab.ACTION_TYPES])
TOOLS = {action: _lit(list(tools)) for action, tools in vocab.TOOLS.items()}
FILE_ARGS = _lit([[p] for p in vocab.PATHS])
EXEC_ARGS = _lit([list(a) for a in vocab.GIT_ARGS] + [["-sSL", u] for u in vocab.URLS] + [["test"], ["run", "build"]])
NAMES = _lit([f"{v} {o}" for v in vocab.SESSION_VERBS for o in vocab.SESSION_OBJECTS])
CHILD_NAMES = _lit(list(vocab.CHILD_NAMES))


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


def _normal(expr: str, salt: str) -> str:
    """SQL for a deterministic standard normal draw (Box-Muller on two uniforms)."""
    return f"(sqrt(-2 * ln(1 - {_u(expr, salt + '1')})) * cos(2 * pi() * {_u(expr, salt + '2')}))"


def _sessions_sql(sessions: int) -> str:
    """One row per session, with the weight its event count is drawn from."""
    return f"""
    with base as (
        select
            i,
            i // {FAMILY} as family,
            i % {FAMILY} as pos,
            {_u("i // 8", "state")} as us,
            {_u("i // 8", "dur")} as ud
        from range({sessions}) as t(i)
    ),
    shaped as (
        select
            *,
            ({FAMILY_SHAPE})[pos + 1] as parent_pos,
            -- families spread evenly over the window; sub-agents run on their parent's platform and model
            list_position({MODEL_NAMES}, ({MODEL_TABLE})[1 + cast(floor({_u("i // 8", "model")} * 100) as int)]) as m,
            list_position({PLATFORM_NAMES}, ({PLATFORM_TABLE})[1 + cast(floor({_u("i // 8", "platform")} * 100) as int)])
                as p,
            timestamp '{FIRST_DAY}' + to_microseconds(cast(family * {FAMILY} / {sessions} * {SPAN_DAYS} * 86400e6 as bigint))
                as family_start,
            -- the root's duration (log-normal around 30 minutes); descendants' windows nest inside it
            cast(least(8 * 3600, 120 + exp(ln(1800) + 0.9 * {_normal("i // 8", "dur")})) * 1e6 as bigint) as family_us,
            ({WINDOW_FROM})[pos + 1] as w_from,
            ({WINDOW_TO})[pos + 1] as w_to
        from base
    )
    select
        i,
        {_uuid("'s' || i")} as id,
        case when parent_pos is null then null else {_uuid(f"'s' || (family * {FAMILY} + parent_pos)")} end as parent_id,
        case when parent_pos is null then ({NAMES})[1 + cast(floor({_u("i", "name")} * len({NAMES})) as int)]
             else ({CHILD_NAMES})[1 + cast(floor({_u("i", "name")} * len({CHILD_NAMES})) as int)] end as session_name,
        ({MODEL_NAMES})[m] as model,
        ({PLATFORM_NAMES})[p] as platform,
        ({PLATFORM_INFO})[p][1] as signing_id,
        ({PLATFORM_INFO})[p][2] as agent_id,
        case when us < 0.86 then 'ended' when us < 0.93 then 'active' else 'idle' end as state,
        family_start + to_microseconds(cast(family_us * w_from as bigint)) as started_at,
        case when us < 0.86 then family_start + to_microseconds(cast(family_us * w_to as bigint)) end as ended_at,
        family_start + to_microseconds(cast(family_us * w_to as bigint)) as until_at,
        -- the session's risk factor: log-normal noise times the model's and platform's drift over the window
        exp(0.35 * {_normal("i", "factor")})
            * (({MODEL_DRIFT})[m][1] + (({MODEL_DRIFT})[m][2] - ({MODEL_DRIFT})[m][1]) * family / ({sessions} / {FAMILY}))
            * (({PLATFORM_DRIFT})[p][1] + (({PLATFORM_DRIFT})[p][2] - ({PLATFORM_DRIFT})[p][1]) * family / ({sessions} / {FAMILY}))
            as factor,
        -- events per session: log-normal with mean about 50 (the simulator's), capped at 4000
        least(4000, exp(ln(50) - 0.72 + 1.2 * {_normal("i", "n")})) as weight
    from shaped
    """


def _create_tables(con: duckdb.DuckDBPyConnection) -> None:
    migrate(con)


def _plan_counts(con: duckdb.DuckDBPyConnection, sessions: int, events: int) -> None:
    """Plan every session, with at least one event and counts summing to exactly ``events``."""
    con.execute(
        f"""
        create or replace temp table plan as
        with s as ({_sessions_sql(sessions)}),
        scaled as (select *, 1 + floor(weight * ({events} - {sessions}) / sum(weight) over ()) as n0 from s),
        short as (select {events} - sum(n0) as missing from scaled)
        select * exclude (weight, n0),
            cast(n0 + case when i < (select missing from short) then 1 else 0 end as integer) as n
        from scaled
        """
    )


def _events_expr() -> str:
    """SQL for a session's planned events (action, score, decision draw), a lambda over range(n)."""
    return f"""
    list_transform(
        list_transform(range(n), lambda j: struct_pack(
            j := j,
            a := list_position({ACTION_NAMES}, ({ACTION_TABLE})[1 + cast(floor({_u("i, j", "act")} * 100) as int)]),
            ur := {_u("i, j", "risk")},
            uk := {_u("i, j", "spike")},
            uz := {_u("i, j", "dec")}
        )),
        lambda e: struct_pack(
            j := e.j,
            a := e.a,
            -- exponential around the action's base risk times the session factor; rare spikes to high/critical
            risk_score := cast(least(100, case when e.uk < 0.012 * factor then 56 + floor(e.ur * 45)
                else floor(-ln(1 - e.ur) * ({ACTION_MEAN})[e.a] * factor) end) as integer),
            uz := e.uz
        )
    )
    """


def _served_events() -> str:
    """SQL for the events as served, from the planned list ``evs`` of a session row."""
    tool_case = " ".join(
        f"when '{action}' then ({tools})[1 + cast(floor({_u('i, e.j', 'tool')} * len({tools})) as int)]"
        for action, tools in TOOLS.items()
    )
    return f"""
    list_transform(evs, lambda e: struct_pack(
        id := {_uuid("'e' || i || '-' || e.j")},
        session_id := id,
        agent_id := agent_id,
        action_type := ({ACTION_NAMES})[e.a],
        tool_name := case ({ACTION_NAMES})[e.a] {tool_case} end,
        arguments := case when ({ACTION_NAMES})[e.a] like 'FILE_%'
            then ({FILE_ARGS})[1 + cast(floor({_u("i, e.j", "arg")} * len({FILE_ARGS})) as int)]
            else ({EXEC_ARGS})[1 + cast(floor({_u("i, e.j", "arg")} * len({EXEC_ARGS})) as int)] end,
        risk_score := e.risk_score,
        decision := case when (e.risk_score > 80 and e.uz < 0.7) or (e.risk_score between 56 and 80 and e.uz < 0.15)
            or e.uz < 0.002 then 'block' else 'allow' end,
        "timestamp" := {_fmt("started_at + to_microseconds(cast((epoch_us(until_at) - epoch_us(started_at)) * (e.j + 0.5) / n as bigint))")}
    ))
    """


def _fmt(ts: str) -> str:
    """SQL for the ISO 8601 UTC text of a (UTC) TIMESTAMP expression, as the API serves it."""
    return f"strftime({ts}, '%Y-%m-%dT%H:%M:%SZ')"


def _write_chunk(con: duckdb.DuckDBPyConnection, start: int, stop: int) -> None:
    common = f"'{RUN_ID}', timestamptz '{FETCHED_AT}'"
    fields = f"""
        id := id, session_name := session_name, model := model, signing_id := signing_id, state := state,
        platform := platform, parent_id := parent_id, started_at := {_fmt("started_at")}, ended_at := {_fmt("ended_at")}
    """
    con.execute(
        f"""
        create or replace temp table recs as
        select i, id, parent_id, agent_id, started_at, until_at, n, struct_pack({fields}) as rec,
            struct_pack({fields.replace("signing_id := signing_id,", "")}) as child_rec,
            {_events_expr()} as evs
        from plan where i >= {start} and i < {stop}
        """
    )
    con.execute(
        f"insert into raw.raw_session_list select id, id, {common}, '/v1/sessions', to_json(rec)::varchar from recs"
    )
    con.execute(
        f"""
        insert into raw.raw_session_bodies (kind, session_id, run_id, fetched_at, endpoint, http_status, body)
        select 'events', id, {common}, '/v1/sessions/{{id}}/events', 200, to_json(struct_pack(events := {_served_events()}))::varchar
        from recs
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
        insert into raw.raw_session_bodies (kind, session_id, run_id, fetched_at, endpoint, http_status, body)
        select 'children', k.parent_id, {common}, '/v1/sessions/{{id}}/children', 200,
            to_json(struct_pack(children := k.children))::varchar
        from kids k
        """
    )
    con.execute(
        f"""
        insert into raw.raw_session_bodies (kind, session_id, run_id, fetched_at, endpoint, http_status, body)
        select 'detail', r.id, {common}, '/v1/sessions/{{id}}', 200,
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
        # What the sync's landing stores beside each body (migration 5), so a later sync compares them as it would.
        con.execute("update raw.raw_session_bodies set body_md5 = md5(body)")
        # ... and the late-score flag, by migration 6's own backfill (its update; the column exists already).
        for statement in split_statements(read_sql("migrations/0006_score_pending.sql")):
            if statement.lower().startswith("update"):
                con.execute(statement)
        con.execute(
            f"""
            insert into internal._sync_runs values ('{RUN_ID}', timestamptz '{FETCHED_AT}', timestamptz '{FETCHED_AT}', 'full',
                'success', 'generated', {sessions}, 0, 0, {events}, 0, 0, 0, 0)
            """
        )
        # As the sync's writer types each batch's events as it lands them (overlapped with the fetch):
        # timed on its own, since here no fetch hides it.
        typed = time.perf_counter()
        con.execute("begin")
        type_events(con)
        con.execute("commit")
        typing_s = time.perf_counter() - typed
        con.execute("checkpoint")
    # Flush the freshly written file: the timed stage that follows should not compete with its write-back.
    os.sync()
    return {"seconds": time.perf_counter() - started, "typing_s": typing_s, "bytes": db.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    """Command line: generate a large organisation into a DuckDB file."""
    parser = argparse.ArgumentParser(prog="python -m bench.generate_large")
    parser.add_argument("--db", required=True, type=Path)
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=5_000_000)
    parser.add_argument("--result", type=Path, help="write the figures here as JSON")
    parser.add_argument("--progress", type=Path, help="accepted for bench.procs.run_child; unused")
    args = parser.parse_args(argv)
    figures = generate(args.db, args.sessions, args.events)
    if args.result:
        args.result.write_text(json.dumps(figures), encoding="utf-8")
    else:
        print(figures)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
