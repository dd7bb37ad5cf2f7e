-- missing_sessions: session ids the API answered 404 for, and how many sessions name them as parent.
-- Answers: which referenced sessions does the API not know?
-- Grain: one row per session id whose detail answered 404.
-- Inputs: stg_fetch_status, int_sessions_merged.
create or replace view missing_sessions as
with not_found as (
    select session_id from staging.stg_fetch_status
    where detail_status = 404
),

referencing as (
    select parent_id, count(*) as children
    from staging.int_sessions_merged
    where parent_id is not null
    group by parent_id
),

final as (
    select
        not_found.session_id,
        coalesce(referencing.children, 0) as referenced_by
    from not_found
    left join referencing on referencing.parent_id = not_found.session_id
)

select * from final;
