-- hierarchy.child_outside_parent_window: a child ran outside its parent's time window.
-- Severity: warning
-- Grain: one row per such child.
-- Inputs: sessions.
-- The child started before its parent started, started after its parent ended, or ended
-- after it. A running parent has no end yet, so only the start is compared then.
select
    child.session_id,
    parent.session_id as item,
    'child ran ' || child.started_at_raw || ' to ' || coalesce(child.ended_at_raw, 'now')
    || ', outside parent ' || parent.session_id as detail,
    '[' || parent.started_at_raw || ', ' || coalesce(parent.ended_at_raw, 'now') || ']' as expected,
    '[' || child.started_at_raw || ', ' || coalesce(child.ended_at_raw, 'now') || ']' as actual
from sessions as child
inner join sessions as parent on parent.session_id = child.parent_id
where child.parent_id != child.session_id
    and (
        child.started_at < parent.started_at
        or child.started_at > parent.ended_at
        or child.ended_at > parent.ended_at
    )
