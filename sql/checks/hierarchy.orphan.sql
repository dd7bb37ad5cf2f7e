-- hierarchy.orphan: parent_id names a session that answered 404 or was never seen.
-- Severity: error
-- Grain: one row per child whose parent is unknown.
-- Inputs: sessions, stg_fetch_status.
select
    child.session_id,
    child.parent_id as item,
    'parent ' || child.parent_id || case
        when fetches.detail_status = 404 then ' answered 404'
        else ' was not found'
    end as detail,
    'parent session exists' as expected,
    case when fetches.detail_status = 404 then '404' else 'absent' end as actual
from sessions as child
left join sessions as parent on parent.session_id = child.parent_id
left join stg_fetch_status as fetches on fetches.session_id = child.parent_id
where child.parent_id is not null
    and child.parent_id != child.session_id
    and parent.session_id is null
