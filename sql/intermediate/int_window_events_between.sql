-- int_window_events_between(since_ts, until_ts): distinct events in a time window, with the
-- owning session's model, platform and root flag, ready for the risk marts.
-- Grain: one row per distinct event with a valid timestamp in [since_ts, until_ts)
-- (a NULL bound is open).
-- Inputs: int_events_deduplicated, int_sessions_merged.
-- A missing model or platform reads '(unknown)', so it stays visible as its own group.
-- day is the event's UTC calendar date.
create or replace macro int_window_events_between(since_ts, until_ts) as table
with events as (
    select * from int_events_deduplicated
    where event_at is not null
        and (since_ts is null or event_at >= since_ts)
        and (until_ts is null or event_at < until_ts)
),

owners as (
    select session_id, model, platform, parent_id is null as is_root
    from int_sessions_merged
),

final as (
    select
        events.session_id,
        coalesce(owners.model, '(unknown)') as model,
        coalesce(owners.platform, '(unknown)') as platform,
        coalesce(owners.is_root, false) as is_root,
        events.event_at,
        timezone('UTC', events.event_at)::date as day,
        events.risk_score,
        events.risk_level,
        events.decision,
        coalesce(events.action_type, '(unknown)') as action_type,
        coalesce(events.tool_name, '(unknown)') as tool_name
    from events
    left join owners on owners.session_id = events.session_id
)

select * from final;
