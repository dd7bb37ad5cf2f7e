-- staging._retype for typing from scratch (stg_events missing, or its file, macros or schema changed): every
-- session with an events body, and every session typed before (whose rows go).
create or replace table staging._retype as
select session_id from raw.raw_session_bodies where kind = 'events'
union
select session_id from staging._typed_events;
