-- int_tagged_items: the tagged events summed per session, UTC day, action type and tool: what the item
-- marts (risk_by_tool, risk_by_action_type) and the top action types and tools read instead of every event.
-- Grain: one row per (session_id, day, action_type, tool_name) with events; model and platform are the
-- session's (int_tagged_events). Only the measures those marts read: the apply holds these rows in its
-- one transaction (wider rows took the check union past a 512MB memory limit).
-- Inputs: int_tagged_facts_between (the measures, defined per event there); staging._retag.
-- Incremental: rebuilt per session, for the sessions in staging._retag (see the loader).
-- Why this grain: the item marts count distinct sessions per item, so the session stays; the day lets a
-- window take whole days from here (int_window_by_session_item_between). 100,000 sessions / 5,000,000
-- events: 1,422,667 rows (the tool nearly decides the action type: 25 pairs).
set preserve_insertion_order = false;

create or replace table int_tagged_items as
select
    session_id,
    model,
    platform,
    day,
    action_type,
    tool_name,
    sum(events)::integer as events,
    sum(scored_events)::integer as scored_events,
    sum(high_critical_events)::integer as high_critical_events,
    sum(critical_allowed_events)::integer as critical_allowed_events,
    sum(blocked_events)::integer as blocked_events,
    sum(decided_events)::integer as decided_events
from int_tagged_facts_between(null, null)
where session_id in (select session_id from _retag)
group by session_id, model, platform, day, action_type, tool_name;

reset preserve_insertion_order;
