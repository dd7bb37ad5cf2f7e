-- staging._typed_events, created empty when missing: which events body (run_id, fetched_at) each session's
-- stg_events rows were typed from. Grain: one row per session typed.
create table if not exists staging._typed_events (session_id varchar, run_id varchar, fetched_at timestamptz);
