-- int_sessions_walked_to_ancestors: every session's chain of parent_id links, walked upwards.
-- Grain: one row per (session, ancestor reached), the session itself at distance 0.
-- Inputs: int_sessions_merged.
-- Terminates on any data: a step stops at a NULL parent, at a parent that is not a known
-- session, when the parent is already on the path (closes_cycle, that row is kept so the
-- cycle is visible), or after 100 steps (hit_max_depth).
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
