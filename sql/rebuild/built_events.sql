-- staging._built_events: which version of each events body the per-session tables were built from,
-- written after every apply; the next apply rebuilds the sessions whose version differs.
-- Grain: one row per session with an events body.
-- Inputs: raw.raw_session_bodies kind 'events'.
create or replace table staging._built_events as
select session_id, run_id, fetched_at from raw.raw_session_bodies where kind = 'events';
