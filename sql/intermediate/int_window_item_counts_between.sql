-- int_window_item_counts_between(since_ts, until_ts): how many of the window's events each (action type, tool) pair
-- has, per model and platform: the counts of int_tagged_item_days for the whole days inside the window, and the
-- events of its partial edge days as rows of one event each, so any window gives exactly what its events give.
-- Grain: one row per (model, platform, day, action_type, tool_name) for a whole day; one per event on an edge
-- day. Readers add the rows' events up, never count the rows.
-- Inputs: int_tagged_item_days, int_tagged_facts_between, int_whole_day_inside.
create or replace macro int_window_item_counts_between(since_ts, until_ts) as table
select model, platform, action_type, tool_name, events
from staging.int_tagged_item_days
where int_whole_day_inside(day, since_ts, until_ts)
union all
select model, platform, action_type, tool_name, events
from int_tagged_facts_between(since_ts, until_ts)
where not int_whole_day_inside(day, since_ts, until_ts);
