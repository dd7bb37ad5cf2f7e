-- report_riskiest_sessions: the riskiest sessions of an event-time window (fleet-wide, per
-- model and per platform) and every member of their session trees, for the report.
-- Grain: one row per session. Inputs: int_window_by_session_day_between, sessions.
-- Parameters: $1 since_ts, $2 until_ts (TIMESTAMPTZ or NULL: open), $3 fleet_top and $4 group_top
-- (how many sessions to pick fleet-wide, and per model and per platform).
-- Risk is ranked on the window's events (the tie rule the report states): highest max, then most
-- critical events, then most high + critical events, then highest mean, then id.
-- events / max_risk / mean_risk are the window's figures (NULL: no event in the window).
-- window_model / window_platform spell the groups as the marts do ('(unknown)' for NULL).
-- A session in a parent cycle has no root_id: it is shown alone.
with windowed as (
    -- From the per-session, per-day sums (whole days; the window's partial edge days from the events):
    -- some 100,000 rows instead of every event of the window.
    select
        session_id,
        any_value(model) as window_model,
        any_value(platform) as window_platform,
        sum(events)::bigint as events,
        max(max_risk) as max_risk,
        sum(score_sum) / nullif(sum(scored_events), 0) as mean_risk,
        sum(count_critical)::bigint as critical_events,
        sum(high_critical_events)::bigint as high_critical_events
    from int_window_by_session_day_between($1::timestamptz, $2::timestamptz)
    group by session_id
),

ranked as (
    select
        *,
        row_number() over (
            order by max_risk desc nulls last, critical_events desc, high_critical_events desc, mean_risk desc nulls last, session_id
        ) as fleet_rank,
        row_number() over (
            partition by window_model
            order by max_risk desc nulls last, critical_events desc, high_critical_events desc, mean_risk desc nulls last, session_id
        ) as model_rank,
        row_number() over (
            partition by window_platform
            order by max_risk desc nulls last, critical_events desc, high_critical_events desc, mean_risk desc nulls last, session_id
        ) as platform_rank
    from windowed
),

chosen as (
    select *
    from ranked
    where fleet_rank <= $3 or model_rank <= $4 or platform_rank <= $4
),

chosen_roots as (
    select distinct sessions.root_id
    from sessions
    inner join chosen on chosen.session_id = sessions.session_id
    where sessions.root_id is not null
),

members as (
    select sessions.session_id
    from sessions
    inner join chosen_roots on chosen_roots.root_id = sessions.root_id
    union
    select session_id from chosen
),

final as (
    select
        sessions.session_id,
        sessions.parent_id,
        sessions.root_id,
        sessions.depth,
        sessions.session_name,
        sessions.model,
        sessions.platform,
        sessions.started_at,
        windowed.events,
        windowed.max_risk,
        windowed.mean_risk,
        windowed.critical_events,
        windowed.high_critical_events,
        chosen.window_model,
        chosen.window_platform,
        coalesce(chosen.fleet_rank <= $3, false) as top_fleet,
        coalesce(chosen.model_rank <= $4, false) as top_model,
        coalesce(chosen.platform_rank <= $4, false) as top_platform
    from members
    inner join sessions on sessions.session_id = members.session_id
    left join windowed on windowed.session_id = members.session_id
    left join chosen on chosen.session_id = members.session_id
)

select * from final
order by max_risk desc nulls last, critical_events desc, high_critical_events desc, mean_risk desc nulls last, session_id;
