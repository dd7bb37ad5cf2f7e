-- int_window_trend_between(since_ts, until_ts, by_model, by_platform): each group's trend, the
-- slope of risk over time with its cluster-robust 95% interval and verdict, on its own.
-- Grain: one row per (model, platform) with a scored event; a dimension not grouped by reads ''.
-- Inputs: int_window_by_session_day_grouped_between (per session and day), int_t_975.
-- Definitions (trend_slope, its interval, trend): int_window_grouped_overall_between's header,
-- which joins this. On its own it reads the per-session, per-day sums once, so the report's
-- "trend turned" table, which needs only the verdicts of an earlier window, costs a fraction of the marts.
-- From per-day sums, exactly: the day number t is the same for all of a (session, day) row's n scored
-- events, whose scores add up to r, so every sum over events of the fit is one over rows (sum n t,
-- sum n t^2, sum t r), and a session's score u and leverage h below are sums over its days. The fit's
-- sums are integers, so slope and Sxx are computed from exact numerators (N sum n t^2 - (sum n t)^2 and
-- N sum t r - sum n t * sum r, HUGEINT) and one division each.
create or replace macro int_window_trend_between(since_ts, until_ts, by_model, by_platform) as table
with scored_days as (
    select
        model,
        platform,
        session_id,
        day,
        day_number::bigint as t,
        scored_events as n,
        score_sum as r
    from int_window_by_session_day_grouped_between(since_ts, until_ts, by_model, by_platform)
    where scored_events > 0
),

sums as (
    select
        model,
        platform,
        sum(n) as n,
        sum(n * t) as nt,
        sum(n * t * t) as ntt,
        sum(r) as r,
        sum(t * r) as tr,
        count(distinct day) as scored_days
    from scored_days
    group by model, platform
),

fit as (
    -- The least-squares line of score on day, to which the slope's per-session scores refer.
    select
        model,
        platform,
        nt / n as t_mean,
        r / n as r_mean,
        (n * tr - nt * r) / (n * ntt - nt * nt) as slope,
        (n * ntt - nt * nt) / n as sxx,
        n as scored,
        scored_days
    from sums
),

slope_scores as (
    -- Each session's score for the slope, sum over its events of (t - t_mean) * residual, and
    -- its leverage h = sum over its events of 1/N + (t - t_mean)^2 / Sxx: per day, n times the
    -- event's terms, the residual's scores summed to r.
    select
        scored_days.model,
        scored_days.platform,
        scored_days.session_id,
        sum(
            (scored_days.t - fit.t_mean)
            * (scored_days.r - scored_days.n * fit.r_mean - fit.slope * scored_days.n * (scored_days.t - fit.t_mean))
        ) as u,
        sum(scored_days.n / fit.scored + scored_days.n * (scored_days.t - fit.t_mean) ^ 2 / fit.sxx) as h
    from scored_days
    inner join fit on fit.model = scored_days.model and fit.platform = scored_days.platform
    group by scored_days.model, scored_days.platform, scored_days.session_id
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
        -- The minimums also keep out one-day groups, whose slope has no denominator.
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
