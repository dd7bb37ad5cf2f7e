-- int_window_by_session_day_grouped_between(since_ts, until_ts, by_model, by_platform): the window's
-- per-session, per-day sums with the dimensions a grouped mart does not group by blanked, what the
-- grouped macros (int_window_grouped_overall_between, int_window_grouped_by_day_between,
-- int_window_trend_between) aggregate.
-- Grain: that of int_window_by_session_day_between; model and platform read '' when by_model /
-- by_platform is false.
-- Inputs: int_window_by_session_day_between.
create or replace macro int_window_by_session_day_grouped_between(since_ts, until_ts, by_model, by_platform) as table
select
    case when by_model then model else '' end as model,
    case when by_platform then platform else '' end as platform,
    * exclude (model, platform),
    day - date '1970-01-01' as day_number
from int_window_by_session_day_between(since_ts, until_ts);
