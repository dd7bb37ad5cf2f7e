-- int_events_rolled_up_to_session: each session's own events summed up, as served and deduplicated.
-- Grain: one row per session whose events list was fetched (HTTP 200, a body the sync took).
-- Inputs: raw.raw_session_bodies kind 'events' (which sessions were fetched), stg_events, int_events_deduplicated.
-- Incremental: rebuilt per session, for the sessions in staging._rebuild (see the loader).
-- Two versions of each figure: over distinct events (the truth) and over every served row
-- (in case the API's own summary counted a repeated event twice). Invalid risk scores
-- count as events but not in max/mean; invalid_scores says how many there were.
create or replace table int_events_rolled_up_to_session as
with fetched as (
    select session_id from raw.raw_session_bodies
    where kind = 'events' and http_status = 200 and rejected is null
        and session_id in (select session_id from _rebuild)
),

served as (
    select
        session_id,
        count(*) as served_events,
        max(risk_score) as served_max_risk,
        avg(risk_score) as served_mean_risk,
        count(risk_score) as served_scored_events,
        sum(risk_score) as served_sum_risk
    from stg_events
    where session_id in (select session_id from _rebuild)
    group by session_id
),

distinct_events as (
    select
        session_id,
        count(*) as events,
        count(risk_score) as scored_events,
        count(*) - count(risk_score) as invalid_scores,
        max(risk_score) as max_risk,
        avg(risk_score) as mean_risk,
        sum(risk_score) as sum_risk,
        min(event_at) as first_event_at,
        max(event_at) as last_event_at
    from int_events_deduplicated
    where session_id in (select session_id from _rebuild)
    group by session_id
),

final as (
    select
        fetched.session_id,
        coalesce(distinct_events.events, 0) as events,
        coalesce(distinct_events.scored_events, 0) as scored_events,
        coalesce(distinct_events.invalid_scores, 0) as invalid_scores,
        distinct_events.max_risk,
        distinct_events.mean_risk,
        coalesce(distinct_events.sum_risk, 0) as sum_risk,
        coalesce(served.served_events, 0) as served_events,
        served.served_max_risk,
        served.served_mean_risk,
        coalesce(served.served_scored_events, 0) as served_scored_events,
        coalesce(served.served_sum_risk, 0) as served_sum_risk,
        distinct_events.first_event_at,
        distinct_events.last_event_at
    from fetched
    left join served on served.session_id = fetched.session_id
    left join distinct_events on distinct_events.session_id = fetched.session_id
)

select * from final;
