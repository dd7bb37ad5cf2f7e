-- staging._inputs: what the per-session tables are built from, one row per landed body or list record, with the
-- run and time that landed it (a refetch changes both, whatever the text).
-- Grain: one row per (kind, key): a per-session body (kind 'detail', 'events', 'children', key its session id) or
-- a list record with a session id (kind 'list', key its record_key).
-- Inputs: raw.raw_session_bodies, raw.raw_session_list.
create or replace view staging._inputs as
select kind, session_id, session_id as key, run_id, fetched_at
from raw.raw_session_bodies
union all
select 'list' as kind, session_id, record_key as key, run_id, fetched_at
from raw.raw_session_list
where session_id is not null;
