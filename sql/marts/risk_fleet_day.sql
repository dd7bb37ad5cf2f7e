-- risk_fleet_day: daily risk series of the whole fleet: volume, mean and max risk, high+critical events, blocked events, EWMA of the daily max.
-- Grain: one row per UTC day with events.
-- Inputs: int_window_grouped_by_day_between (definitions in its header); the columns are the macro's, less the
-- dimensions this mart does not group by, so a new column there appears here; grouped by nothing.
-- The table macro risk_fleet_day_between(since_ts, until_ts) takes TIMESTAMPTZ bounds on event
-- time, [since_ts, until_ts), NULL meaning open; the view is the macro with both open.
create or replace macro risk_fleet_day_between(since_ts, until_ts) as table
select * exclude (model, platform)
from int_window_grouped_by_day_between(since_ts, until_ts, false, false)
order by day;

create or replace view risk_fleet_day as
select * from risk_fleet_day_between(null, null);
