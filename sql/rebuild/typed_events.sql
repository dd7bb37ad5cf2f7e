-- staging._typed_events for the sessions of staging._retype, once their stg_events rows are typed: the
-- events body each was typed from (none when it has no events body any more).
delete from staging._typed_events where session_id in (select session_id from staging._retype);
insert into staging._typed_events
select session_id, run_id, fetched_at
from raw.raw_session_bodies
where kind = 'events' and session_id in (select session_id from staging._retype);
