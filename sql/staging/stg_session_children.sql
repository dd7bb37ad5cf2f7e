-- stg_session_children: child records served by /v1/sessions/{id}/children, one per child.
-- Grain: one row per (requested parent, position in its children list).
-- Inputs: raw.raw_session_bodies kind 'children' (HTTP 200 bodies the sync did not reject); staging._changed.
-- Incremental: rebuilt per session, for the sessions in staging._rechildren, keyed by requested_parent_id
-- (see the loader).

-- _rechildren: the parents whose children body landed anew or went away.
create or replace table _rechildren as
select session_id from _changed where kind = 'children';

create or replace table stg_session_children as
with source as (
    select
        session_id as requested_parent_id,
        fetched_at,
        body
    from raw.raw_session_bodies
    where kind = 'children' and http_status = 200 and rejected is null
        and session_id in (select session_id from _rechildren)
),

unnested as (
    select
        source.requested_parent_id,
        source.fetched_at,
        child.record as raw,
        child.position
    from source,
        unnest(try(from_json(source.body, '{"children": ["JSON"]}')).children)
            with ordinality as child(record, position)
),

final as (
    select
        requested_parent_id,
        position,
        case json_type(raw)
            when 'VARCHAR' then raw ->> '$'
            when 'OBJECT' then raw ->> 'id'
        end as session_id,
        raw ->> 'session_name' as session_name,
        raw ->> 'model' as model,
        raw ->> 'signing_id' as signing_id,
        raw ->> 'state' as state,
        raw ->> 'platform' as platform,
        raw ->> 'parent_id' as parent_id,
        try_cast(raw ->> 'started_at' as timestamptz) as started_at,
        try_cast(raw ->> 'ended_at' as timestamptz) as ended_at,
        raw ->> 'started_at' as started_at_raw,
        raw ->> 'ended_at' as ended_at_raw,
        fetched_at,
        raw
    from unnested
)

select * from final;
