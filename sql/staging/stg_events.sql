-- stg_events: every event served by /v1/sessions/{id}/events, unnested and typed.
-- Grain: one row per (owning session, position in its events list); duplicates kept.
-- Inputs: raw.raw_session_bodies kind 'events' (HTTP 200 bodies the sync did not reject).
-- A table, not a view: unnesting millions of events from JSON text is the expensive
-- step; the `events` view and every rollup read this table.
-- Incremental: rebuilt per session, for the sessions in staging._retype (see the loader).
-- Typed as the bodies land: the sync's writer runs this file on the bodies it landed (every
-- 1,000 sessions, and after the last batch), in a transaction of its own (views.type_events),
-- so the parse overlaps the fetch; an apply types only what no writer did (an older database,
-- a failed typing).
-- risk_level follows the documented bands (None 0-10, Low 11-30, Medium 31-55, High 56-80,
-- Critical 81-100): the macro risk_level(score), built by the loader from quint_reports.metrics.BANDS;
-- NULL when the score is not valid.
-- One JSON pass with an explicit structure (a second pass per event costs ~5x);
-- fields outside the documented ones stay in raw_session_events.body, reachable
-- as body -> 'events' -> (position - 1).
-- A field that is null and one that is absent both read as NULL here.
-- event_id_malformed: the id is present and not a UUID (rule_is_event_id); NULL when absent.
-- risk_score is an INTEGER only when the API sent a JSON integer in the valid range
-- (rule_risk_score_valid, 0..100); otherwise the text as received is in risk_score_raw (NULL
-- when the field was absent or null).
-- To keep millions of rows lean, the *_raw columns and reported_session_id hold a value
-- only where it says something the typed columns do not: a score or timestamp that did
-- not parse, an event claiming another session than the one that served it.
-- Row order carries no meaning here; not preserving it halves the build time at millions
-- of rows. The setting is restored at the end of the file.
set preserve_insertion_order = false;

create or replace table stg_events as
with source as (
    select
        session_id as owner_id,
        try(from_json(body, '{"events": [{
            "id": "VARCHAR", "session_id": "VARCHAR", "agent_id": "VARCHAR",
            "action_type": "VARCHAR", "tool_name": "VARCHAR", "arguments": "JSON",
            "risk_score": "JSON", "decision": "VARCHAR", "timestamp": "VARCHAR"
        }]}')).events as evs
    from raw.raw_session_bodies
    where kind = 'events' and http_status = 200 and rejected is null
        and session_id in (select session_id from _retype)
),

unnested as (
    select
        owner_id,
        unnest(evs) as e,
        generate_subscripts(evs, 1) as position
    from source
),

final as (
    select
        e.id as event_id,
        -- The check data.invalid_id reads this flag: the pattern costs ~1 s of CPU at 5,000,000 events,
        -- paid here once per typed body rather than on every build of the checks.
        case when e.id is not null then not rule_is_event_id(e.id) end as event_id_malformed,
        owner_id as session_id,
        nullif(e.session_id, owner_id) as reported_session_id,
        position,
        e.agent_id as agent_id,
        e.action_type as action_type,
        e.tool_name as tool_name,
        e.arguments as arguments,
        -- try_cast: CASE does not short-circuit the cast of a text score such as "high".
        case
            when json_type(e.risk_score) in ('UBIGINT', 'BIGINT')
                and rule_risk_score_valid(try_cast(e.risk_score as bigint))
                then try_cast(e.risk_score as integer)
        end as risk_score,
        case when risk_score is null then e.risk_score::varchar end as risk_score_raw,
        risk_level(risk_score) as risk_level,
        e.decision as decision,
        try_cast(e.timestamp as timestamptz) as event_at,
        case when event_at is null then e.timestamp end as event_at_raw,
    from unnested
)

select * from final;

reset preserve_insertion_order;
