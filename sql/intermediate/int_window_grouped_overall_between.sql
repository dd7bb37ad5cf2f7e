-- int_window_grouped_overall_between(since_ts, until_ts, by_model, by_platform): the risk
-- profile of each group over the whole window, shared by risk_by_model, risk_by_platform
-- and risk_by_model_platform.
-- Grain: one row per (model, platform); a dimension not grouped by reads ''.
-- Its columns are the marts' columns: the marts select * less the dimensions they do not
-- group by, and quint_reports.metrics describes each one.
-- Inputs: int_window_by_session_day_grouped_between (per-session, per-day sums of the window's events: whole
-- days from int_tagged_session_days, the partial edge days from the events), int_window_score_counts_between (the
-- percentiles) and int_window_item_counts_between (the top lists), both alike, int_window_grouped_by_day_between,
-- int_window_trend_between, int_t_975.
-- Definitions (over distinct events with a valid timestamp in the window):
--   sessions: sessions with at least one such event; root_sessions: those without parent.
--   mean/median/p90/p99/max_risk, count_* and share_*: over events with a valid risk score
--     (percentiles as quantile_cont gives them); share_* divide by the number of scored events.
--   high_critical_rate: (High + Critical) / scored events. Events cluster within sessions (one
--     session's events share its agent, task and repository), so its 95% interval treats the
--     sessions, not the events, as the independent units (Korn & Graubard 1998, with the CR3
--     small-sample sandwich): over the G sessions with a scored event (y_i its high+critical
--     events, n_i its scored events, N = sum n_i, leverage h_i = n_i / N), the ratio estimator's
--     variance v = (G-1)/G * sum_i ((y_i - p n_i) / (1 - h_i))^2 / N^2 gives an effective sample
--     size n_eff = p(1-p)/v, capped at N (a session never counts for more than its events; p of
--     0 or 1, or v = 0, keeps N), and the interval is Wilson's at n_eff with Student's t on G-1
--     degrees of freedom in place of z (int_t_975; one session: t on 1). high_critical_se =
--     sqrt(p(1-p)/n_eff), the standard error the comparisons (risk_by_model_pair) use.
--   trend_slope_ci_low / _high: the slope's 95% interval with sessions as clusters, the same way:
--     CR3 variance (G-1)/G * sum_s (u_s / (1 - h_s))^2 / Sxx^2, u_s = sum over the session's
--     scored events of (t - t_mean) * residual, h_s = sum of 1/N + (t - t_mean)^2 / Sxx, times
--     int_t_975(G - 1); NULL when one session holds all the leverage.
--   critical_allowed_events: events scored Critical whose decision was allow (the risk that got through).
--   blocked_share: blocked / events with a decision (NULL when no event has one).
--   top_action_types, top_tools: the three most frequent, with their share of all events,
--     e.g. 'FILE_READ (41%), PROCESS_EXEC (30%)'; ties by name.
--   ewma_daily_max: the EWMA (alpha 0.3) of the daily maximum risk on the last day.
--   trend_slope: least-squares slope of the risk score against the UTC day number, fitted on
--     the scored events themselves, in risk points per day. This equals the slope of the daily
--     mean risk with each day weighted by its number of scored events (weighted least squares),
--     so a day with one event moves it no more than that event deserves.
--   trend: 'riskier' when the slope is above +0.1 and its interval lies above 0, 'safer' when it
--     is below -0.1 and its interval lies below 0, else 'steady' (no change that the sessions
--     support); 'insufficient data' (and trend_slope NULL) unless the group has at least 7 UTC
--     days with a scored event and at least 100 scored events. Why: with fewer than a week of days the slope mostly measures
--     which weekdays the window caught, and with fewer than 100 events one session's burst
--     decides it (a model with one session over two days was labelled riskier or safer).
create or replace macro int_window_grouped_overall_between(since_ts, until_ts, by_model, by_platform) as table
with session_days as (
    select * from int_window_by_session_day_grouped_between(since_ts, until_ts, by_model, by_platform)
),

per_session as (
    -- One row per session with an event in the window; the clusters are those with a scored event.
    select
        model,
        platform,
        session_id,
        bool_or(is_root) as is_root,
        sum(scored_events) as n,
        sum(high_critical_events) as y
    from session_days
    group by model, platform, session_id
),

clusters as (
    select
        model,
        platform,
        count(*) as scored_sessions,
        sum(y)::double as y,
        sum(n)::double as n
    from per_session
    where n > 0
    group by model, platform
),

rate_variance as (
    -- The jackknife-type (CR3) sandwich: each session's squared residual y_i - p n_i inflated by
    -- 1 / (1 - h_i)^2, h_i = n_i / N its leverage, so that a few long sessions do not make
    -- the interval too narrow.
    select
        per_session.model,
        per_session.platform,
        case when any_value(clusters.scored_sessions) > 1 then
            (any_value(clusters.scored_sessions) - 1) / any_value(clusters.scored_sessions)
            * sum(
                (per_session.y - clusters.y / clusters.n * per_session.n) ^ 2
                / (1 - per_session.n / clusters.n) ^ 2
            ) / any_value(clusters.n) ^ 2
        end as v
    from per_session
    inner join clusters on clusters.model = per_session.model and clusters.platform = per_session.platform
    where per_session.n > 0
    group by per_session.model, per_session.platform
),

slope_trends as (
    select * from int_window_trend_between(since_ts, until_ts, by_model, by_platform)
),

cluster_rates as (
    select
        clusters.model,
        clusters.platform,
        clusters.y / clusters.n as p,
        clusters.n,
        rate_variance.v,
        coalesce(int_t_975(clusters.scored_sessions - 1), 12.706204736174698) as k
    from clusters
    inner join rate_variance on rate_variance.model = clusters.model and rate_variance.platform = clusters.platform
),

intervals as (
    select
        model,
        platform,
        p,
        k,
        case when v > 0 and p > 0 and p < 1 then least(n, p * (1 - p) / v) else n end as n_eff
    from cluster_rates
),

daily as (
    select * from int_window_grouped_by_day_between(since_ts, until_ts, by_model, by_platform)
),

session_counts as (
    select
        model,
        platform,
        count(*) as sessions,
        count(*) filter (where is_root) as root_sessions
    from per_session
    group by model, platform
),

totals as (
    select
        session_days.model,
        session_days.platform,
        any_value(session_counts.sessions) as sessions,
        any_value(session_counts.root_sessions) as root_sessions,
        sum(session_days.events)::bigint as events,
        sum(session_days.scored_events)::bigint as scored_events,
        sum(session_days.score_sum) / nullif(sum(session_days.scored_events), 0) as mean_risk,
        max(session_days.max_risk) as max_risk,
        sum(session_days.count_none)::bigint as count_none,
        sum(session_days.count_low)::bigint as count_low,
        sum(session_days.count_medium)::bigint as count_medium,
        sum(session_days.count_high)::bigint as count_high,
        sum(session_days.count_critical)::bigint as count_critical,
        sum(session_days.critical_allowed_events)::bigint as critical_allowed_events,
        sum(session_days.blocked_events)::bigint as blocked_events,
        sum(session_days.decided_events)::bigint as decided_events,
        min(session_days.day) as first_day,
        max(session_days.day) as last_day
    from session_days
    inner join session_counts
        on session_counts.model = session_days.model and session_counts.platform = session_days.platform
    group by session_days.model, session_days.platform
),

score_counts as (
    -- Scores are integers 0-100, so each group's percentiles come from how many events have each score,
    -- counted per day as the events land (int_tagged_score_days): a sum of some 150,000 counts instead of
    -- a scan of every event (0.06 s at 5,000,000 events) in each grouped mart.
    select
        case when by_model then model else '' end as model,
        case when by_platform then platform else '' end as platform,
        risk_score,
        sum(events)::bigint as n
    from int_window_score_counts_between(since_ts, until_ts)
    group by all
),

score_ranks as (
    -- The 0-based ranks below .. below + n - 1 of a group's sorted scores hold this score.
    select
        model,
        platform,
        risk_score,
        n,
        sum(n) over (partition by model, platform order by risk_score) - n as below,
        sum(n) over (partition by model, platform) as scored
    from score_counts
),

quantile_positions as (
    -- quantile_cont's: rank h = (N - 1) q, interpolated between the scores at floor(h) and ceil(h), in
    -- doubles as it computes them (in decimals, p99 of 1,000 scores would read 99.01 where it gives
    -- 99.00999999999999).
    select distinct
        model,
        platform,
        unnest([0.5, 0.9, 0.99]::double[]) as q,
        (scored - 1)::double * q as h
    from score_ranks
),

quantile_picks as (
    select
        positions.model,
        positions.platform,
        positions.q,
        positions.h,
        any_value(ranks.risk_score) filter (
            where floor(positions.h) between ranks.below and ranks.below + ranks.n - 1
        ) as low,
        any_value(ranks.risk_score) filter (
            where ceil(positions.h) between ranks.below and ranks.below + ranks.n - 1
        ) as high
    from quantile_positions as positions
    inner join score_ranks as ranks on ranks.model = positions.model and ranks.platform = positions.platform
    group by all
),

quantiles as (
    -- As quantile_cont(risk_score, [0.5, 0.9, 0.99]) computes it, to the last bit: low (1 - d) + high d.
    select
        model,
        platform,
        list(low * (1 - (h - floor(h))) + high * (h - floor(h)) order by q) as risk_quantiles
    from quantile_picks
    group by model, platform
),

item_counts as (
    -- The counts per action type and per tool for the top lists, from one scan by grouping sets.
    select
        model,
        platform,
        grouping(tool_name) = 1 as by_action,
        coalesce(action_type, tool_name) as label,
        sum(n)::bigint as n
    from (
        -- Summed per (action type, tool) first, from the counts per day (int_tagged_item_days), so the
        -- grouping sets hash a few hundred rows, not every event twice.
        select
            case when by_model then model else '' end as model,
            case when by_platform then platform else '' end as platform,
            action_type,
            tool_name,
            sum(events)::bigint as n
        from int_window_item_counts_between(since_ts, until_ts)
        group by all
    )
    group by grouping sets ((model, platform, action_type), (model, platform, tool_name))
),

ranked as (
    select
        case when by_action then 'action' else 'tool' end as kind,
        model,
        platform,
        label,
        n,
        row_number() over (partition by model, platform, by_action order by n desc, label) as rank
    from item_counts
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
        (count_high + count_critical) / nullif(scored_events, 0) as p_hat
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
        quantiles.risk_quantiles[1] as median_risk,
        quantiles.risk_quantiles[2] as p90_risk,
        quantiles.risk_quantiles[3] as p99_risk,
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
            intervals.p + intervals.k ^ 2 / (2 * intervals.n_eff)
            - intervals.k * sqrt(
                intervals.p * (1 - intervals.p) / intervals.n_eff + intervals.k ^ 2 / (4 * intervals.n_eff ^ 2)
            )
        ) / (1 + intervals.k ^ 2 / intervals.n_eff)) as high_critical_ci_low,
        least(1, (
            intervals.p + intervals.k ^ 2 / (2 * intervals.n_eff)
            + intervals.k * sqrt(
                intervals.p * (1 - intervals.p) / intervals.n_eff + intervals.k ^ 2 / (4 * intervals.n_eff ^ 2)
            )
        ) / (1 + intervals.k ^ 2 / intervals.n_eff)) as high_critical_ci_high,
        sqrt(intervals.p * (1 - intervals.p) / intervals.n_eff) as high_critical_se,
        rates.critical_allowed_events,
        rates.blocked_events,
        rates.blocked_events / nullif(rates.decided_events, 0) as blocked_share,
        tops.top_action_types,
        tops.top_tools,
        trends.ewma_daily_max,
        slope_trends.trend_slope,
        slope_trends.trend_slope_ci_low,
        slope_trends.trend_slope_ci_high,
        -- A group without a scored event has no row there.
        coalesce(slope_trends.trend, 'insufficient data') as trend,
        rates.first_day,
        rates.last_day
    from rates
    left join quantiles on quantiles.model = rates.model and quantiles.platform = rates.platform
    left join tops on tops.model = rates.model and tops.platform = rates.platform
    left join trends on trends.model = rates.model and trends.platform = rates.platform
    left join intervals on intervals.model = rates.model and intervals.platform = rates.platform
    left join slope_trends on slope_trends.model = rates.model and slope_trends.platform = rates.platform
)

select * from final;
