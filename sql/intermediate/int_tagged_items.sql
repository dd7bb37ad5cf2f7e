-- int_tagged_items: the tagged events summed per session, UTC day, action type and tool: what the item
-- marts (risk_by_tool, risk_by_action_type) and the top action types and tools read instead of every event.
-- Grain: one row per (session_id, day, action_type, tool_name) with events; model, platform and is_root are
-- the session's (int_tagged_events).
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
    is_root,
    day,
    action_type,
    tool_name,
    -- Every measure of int_tagged_facts_between added up (its names kept), the maximum score kept.
    sum(columns(* exclude (session_id, model, platform, is_root, day, action_type, tool_name, risk_score, max_risk)))::bigint,
    max(max_risk) as max_risk
from int_tagged_facts_between(null, null)
where session_id in (select session_id from _retag)
group by session_id, model, platform, is_root, day, action_type, tool_name;

reset preserve_insertion_order;
