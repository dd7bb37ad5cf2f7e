-- staging._rebuild: the sessions whose per-session tables (files marked "Incremental") are rebuilt
-- by this apply: those whose events body was landed, replaced or pruned since the last build.
-- Grain: one row per session id.
-- Inputs: raw.raw_session_bodies kind 'events' (run_id, fetched_at: a new fetch changes them),
-- staging._built_events (what the last build read).
create or replace table staging._rebuild as
select coalesce(now.session_id, built.session_id) as session_id
from (select session_id, run_id, fetched_at from raw.raw_session_bodies where kind = 'events') as now
full join staging._built_events as built on built.session_id = now.session_id
where now.run_id is distinct from built.run_id or now.fetched_at is distinct from built.fetched_at;
