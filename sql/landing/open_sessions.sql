-- Sessions an incremental run must refetch whatever their start time: one row per session id.
-- Those whose landed detail does not say state 'ended' (a missing or odd state counts as open),
-- and those listed earlier whose detail never landed (a failed request in an earlier run).
select session_id
from raw_session_detail
where http_status = 200
    and coalesce(case when json_valid(body) then json_extract_string(body, '$.state') end, '') <> 'ended'
union
select session_id
from raw_session_list
where session_id is not null
    and session_id not in (select session_id from raw_session_detail);
