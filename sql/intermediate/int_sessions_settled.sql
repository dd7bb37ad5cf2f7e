-- int_sessions_settled: whether each session's detail and events were final when fetched, so
-- that its risk_summary can be compared and its unscored events judged.
-- Grain: one row per session whose detail answered 200.
-- Inputs: stg_session_details, raw.raw_session_bodies kind 'events'.
-- Incremental: rebuilt per session, for the sessions in staging._remerge (int_sessions_merged's: their detail
-- or events body changed; see the loader).
-- A live organisation changes while it is read: a running session keeps receiving events and
-- Quint scores events asynchronously, and risk_summary is computed when the detail is served,
-- the events list when it is. A session is settled when all of these hold:
--   * its detail said state 'ended' (a session closes about 10 s after its root process exits
--     and gains no events after that);
--   * its events list was fetched at or after that detail (the sync fetches the detail first;
--     a later detail over older events is a hierarchy refresh of a parent);
--   * it had ended at least 10 minutes before the detail was fetched (scoring_grace), so late
--     scores have had time to arrive.
-- Otherwise it is pending, with the first reason that applies (a session whose events were not
-- fetched at all is not pending: session_risk says 'not fetched'); the incremental sync refetches
-- it (sql/landing/open_sessions.sql applies the same rule to the raw tables).
create or replace table int_sessions_settled as
with details as (
    select session_id, state, ended_at, fetched_at from stg_session_details
    where session_id in (select session_id from _remerge)
),

events as (
    select session_id, fetched_at from raw.raw_session_bodies
    where kind = 'events' and http_status = 200 and rejected is null
        and session_id in (select session_id from _remerge)
),

final as (
    select
        details.session_id,
        details.state as state_at_fetch,
        details.fetched_at as detail_fetched_at,
        events.fetched_at as events_fetched_at,
        case
            when details.state is distinct from 'ended'
                then 'running when fetched (' || coalesce(details.state, 'no state') || ')'
            when events.fetched_at < details.fetched_at then 'events fetched before the detail'
            when details.ended_at > details.fetched_at - interval 10 minute
                then 'ended less than 10 minutes before the fetch'
        end as pending_reason,
        pending_reason is null as is_settled
    from details
    left join events on events.session_id = details.session_id
)

select * from final;
