-- stg_session_details: session detail responses (HTTP 200) parsed into typed columns.
-- Grain: one row per fetched session detail (raw_session_detail.session_id).
-- Inputs: raw.raw_session_bodies kind 'detail'; staging._changed.
-- Incremental: rebuilt per session, for the sessions in staging._redetail, keyed by resource_id (see the loader).
-- A table, not a view: every later layer reads it, and parsing the JSON of the bodies that
-- landed anew, once per apply, is the cheap option.
-- Bodies the sync rejected (not JSON, a repeated key, JSON null ...) are left out: they are
-- quarantined, and their session is listed by incomplete_sessions.

-- _redetail: the sessions whose detail body landed anew or went away (keyed by the resource asked for, which a
-- body's own id may contradict).
create or replace table _redetail as
select session_id from _changed where kind = 'detail';

create or replace table stg_session_details as
with source as (
    select
        session_id as resource_id,
        fetched_at,
        body
    from raw.raw_session_bodies
    where kind = 'detail' and http_status = 200 and rejected is null
        and session_id in (select session_id from _redetail)
),

parsed as (
    select
        resource_id,
        fetched_at,
        try(body::json) as raw,
        try(from_json(body, '{
            "id": "VARCHAR", "session_name": "VARCHAR", "model": "VARCHAR",
            "signing_id": "VARCHAR", "state": "VARCHAR", "platform": "VARCHAR",
            "parent_id": "VARCHAR", "started_at": "VARCHAR", "ended_at": "VARCHAR",
            "children": "JSON", "risk_summary": "JSON"
        }')) as r
    from source
),

final as (
    select
        coalesce(r.id, resource_id) as session_id,
        resource_id,
        r.id as record_id,
        r.session_name as session_name,
        r.model as model,
        r.signing_id as signing_id,
        r.state as state,
        r.platform as platform,
        r.parent_id as parent_id,
        try_cast(r.started_at as timestamptz) as started_at,
        try_cast(r.ended_at as timestamptz) as ended_at,
        r.started_at as started_at_raw,
        r.ended_at as ended_at_raw,
        r.children as children,
        -- The ids the children list names (an element is an id or a child record), parsed once here for
        -- session_edges, whose readers (hierarchy.children_mismatch) would parse every list on each read.
        -- try_cast: CASE does not spare the cast of a children value that is not an array.
        case when json_type(r.children) = 'ARRAY' then
            list_transform(
                try_cast(r.children as json[]),
                item -> case json_type(item) when 'VARCHAR' then item ->> '$' when 'OBJECT' then item ->> 'id' end
            )
        end as children_ids,
        case when json_type(r.risk_summary) = 'OBJECT' then r.risk_summary end as risk_summary,
        try_cast(r.risk_summary ->> 'total_events' as bigint) as reported_total_events,
        try_cast(r.risk_summary ->> 'max_risk' as double) as reported_max_risk,
        try_cast(r.risk_summary ->> 'avg_risk' as double) as reported_avg_risk,
        fetched_at,
        raw
    from parsed
)

select * from final;
