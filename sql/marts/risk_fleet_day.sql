-- risk_fleet_day: daily risk series of the whole fleet: volume, mean and max risk, high+critical events, blocked events, EWMA of the daily max.
-- Grain: one row per UTC day with events.
-- Inputs: int_window_grouped_by_day_between (definitions in its header), grouped by nothing.
-- The table macro risk_fleet_day_between(since_ts, until_ts) takes TIMESTAMPTZ bounds on event
-- time, [since_ts, until_ts), NULL meaning open; the view is the macro with both open.
create or replace macro risk_fleet_day_between(since_ts, until_ts) as table
with grouped as (
    select * from int_window_grouped_by_day_between(since_ts, until_ts, false, false)
),

final as (
    select
        day,
        sessions, events, mean_risk, max_risk, high_critical_events, high_critical_rate, blocked_events,
        ewma_daily_max
    from grouped
)

select * from final
order by day;

create or replace view risk_fleet_day as
select * from risk_fleet_day_between(null, null);
