-- session_edges: parent -> child links, one row per link per source that states it.
-- Answers: which sessions spawned which, and do the API's three ways of saying so agree?
-- Grain: one row per (parent_id, child_id, source); source is 'parent_id' (the child's
-- field), 'detail_children' (the parent's detail children list) or 'children_endpoint'
-- (/v1/sessions/{parent}/children).
-- Inputs: int_sessions_merged, stg_session_details, stg_session_children.
create or replace view session_edges as
with merged as (
    select * from staging.int_sessions_merged
),

details as (
    -- The ids the detail's children list names, parsed as the detail landed (stg_session_details).
    select session_id, children_ids from staging.stg_session_details
    where children_ids is not null
),

endpoint_children as (
    select * from staging.stg_session_children
),

by_parent_id as (
    select parent_id, session_id as child_id, 'parent_id' as source
    from merged
    where parent_id is not null
),

by_detail_children as (
    select details.session_id as parent_id, unnest(details.children_ids) as child_id, 'detail_children' as source
    from details
),

by_children_endpoint as (
    select requested_parent_id as parent_id, session_id as child_id, 'children_endpoint' as source
    from endpoint_children
),

final as (
    select distinct parent_id, child_id, source
    from (
        select * from by_parent_id
        union all
        select * from by_detail_children
        union all
        select * from by_children_endpoint
    )
    where child_id is not null
)

select * from final;
