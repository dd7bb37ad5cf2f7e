-- int_window_grouped_by_day_between(since_ts, until_ts, by_model, by_platform): the daily
-- risk series per group, shared by risk_by_model_day and risk_by_platform_day.
-- Grain: one row per (model, platform, UTC day with events); a dimension not grouped
-- by reads '' (by_model/by_platform are constant booleans).
-- Its columns are the marts' columns: the *_day marts select * less the dimensions they
-- do not group by, and quint_reports.metrics describes each one.
-- Inputs: int_window_by_session_day_grouped_between (per session and day, not per event).
-- ewma_daily_max: exponentially weighted mean of the daily maximum risk, alpha 0.3,
-- over the days that have a valid score, up to and including this day:
-- ewma(first day) = max(first day); ewma(d) = 0.3 * max(d) + 0.7 * ewma(previous day).
create or replace macro int_window_grouped_by_day_between(since_ts, until_ts, by_model, by_platform) as table
with daily as (
    select
        model,
        platform,
        day,
        count(distinct session_id) as sessions,
        sum(events)::bigint as events,
        sum(scored_events)::bigint as scored_events,
        sum(score_sum) / nullif(sum(scored_events), 0) as mean_risk,
        max(max_risk) as max_risk,
        sum(high_critical_events)::bigint as high_critical_events,
        sum(blocked_events)::bigint as blocked_events
    from int_window_by_session_day_grouped_between(since_ts, until_ts, by_model, by_platform)
    group by model, platform, day
),

series as (
    select
        *,
        list(max_risk::double order by day) filter (where max_risk is not null) over (
            partition by model, platform order by day
            rows between unbounded preceding and current row
        ) as maxima
    from daily
),

final as (
    select
        model,
        platform,
        day,
        sessions,
        events,
        mean_risk,
        max_risk,
        high_critical_events,
        high_critical_events / nullif(scored_events, 0) as high_critical_rate,
        blocked_events,
        case when len(maxima) > 0 then list_reduce(maxima, lambda acc, x: 0.3 * x + 0.7 * acc) end
            as ewma_daily_max
    from series
)

select * from final;
