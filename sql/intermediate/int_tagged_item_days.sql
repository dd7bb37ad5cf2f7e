-- int_tagged_item_days: how many events each (action type, tool) pair has, per model, platform and UTC day: what
-- the grouped marts' top lists count (int_window_item_counts_between), without reading the events again.
-- Grain: one row per (model, platform, day, action_type, tool_name) with at least one event.
-- Inputs: int_tagged_events; staging._retag.
-- Incremental: summed per (model, platform, day, action_type, tool_name) from staging.int_tagged_events, for the sessions in staging._retag (see the loader).
-- 100,000 sessions / 5,000,000 events: about 47,000 rows.
create or replace table int_tagged_item_days as
select
    model,
    platform,
    day,
    action_type,
    tool_name,
    count(*)::bigint as events
from int_tagged_events
where session_id in (select session_id from _retag)
group by model, platform, day, action_type, tool_name;
