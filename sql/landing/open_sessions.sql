-- Sessions an incremental run must refetch whatever their start time: one row per session id.
-- Those that were not settled when fetched (the rule of sql/intermediate/int_sessions_settled.sql,
-- on the raw tables, since this runs before the views): the landed detail does not say state
-- 'ended' (a missing or odd state counts as open), the events list is older than the detail or
-- absent, or the session had ended less than 10 minutes before its detail was fetched. Also those
-- holding an event whose risk_score is still null (a late score resolves the finding), and those
-- listed earlier whose detail never landed or was rejected (a failed request in an earlier run).
with details as (
    select
        session_id,
        fetched_at,
        case when json_valid(body) then json_extract_string(body, '$.state') end as state,
        case when json_valid(body) then try_cast(json_extract_string(body, '$.ended_at') as timestamptz) end
            as ended_at
    from raw.raw_session_bodies
    where kind = 'detail' and http_status = 200 and rejected is null
),

-- The late scores from the flag each landing stores (score_pending, migration 6), never from the bodies' text:
-- it is most of the database (2.5 GB at 100,000 sessions); joined, it ran past the memory limit.
events as (
    select session_id, fetched_at, score_pending
    from raw.raw_session_bodies
    where kind = 'events' and http_status = 200 and rejected is null
)

select details.session_id
from details
left join events on events.session_id = details.session_id
where coalesce(details.state, '') <> 'ended'
    or events.session_id is null
    or events.fetched_at < details.fetched_at
    or details.ended_at > details.fetched_at - interval 10 minute
    or events.score_pending
union
select session_id
from raw.raw_session_list
where session_id is not null
    and session_id not in (select session_id from raw.raw_session_bodies where kind = 'detail' and rejected is null);
