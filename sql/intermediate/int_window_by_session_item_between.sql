-- int_window_by_session_item_between(since_ts, until_ts): the window's events summed per session, UTC day,
-- action type and tool, as int_window_by_session_day_between does it per session and day: whole days from
-- int_tagged_items, the partial edge days from the events.
-- Grain: one row per (session_id, day, action_type, tool_name) for a whole day; one row per event on an
-- edge day. Readers add the rows up, never count them.
-- Inputs: int_tagged_items, int_tagged_facts_between, int_whole_day_inside.
create or replace macro int_window_by_session_item_between(since_ts, until_ts) as table
select *
from staging.int_tagged_items
where int_whole_day_inside(day, since_ts, until_ts)
union all by name
select
    session_id,
    model,
    platform,
    day,
    action_type,
    tool_name,
    events,
    scored_events,
    high_critical_events,
    critical_allowed_events,
    blocked_events,
    decided_events
from int_tagged_facts_between(since_ts, until_ts)
where not int_whole_day_inside(day, since_ts, until_ts);
