-- hierarchy.self_parent: parent_id is the session's own id.
-- Severity: error
-- Grain: one row per such session.
-- Inputs: sessions.
select
    session_id,
    '' as item,
    'parent_id is the session itself' as detail,
    'another session or null' as expected,
    parent_id as actual
from sessions
where parent_id = session_id
