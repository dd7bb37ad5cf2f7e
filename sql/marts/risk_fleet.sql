-- risk_fleet: the risk profile of the whole fleet, with the same definitions and denominators
-- as risk_by_model (shares and the high+critical rate over scored events, blocked share over
-- events with a decision), so that a fleet of one model equals that model's row.
-- Grain: one row for the window (no row when the window holds no event).
-- Inputs: int_window_grouped_overall_between (definitions in its header); the columns are the macro's, less the
-- dimensions this mart does not group by, so a new column there appears here; grouped by nothing.
-- The table macro risk_fleet_between(since_ts, until_ts) takes TIMESTAMPTZ bounds on event
-- time, [since_ts, until_ts), NULL meaning open; the view is the macro with both open.
create or replace macro risk_fleet_between(since_ts, until_ts) as table
select * exclude (model, platform)
from int_window_grouped_overall_between(since_ts, until_ts, false, false);

create or replace view risk_fleet as
select * from risk_fleet_between(null, null);
