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

edge_presence as (
    select
        pairs.parent_id,
        pairs.child_id,
        list(distinct edges.source order by edges.source) as stated_by,
        (
            select list(edge_sources.source order by edge_sources.source)
            from edge_sources
            where edge_sources.parent_id = pairs.parent_id
        ) as available
    from (select distinct parent_id, child_id from session_edges where child_id != parent_id) as pairs
    inner join session_edges as edges on edges.parent_id = pairs.parent_id and edges.child_id = pairs.child_id
    where pairs.parent_id in (select session_id from parents)
    group by pairs.parent_id, pairs.child_id
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
