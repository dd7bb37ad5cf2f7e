-- int_sessions_walked_to_ancestors: every session's chain of parent_id links, walked upwards.
-- Grain: one row per (session, ancestor reached), the session itself at distance 0.
-- Inputs: int_sessions_merged.
-- Terminates on any data: a step stops at a NULL parent, at a parent that is not a known
-- session, when the parent is already on the path (closes_cycle, that row is kept so the
-- cycle is visible), or after 100 steps (hit_max_depth).
-- Incremental: rebuilt per session, for the sessions in staging._rewalk (see the loader).
-- A session's walk is a function of the links on its path: it changes only where a session on
-- it is new, gone or has another parent_id (moved), or that session's parent is. The walks that
-- reach a moved session are those of its descendants by the links of the last walk
-- (_walked_nodes), which is what _rewalk holds with the moved sessions themselves.

-- The links the last walk followed; empty before the first.
create table if not exists _walked_nodes (session_id varchar, parent_id varchar);

-- _moved: the sessions whose link changed since the last walk, with the parent they had (for
-- int_sessions_with_risk: that parent's subtree lost them). Only those of _remerge can have.
create or replace table _moved as
with now as (
    select session_id, parent_id from int_sessions_merged
    where session_id in (select session_id from _remerge)
),

was as (
    select session_id, parent_id from _walked_nodes
    where session_id in (select session_id from _remerge)
)

select coalesce(now.session_id, was.session_id) as session_id, was.parent_id as old_parent_id
from now
full join was on was.session_id = now.session_id
where now.session_id is null or was.session_id is null or now.parent_id is distinct from was.parent_id;

-- _rewalk: the moved sessions and their descendants by the last walk's links (union: a cycle ends the recursion).
create or replace table _rewalk as
with recursive below (session_id) as (
    select session_id from _moved
    union
    select node.session_id
    from below
    inner join _walked_nodes as node on node.parent_id = below.session_id
)

select session_id from below;

create or replace table int_sessions_walked_to_ancestors as
with recursive nodes as (
    select session_id, parent_id from int_sessions_merged
),

walk (session_id, ancestor_id, distance, path, closes_cycle) as (
    select
        session_id,
        session_id,
        0,
        [session_id],
        false
    from nodes
    where session_id in (select session_id from _rewalk)
    union all
    select
        walk.session_id,
        step.parent_id,
        walk.distance + 1,
        list_append(walk.path, step.parent_id),
        list_contains(walk.path, step.parent_id)
    from walk
    inner join nodes as step on step.session_id = walk.ancestor_id
    inner join nodes as parent on parent.session_id = step.parent_id
    where not walk.closes_cycle
        and walk.distance < 100
),

final as (
    select
        session_id,
        ancestor_id,
        distance,
        path,
        closes_cycle,
        distance = 100 and not closes_cycle as hit_max_depth
    from walk
)

select * from final;

-- The links walked, for the next apply: those of the moved sessions replaced.
delete from _walked_nodes as node
using _moved
where _moved.session_id = node.session_id;

insert into _walked_nodes
select merged.session_id, merged.parent_id
from int_sessions_merged as merged
semi join _moved on _moved.session_id = merged.session_id;
