-- risk_by_model_day: daily risk series of each model: volume, mean and max risk, high+critical events, blocked events, EWMA of the daily max.
-- Grain: one row per model per UTC day with events.
-- Inputs: int_window_grouped_by_day_between (definitions in its header); the columns are the macro's, less the
-- dimensions this mart does not group by, so a new column there appears here.
-- The table macro risk_by_model_day_between(since_ts, until_ts) takes TIMESTAMPTZ bounds on event
-- time, [since_ts, until_ts), NULL meaning open; the view is the macro with both open.
create or replace macro risk_by_model_day_between(since_ts, until_ts) as table
select * exclude (platform)
from int_window_grouped_by_day_between(since_ts, until_ts, true, false)
order by model, day;

create or replace view risk_by_model_day as
select * from risk_by_model_day_between(null, null);
