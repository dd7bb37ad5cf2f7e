-- incomplete_sessions: sessions the snapshot knows of but holds only in part.
-- Answers: which sessions lack their detail or their events list, and why: never landed (the
-- fetch failed for good, the run stopped), an HTTP error, or a body the sync rejected (not
-- JSON, a repeated key, JSON null ...). A partial snapshot is visible here and as the
-- check sync.incomplete_session; the report's banner counts its sessions.
-- Grain: one row per (session, missing resource); resource is 'detail' or 'events'.
-- Inputs: int_sessions_merged (every id known as a session; ids answering 404 are
-- missing_sessions instead), stg_fetch_status.
create or replace view incomplete_sessions as
with known as (
    select session_id from staging.int_sessions_merged
),

fetches as (
    select * from staging.stg_fetch_status
),

resources as (
    select
        known.session_id,
        kinds.resource,
        case kinds.resource when 'detail' then fetches.detail_status else fetches.events_status end
            as http_status,
        case kinds.resource when 'detail' then fetches.detail_rejected else fetches.events_rejected end
            as rejected
    from known
    cross join (values ('detail'), ('events')) as kinds(resource)
    left join fetches on fetches.session_id = known.session_id
),

final as (
    select
        session_id,
        resource,
        http_status,
        case
            when http_status is null then 'not landed'
            when rejected is not null then 'rejected: ' || rejected
            else 'HTTP ' || http_status
        end as reason
    from resources
    where http_status is null or http_status != 200 or rejected is not null
)

select * from final;
