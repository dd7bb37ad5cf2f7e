-- int_window_grouped_overall_between(since_ts, until_ts, by_model, by_platform): the risk
-- profile of each group over the whole window, shared by risk_by_model, risk_by_platform
-- and risk_by_model_platform.
-- Grain: one row per (model, platform); a dimension not grouped by reads ''.
-- Its columns are the marts' columns: the marts select * less the dimensions they do not
-- group by, and quint_reports.metrics describes each one.
-- Inputs: int_window_events_between, int_window_grouped_by_day_between.
-- Definitions (over distinct events with a valid timestamp in the window):
--   sessions: sessions with at least one such event; root_sessions: those without parent.
--   mean/median/p90/p99/max_risk, count_* and share_*: over events with a valid risk score
--     (percentiles by quantile_cont); share_* divide by the number of scored events.
--   high_critical_rate: (High + Critical) / scored events, with a Wilson score 95%
--     interval (z = 1.96) in high_critical_ci_low / high_critical_ci_high.
--   blocked_share: blocked / events with a decision (NULL when no event has one).
--   top_action_types, top_tools: the three most frequent, with their share of all events,
--     e.g. 'FILE_READ (41%), PROCESS_EXEC (30%)'; ties by name.
--   ewma_daily_max: the EWMA (alpha 0.3) of the daily maximum risk on the last day.
--   trend_slope: least-squares slope of the risk score against the UTC day number, fitted on
--     the scored events themselves, in risk points per day. This equals the slope of the daily
--     mean risk with each day weighted by its number of scored events (weighted least squares),
--     so a day with one event moves it no more than that event deserves.
--   trend: 'riskier' above +0.1, 'safer' below -0.1, else 'steady'; 'insufficient data' (and
--     trend_slope NULL) unless the group has at least 7 UTC days with a scored event and at
--     least 100 scored events. Why: with fewer than a week of days the slope mostly measures
--     which weekdays the window caught, and with fewer than 100 events one session's burst
--     decides it (a model with one session over two days was labelled riskier or safer).
create or replace macro int_window_grouped_overall_between(since_ts, until_ts, by_model, by_platform) as table
with events as (
    select
        case when by_model then model else '' end as model,
        case when by_platform then platform else '' end as platform,
        session_id,
        is_root,
        day,
        risk_score,
        risk_level,
        decision,
        action_type,
        tool_name
    from int_window_events_between(since_ts, until_ts)
),

daily as (
    select * from int_window_grouped_by_day_between(since_ts, until_ts, by_model, by_platform)
),

totals as (
    select
        model,
        platform,
        count(distinct session_id) as sessions,
        count(distinct session_id) filter (where is_root) as root_sessions,
        count(*) as events,
        count(risk_score) as scored_events,
        avg(risk_score) as mean_risk,
        quantile_cont(risk_score, 0.5) as median_risk,
        quantile_cont(risk_score, 0.9) as p90_risk,
        quantile_cont(risk_score, 0.99) as p99_risk,
        max(risk_score) as max_risk,
        count(*) filter (where risk_level = 'None') as count_none,
        count(*) filter (where risk_level = 'Low') as count_low,
        count(*) filter (where risk_level = 'Medium') as count_medium,
        count(*) filter (where risk_level = 'High') as count_high,
        count(*) filter (where risk_level = 'Critical') as count_critical,
        count(*) filter (where decision = 'block') as blocked_events,
        count(decision) as decided_events,
        count(distinct day) filter (where risk_score is not null) as scored_days,
        regr_slope(risk_score, day - date '1970-01-01') as event_slope,
        min(day) as first_day,
        max(day) as last_day
    from events
    group by model, platform
),

action_counts as (
    select model, platform, action_type as label, count(*) as n
    from events
    group by model, platform, action_type
),

tool_counts as (
    select model, platform, tool_name as label, count(*) as n
    from events
    group by model, platform, tool_name
),

ranked as (
    select
        'action' as kind,
        *,
        row_number() over (partition by model, platform order by n desc, label) as rank
    from action_counts
    union all
    select
        'tool' as kind,
        *,
        row_number() over (partition by model, platform order by n desc, label) as rank
    from tool_counts
),

tops as (
    select
        ranked.model,
        ranked.platform,
        string_agg(
            ranked.label || ' (' || round(100.0 * ranked.n / totals.events)::integer || '%)', ', '
            order by ranked.rank
        ) filter (where ranked.kind = 'action') as top_action_types,
        string_agg(
            ranked.label || ' (' || round(100.0 * ranked.n / totals.events)::integer || '%)', ', '
            order by ranked.rank
        ) filter (where ranked.kind = 'tool') as top_tools
    from ranked
    inner join totals on totals.model = ranked.model and totals.platform = ranked.platform
    where ranked.rank <= 3
    group by ranked.model, ranked.platform
),

trends as (
    select
        model,
        platform,
        arg_max(ewma_daily_max, day) filter (where ewma_daily_max is not null) as ewma_daily_max
    from daily
    group by model, platform
),

rates as (
    select
        *,
        -- The minimums also keep out one-day groups, whose slope is NaN (not NULL), and NaN
        -- compares above every number in DuckDB.
        case when scored_days >= 7 and scored_events >= 100 then event_slope end as trend_slope,
        (count_high + count_critical) / nullif(scored_events, 0) as p_hat,
        1.959963984540054 as z
    from totals
),

final as (
    select
        rates.model,
        rates.platform,
        rates.sessions,
        rates.root_sessions,
        rates.events,
        rates.events / rates.sessions as events_per_session,
        rates.mean_risk,
        rates.median_risk,
        rates.p90_risk,
        rates.p99_risk,
        rates.max_risk,
        rates.count_none,
        rates.count_low,
        rates.count_medium,
        rates.count_high,
        rates.count_critical,
        rates.count_none / nullif(rates.scored_events, 0) as share_none,
        rates.count_low / nullif(rates.scored_events, 0) as share_low,
        rates.count_medium / nullif(rates.scored_events, 0) as share_medium,
        rates.count_high / nullif(rates.scored_events, 0) as share_high,
        rates.count_critical / nullif(rates.scored_events, 0) as share_critical,
        rates.p_hat as high_critical_rate,
        -- greatest/least: at a rate of 0 or 1 rounding can step a hair outside [0, 1].
        greatest(0, (
            rates.p_hat + rates.z ^ 2 / (2 * rates.scored_events)
            - rates.z * sqrt(
                rates.p_hat * (1 - rates.p_hat) / rates.scored_events
                + rates.z ^ 2 / (4 * rates.scored_events ^ 2)
            )
        ) / (1 + rates.z ^ 2 / rates.scored_events)) as high_critical_ci_low,
        least(1, (
            rates.p_hat + rates.z ^ 2 / (2 * rates.scored_events)
            + rates.z * sqrt(
                rates.p_hat * (1 - rates.p_hat) / rates.scored_events
                + rates.z ^ 2 / (4 * rates.scored_events ^ 2)
            )
        ) / (1 + rates.z ^ 2 / rates.scored_events)) as high_critical_ci_high,
        rates.blocked_events,
        rates.blocked_events / nullif(rates.decided_events, 0) as blocked_share,
        tops.top_action_types,
        tops.top_tools,
        trends.ewma_daily_max,
        rates.trend_slope,
        case
            when rates.trend_slope is null then 'insufficient data'
            when rates.trend_slope > 0.1 then 'riskier'
            when rates.trend_slope < -0.1 then 'safer'
            else 'steady'
        end as trend,
        rates.first_day,
        rates.last_day
    from rates
    left join tops on tops.model = rates.model and tops.platform = rates.platform
    left join trends on trends.model = rates.model and trends.platform = rates.platform
)

select * from final;
