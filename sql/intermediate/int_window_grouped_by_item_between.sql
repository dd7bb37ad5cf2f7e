-- int_window_grouped_by_item_between(since_ts, until_ts, by_tool): which tools (by_tool true) or
-- action types (false) carry the risk over an event-time window; shared by risk_by_tool and risk_by_action_type.
-- Grain: one row per tool_name (or action_type) in column item; a missing name is '(unknown)'.
-- Inputs: int_window_by_session_item_between (per session, day, action type and tool, not per event).
-- Definitions (distinct events with a valid timestamp in the window): sessions with an event of the
-- item; its events and scored events; high_critical_events and high_critical_rate over the scored ones;
-- critical_allowed_events (scored Critical, decision allow: the risk that got through);
-- blocked_events and blocked_share (blocked / events with a decision).
create or replace macro int_window_grouped_by_item_between(since_ts, until_ts, by_tool) as table
with items as (
    select
        coalesce(case when by_tool then tool_name else action_type end, '(unknown)') as item,
        session_id,
        events,
        scored_events,
        high_critical_events,
        critical_allowed_events,
        blocked_events,
        decided_events
    from int_window_by_session_item_between(since_ts, until_ts)
),

final as (
    select
        item,
        count(distinct session_id) as sessions,
        sum(events)::bigint as events,
        sum(scored_events)::bigint as scored_events,
        sum(high_critical_events)::bigint as high_critical_events,
        sum(high_critical_events) / nullif(sum(scored_events), 0) as high_critical_rate,
        sum(critical_allowed_events)::bigint as critical_allowed_events,
        sum(blocked_events)::bigint as blocked_events,
        sum(blocked_events) / nullif(sum(decided_events), 0) as blocked_share
    from items
    group by item
)

select * from final;
