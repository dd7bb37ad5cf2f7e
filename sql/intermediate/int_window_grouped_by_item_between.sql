-- int_window_grouped_by_item_between(since_ts, until_ts, by_tool): which tools (by_tool true) or
-- action types (false) carry the risk over an event-time window; shared by risk_by_tool and risk_by_action_type.
-- Grain: one row per tool_name (or action_type) in column item; a missing name is '(unknown)'.
-- Inputs: int_window_events_between.
-- Definitions (distinct events with a valid timestamp in the window): sessions with an event of the
-- item; its events and scored events; high_critical_events and high_critical_rate over the scored ones;
-- critical_allowed_events (scored Critical, decision allow: the risk that got through);
-- blocked_events and blocked_share (blocked / events with a decision).
create or replace macro int_window_grouped_by_item_between(since_ts, until_ts, by_tool) as table
with events as (
    select
        coalesce(case when by_tool then tool_name else action_type end, '(unknown)') as item,
        session_id,
        risk_score,
        risk_level,
        decision
    from int_window_events_between(since_ts, until_ts)
),

final as (
    select
        item,
        count(distinct session_id) as sessions,
        count(*) as events,
        count(risk_score) as scored_events,
        count(*) filter (where risk_level in ('High', 'Critical')) as high_critical_events,
        count(*) filter (where risk_level in ('High', 'Critical')) / nullif(count(risk_score), 0) as high_critical_rate,
        count(*) filter (where risk_level = 'Critical' and decision = 'allow') as critical_allowed_events,
        count(*) filter (where decision = 'block') as blocked_events,
        count(*) filter (where decision = 'block') / nullif(count(decision), 0) as blocked_share
    from events
    group by item
)

select * from final;
