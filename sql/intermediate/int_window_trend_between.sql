-- int_window_trend_between(since_ts, until_ts, by_model, by_platform): each group's trend, the
-- slope of risk over time with its cluster-robust 95% interval and verdict, on its own.
-- Grain: one row per (model, platform) with a scored event; a dimension not grouped by reads ''.
-- Inputs: int_window_events_grouped_between, int_t_975.
-- Definitions (trend_slope, its interval, trend): int_window_grouped_overall_between's header,
-- which joins this. On its own it reads the events twice where the whole profile reads them six
-- times, so the report's "trend turned" table, which needs only the verdicts of an earlier
-- window, costs a third of the marts.
create or replace macro int_window_trend_between(since_ts, until_ts, by_model, by_platform) as table
with fit as (
    -- The least-squares line of score on day, to which the slope's per-session scores refer.
    select
        model,
        platform,
        avg(day_number) as t_mean,
        avg(risk_score) as r_mean,
        regr_slope(risk_score, day_number) as slope,
        regr_sxx(risk_score, day_number) as sxx,
        count(*) as scored,
        count(distinct day) as scored_days
    from int_window_events_grouped_between(since_ts, until_ts, by_model, by_platform) as events
    where risk_score is not null
    group by model, platform
),

slope_scores as (
    -- Each session's score for the slope, sum over its events of (t - t_mean) * residual, and
    -- its leverage h = sum over its events of 1/N + (t - t_mean)^2 / Sxx.
    select
        events.model,
        events.platform,
        events.session_id,
        sum(
            (events.day_number - fit.t_mean)
            * (events.risk_score - fit.r_mean - fit.slope * (events.day_number - fit.t_mean))
        ) as u,
        sum(1 / fit.scored + (events.day_number - fit.t_mean) ^ 2 / fit.sxx) as h
    from int_window_events_grouped_between(since_ts, until_ts, by_model, by_platform) as events
    inner join fit on fit.model = events.model and fit.platform = events.platform
    where events.risk_score is not null
    group by events.model, events.platform, events.session_id
),

slope_variance as (
    -- CR3 as for the rate; a session with all the leverage (h = 1) leaves the variance unknown.
    select
        slope_scores.model,
        slope_scores.platform,
        case when count(*) > 1 then
            (count(*) - 1) / count(*) * sum(slope_scores.u ^ 2 / nullif(1 - slope_scores.h, 0) ^ 2)
            / any_value(fit.sxx) ^ 2
        end as slope_var,
        int_t_975(count(*) - 1) as slope_t
    from slope_scores
    inner join fit on fit.model = slope_scores.model and fit.platform = slope_scores.platform
    group by slope_scores.model, slope_scores.platform
),

slopes as (
    select
        fit.model,
        fit.platform,
        -- The minimums also keep out one-day groups, whose slope is NaN (not NULL), and NaN
        -- compares above every number in DuckDB.
        case when fit.scored_days >= 7 and fit.scored >= 100 then fit.slope end as trend_slope,
        slope_variance.slope_t * sqrt(slope_variance.slope_var) as half_width
    from fit
    left join slope_variance on slope_variance.model = fit.model and slope_variance.platform = fit.platform
),

final as (
    select
        model,
        platform,
        trend_slope,
        trend_slope - half_width as trend_slope_ci_low,
        trend_slope + half_width as trend_slope_ci_high,
        case
            when trend_slope is null then 'insufficient data'
            when trend_slope > 0.1 and trend_slope - half_width > 0 then 'riskier'
            when trend_slope < -0.1 and trend_slope + half_width < 0 then 'safer'
            else 'steady'
        end as trend
    from slopes
)

select * from final;
