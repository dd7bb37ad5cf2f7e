-- int_sessions_merged: one record per session: the detail when it answered 200, else the
-- list record, else the record served by a parent's /children endpoint.
-- Grain: one row per session id.
-- Inputs: stg_session_details, stg_session_list, stg_session_children, stg_fetch_status; staging._changed.
-- Ids whose detail answered 404 are not sessions (see missing_sessions), even if listed.
-- Incremental: rebuilt per session, for the sessions in staging._remerge (see the loader).

-- _remerge: the sessions whose record may have changed: any of their inputs landed anew or went away (a body of
-- theirs also changes their fetch status), and every session a changed detail or children body names now or
-- named before (_changed kind 'named'): a parent's new children body drops one child and serves another.
create or replace table _remerge as
select session_id from _changed
union
select session_id from stg_session_details where resource_id in (select session_id from _redetail)
union
select session_id from stg_session_children
where session_id is not null and requested_parent_id in (select session_id from _rechildren);

create or replace table int_sessions_merged as
with details as (
    select * from stg_session_details
    where session_id in (select session_id from _remerge)
),

listed as (
    select * from stg_session_list
    where session_id in (select session_id from _remerge)
    qualify row_number() over (partition by session_id order by fetched_at desc, record_key) = 1
),

served_as_children as (
    select * from stg_session_children
    where session_id is not null and session_id in (select session_id from _remerge)
    qualify row_number() over (partition by session_id order by fetched_at desc, requested_parent_id) = 1
),

fetches as (
    select * from stg_fetch_status
    where session_id in (select session_id from _remerge)
),

candidates as (
    select
        session_id, 1 as priority, 'detail' as source, session_name, model, signing_id, state,
        platform, parent_id, started_at, ended_at, started_at_raw, ended_at_raw,
        children, risk_summary, reported_total_events, reported_max_risk, reported_avg_risk,
        fetched_at, raw
    from details
    union all by name
    select
        session_id, 2 as priority, 'list' as source, session_name, model, signing_id, state,
        platform, parent_id, started_at, ended_at, started_at_raw, ended_at_raw,
        fetched_at, raw
    from listed
    union all by name
    select
        session_id, 3 as priority, 'children_endpoint' as source, session_name, model, signing_id,
        state, platform, parent_id, started_at, ended_at, started_at_raw, ended_at_raw,
        fetched_at, raw
    from served_as_children
),

chosen as (
    select * from candidates
    qualify row_number() over (partition by session_id order by priority, fetched_at desc) = 1
),

final as (
    select
        chosen.session_id,
        chosen.source,
        chosen.session_name,
        chosen.model,
        chosen.signing_id,
        chosen.state,
        chosen.platform,
        chosen.parent_id,
        chosen.started_at,
        chosen.ended_at,
        chosen.started_at_raw,
        chosen.ended_at_raw,
        chosen.children,
        chosen.risk_summary,
        chosen.reported_total_events,
        chosen.reported_max_risk,
        chosen.reported_avg_risk,
        fetches.detail_status,
        fetches.events_status,
        fetches.children_status,
        chosen.fetched_at,
        chosen.raw
    from chosen
    left join fetches on fetches.session_id = chosen.session_id
    where fetches.detail_status is distinct from 404
)

select * from final;
