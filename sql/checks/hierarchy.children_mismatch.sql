-- hierarchy.children_mismatch: a parent's children disagree between the sources that list them.
-- Severity: warning
-- Grain: one row per parent with at least one child id not given by every source.
-- Inputs: sessions, session_edges, stg_fetch_status, int_sessions_settled.
-- Sources: the children's parent_id, the parent's detail children list and its /children
-- endpoint (those fetched). A session naming itself is hierarchy.self_parent only. Only
-- parents that had ended when fetched: a running parent can spawn a child between two of
-- those requests, which is timing, not a defect.
-- The three sources are bits of a mask (children_endpoint 1, detail_children 2, parent_id 4: the order of
-- their names), so that each link is an OR of bits and only the disputed links build lists of names
-- (a list of distinct names for each of 190,000 links cost most of the checks at 100,000 sessions).
with parents as (
    select sessions.session_id, sessions.children
    from sessions
    inner join int_sessions_settled as settled
        on settled.session_id = sessions.session_id and settled.state_at_fetch = 'ended'
),

available as (
    select
        parents.session_id as parent_id,
        4
        | (case when json_type(parents.children) = 'ARRAY' then 2 else 0 end)
        | (case when fetched.session_id is not null then 1 else 0 end) as available
    from parents
    left join (select session_id from stg_fetch_status where children_status = 200) as fetched
        on fetched.session_id = parents.session_id
),

edge_presence as (
    select
        edges.parent_id,
        edges.child_id,
        bit_or(case edges.source when 'children_endpoint' then 1 when 'detail_children' then 2 else 4 end) as stated,
        any_value(available.available) as available
    from session_edges as edges
    inner join available on available.parent_id = edges.parent_id
    where edges.child_id != edges.parent_id
    group by edges.parent_id, edges.child_id
),

disputed as (
    -- A source the parent has that does not state the link; the masks as the names they stand for.
    select
        parent_id,
        child_id,
        list_filter(
            ['children_endpoint', 'detail_children', 'parent_id'], (name, i) -> ((stated >> (i - 1)) & 1) = 1
        ) as stated_by,
        list_filter(
            ['children_endpoint', 'detail_children', 'parent_id'], (name, i) -> ((available >> (i - 1)) & 1) = 1
        ) as available,
        list_filter(
            ['children_endpoint', 'detail_children', 'parent_id'],
            (name, i) -> ((available >> (i - 1)) & 1) = 1 and ((stated >> (i - 1)) & 1) = 0
        ) as missing
    from edge_presence
    where (available & stated) != available
)

select
    parent_id as session_id,
    '' as item,
    'children disagree: ' || string_agg(
        child_id || ' given by ' || array_to_string(stated_by, '+')
        || ', not by ' || array_to_string(missing, '+'),
        '; ' order by child_id
    ) as detail,
    'the same children from ' || array_to_string(any_value(available), ', ') as expected,
    count(*) || ' child ids not given by every source' as actual
from disputed
group by parent_id
