-- stg_session_list: records of the session list endpoint parsed into typed columns.
-- Grain: one row per landed list record (raw_session_list.record_key).
-- Inputs: raw.raw_session_list; staging._changed.
-- Incremental: rebuilt per session, for the sessions in staging._relist (see the loader).
-- Only records with a string id: an element that is not an object or has no usable id
-- (null, 42, "", {"id": 12345}) stays landed and quarantined, but is no session.

-- _relist: the sessions a list record landed anew, new or gone names, or named before.
create or replace table _relist as
select session_id from _changed where kind = 'list';

create or replace table stg_session_list as
with source as (
    select
        record_key,
        session_id as landed_session_id,
        fetched_at,
        record
    from raw.raw_session_list
    where session_id is not null and session_id in (select session_id from _relist)
),

parsed as (
    select
        record_key,
        landed_session_id,
        fetched_at,
        try(record::json) as raw,
        try(from_json(record, '{
            "id": "VARCHAR", "session_name": "VARCHAR", "model": "VARCHAR",
            "signing_id": "VARCHAR", "state": "VARCHAR", "platform": "VARCHAR",
            "parent_id": "VARCHAR", "started_at": "VARCHAR", "ended_at": "VARCHAR"
        }')) as r
    from source
),

final as (
    select
        landed_session_id as session_id,
        record_key,
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
        fetched_at,
        raw
    from parsed
)

select * from final;
