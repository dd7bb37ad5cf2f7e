-- risk_by_platform: risk profile of each platform (claude-code, cursor ...), same columns as risk_by_model.
-- Grain: one row per platform.
-- Inputs: int_window_grouped_overall_between (definitions in its header).
-- The table macro risk_by_platform_between(since_ts, until_ts) takes TIMESTAMPTZ bounds on event
-- time, [since_ts, until_ts), NULL meaning open; the view is the macro with both open.
create or replace macro risk_by_platform_between(since_ts, until_ts) as table
with grouped as (
    select * from int_window_grouped_overall_between(since_ts, until_ts, false, true)
),

final as (
    select
        platform,
        sessions, root_sessions, events, events_per_session, mean_risk, median_risk, p90_risk, p99_risk, max_risk,
        count_none, count_low, count_medium, count_high, count_critical,
        share_none, share_low, share_medium, share_high, share_critical,
        high_critical_rate, high_critical_ci_low, high_critical_ci_high, high_critical_se, blocked_events, blocked_share,
        top_action_types, top_tools, ewma_daily_max, trend_slope, trend_slope_ci_low, trend_slope_ci_high, trend,
        first_day, last_day
    from grouped
)

select * from final
order by platform;

create or replace view risk_by_platform as
select * from risk_by_platform_between(null, null);
