-- hierarchy.cycle: the session lies on a parent_id cycle of two or more sessions.
-- Severity: error
-- Grain: one row per session on a cycle.
-- Inputs: int_sessions_walked_to_ancestors.
select
    session_id,
    '' as item,
    'parent_id links lead back to the session: ' || array_to_string(path, ' -> ') as detail,
    'a chain ending at a root' as expected,
    'cycle of ' || distance || ' sessions' as actual
from int_sessions_walked_to_ancestors
where closes_cycle and ancestor_id = session_id and distance >= 2
