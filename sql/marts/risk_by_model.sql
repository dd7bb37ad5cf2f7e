-- risk_by_model: risk profile of each model: volume, risk distribution, high+critical rate with 95% CI, blocked share, top actions and tools, EWMA and trend.
-- Grain: one row per model.
-- Inputs: int_window_grouped_overall_between (definitions in its header); the columns are the macro's, less the
-- dimensions this mart does not group by, so a new column there appears here.
-- The table macro risk_by_model_between(since_ts, until_ts) takes TIMESTAMPTZ bounds on event
-- time, [since_ts, until_ts), NULL meaning open; the view is the macro with both open.
create or replace macro risk_by_model_between(since_ts, until_ts) as table
select * exclude (platform)
from int_window_grouped_overall_between(since_ts, until_ts, true, false)
order by model;

create or replace view risk_by_model as
select * from risk_by_model_between(null, null);
