-- int_window_by_session_day_between(since_ts, until_ts): the window's events summed per session and UTC
-- day: the rows of int_tagged_session_days for the whole days inside the window, and the events of its
-- partial edge days as rows of one event each (int_tagged_facts_between), so any window gives exactly
-- what its events give.
-- Grain: one row per (session_id, day) for a whole day; one row per event on an edge day. Readers add
-- the rows up (sum, max, count distinct), never count them.
-- Inputs: int_tagged_session_days, int_tagged_facts_between, int_whole_day_inside.
create or replace macro int_window_by_session_day_between(since_ts, until_ts) as table
select *
from staging.int_tagged_session_days
where int_whole_day_inside(day, since_ts, until_ts)
union all by name
select * exclude (action_type, tool_name, risk_score)
from int_tagged_facts_between(since_ts, until_ts)
where not int_whole_day_inside(day, since_ts, until_ts);
