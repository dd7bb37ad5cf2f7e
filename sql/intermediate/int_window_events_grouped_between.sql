-- int_window_events_grouped_between(since_ts, until_ts, by_model, by_platform): the window's
-- events with the dimensions a grouped mart does not group by blanked, what the grouped macros
-- (int_window_grouped_overall_between, int_window_grouped_by_day_between) aggregate.
-- Grain: one row per distinct event in the window (int_window_events_between); model and
-- platform read '' when by_model / by_platform is false.
-- Inputs: int_window_events_between.
create or replace macro int_window_events_grouped_between(since_ts, until_ts, by_model, by_platform) as table
select
    case when by_model then model else '' end as model,
    case when by_platform then platform else '' end as platform,
    session_id,
    is_root,
    day,
    risk_score,
    risk_level,
    decision,
    action_type,
    tool_name,
    day - date '1970-01-01' as day_number
from int_window_events_between(since_ts, until_ts);
