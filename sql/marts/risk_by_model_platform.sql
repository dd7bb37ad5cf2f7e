-- risk_by_model_platform: risk profile of each model on each platform, same columns as risk_by_model.
-- Grain: one row per (model, platform) pair with events.
-- Inputs: int_window_grouped_overall_between (definitions in its header); the columns are the macro's, less the
-- dimensions this mart does not group by, so a new column there appears here.
-- The table macro risk_by_model_platform_between(since_ts, until_ts) takes TIMESTAMPTZ bounds on event
-- time, [since_ts, until_ts), NULL meaning open; the view is the macro with both open.
create or replace macro risk_by_model_platform_between(since_ts, until_ts) as table
select *
from int_window_grouped_overall_between(since_ts, until_ts, true, true)
order by model, platform;

create or replace view risk_by_model_platform as
select * from risk_by_model_platform_between(null, null);
