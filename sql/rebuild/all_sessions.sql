-- staging._rebuild for a full build: every session with an events body.
-- Grain: one row per session id.
-- Inputs: raw.raw_session_bodies kind 'events'.
create or replace table staging._rebuild as
select session_id from raw.raw_session_bodies where kind = 'events';
