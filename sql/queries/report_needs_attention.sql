-- report_needs_attention: what got through. The high and critical events that were allowed in an
-- event-time window, grouped by tool, action type and argument pattern, with the sessions they came from.
-- Grain: one row per (tool_name, action_type, argument_pattern); most critical events first, then most
-- events, then most sessions, then the names. Inputs: events.
-- Parameters: $1 since_ts, $2 until_ts (TIMESTAMPTZ or NULL: open), $3 groups (how many rows),
-- $4 per_group (how many session ids each row lists).
-- argument_pattern: the arguments as text (a JSON array joined by spaces, a JSON string as itself,
-- anything else its JSON text, '(none)' when missing), every run of digits read as 'N', cut at 80
-- characters: 'cat /app/.env' stays one pattern across sessions, 'sleep 30' and 'sleep 45' are one.
-- session_ids: the sessions with most such events in the group first (then by id), at most $4.
-- patterns, allowed_events: how many groups and events there are in all (the same on every row),
-- as the limit keeps only the first $3 groups.
with allowed as (
    select
        session_id,
        event_at,
        risk_score,
        risk_level,
        coalesce(tool_name, '(unknown)') as tool_name,
        coalesce(action_type, '(unknown)') as action_type,
        case
            when arguments is null then '(none)'
            when json_type(arguments) = 'ARRAY' then array_to_string(json_extract_string(arguments, '$[*]'), ' ')
            when json_type(arguments) = 'VARCHAR' then arguments ->> '$'
            else arguments::varchar
        end as argument_text
    from events
    -- The High and Critical bands by score, from High's lowest score: DuckDB filters an integer as it
    -- scans (0.1 -> 0.04 s at 5,000,000 events), a label only after reading every allowed event's arguments.
    where decision = 'allow'
        and risk_score >= (select min(score) from range(101) as scores(score) where risk_level(score::integer) = 'High')
        and ($1::timestamptz is null or event_at >= $1::timestamptz)
        and ($2::timestamptz is null or event_at < $2::timestamptz)
),

patterned as (
    select
        * exclude (argument_text),
        left(regexp_replace(argument_text, '[0-9]+', 'N', 'g'), 80) as argument_pattern
    from allowed
),

per_session as (
    select
        tool_name,
        action_type,
        argument_pattern,
        session_id,
        count(*) as n,
        count(*) filter (where risk_level = 'Critical') as critical_events,
        count(*) filter (where risk_level = 'High') as high_events,
        max(risk_score) as max_risk,
        max(event_at) as last_seen_at
    from patterned
    group by all
),

-- One scan of the events: the groups are summed up from the per-session counts.
grouped as (
    select
        tool_name,
        action_type,
        argument_pattern,
        sum(critical_events)::bigint as critical_events,
        sum(high_events)::bigint as high_events,
        sum(n)::bigint as events,
        count(session_id) as sessions,
        max(max_risk) as max_risk,
        max(last_seen_at) as last_seen_at,
        list(session_id order by n desc, session_id)[1:$4::bigint] as session_ids
    from per_session
    group by all
)

select
    *,
    count(*) over () as patterns,
    sum(events) over () as allowed_events
from grouped
order by critical_events desc, events desc, sessions desc, tool_name, action_type, argument_pattern
limit $3::bigint;
