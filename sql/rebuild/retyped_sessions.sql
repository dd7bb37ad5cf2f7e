-- staging._retype for an apply: the sessions whose events body is not the one stg_events was typed from
-- (landed anew, gone, or never typed), by the body's run and fetch time.
create or replace table staging._retype as
select coalesce(now.session_id, typed.session_id) as session_id
from (select session_id, run_id, fetched_at from raw.raw_session_bodies where kind = 'events') as now
full join staging._typed_events as typed on typed.session_id = now.session_id
where now.run_id is distinct from typed.run_id or now.fetched_at is distinct from typed.fetched_at;
