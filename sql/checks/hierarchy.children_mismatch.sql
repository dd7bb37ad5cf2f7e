-- hierarchy.children_mismatch: a parent's children disagree between the sources that list them.
-- Severity: warning
-- Grain: one row per parent with at least one child id not given by every source.
-- Inputs: sessions, session_edges, stg_fetch_status, int_sessions_settled.
-- Sources: the children's parent_id, the parent's detail children list and its /children
-- endpoint (those fetched). A session naming itself is hierarchy.self_parent only. Only
-- parents that had ended when fetched: a running parent can spawn a child between two of
-- those requests, which is timing, not a defect.
with parents as (
    select sessions.session_id, sessions.children
    from sessions
    inner join int_sessions_settled as settled
        on settled.session_id = sessions.session_id and settled.state_at_fetch = 'ended'
),

edge_sources as (
    select
        parents.session_id as parent_id,
        kinds.kind as source
    from parents,
        (values ('parent_id'), ('detail_children'), ('children_endpoint')) as kinds(kind)
    where kinds.kind = 'parent_id'
        or (kinds.kind = 'detail_children' and json_type(parents.children) = 'ARRAY')
        or (kinds.kind = 'children_endpoint' and parents.session_id in (
            select session_id from stg_fetch_status where children_status = 200
        ))
),

available as (
    select parent_id, list(source order by source) as available
    from edge_sources
    group by parent_id
),

edge_presence as (
    select
        edges.parent_id,
        edges.child_id,
        list(distinct edges.source order by edges.source) as stated_by,
        any_value(available.available) as available
    from session_edges as edges
    inner join available on available.parent_id = edges.parent_id
    where edges.child_id != edges.parent_id
    group by edges.parent_id, edges.child_id
)

select
    parent_id as session_id,
    '' as item,
    'children disagree: ' || string_agg(
        child_id || ' given by ' || array_to_string(stated_by, '+')
        || ', not by ' || array_to_string(list_filter(available, s -> not list_contains(stated_by, s)), '+'),
        '; ' order by child_id
    ) as detail,
    'the same children from ' || array_to_string(any_value(available), ', ') as expected,
    count(*) || ' child ids not given by every source' as actual
from edge_presence
where len(list_filter(available, s -> not list_contains(stated_by, s))) > 0
group by parent_id
