-- staging._rebuild: the sessions whose events body was landed anew, is new or went away since the last build
-- (every session with an events body in a full build): the files that read only a session's own events
-- rebuild these.
-- Grain: one row per session id.
-- Inputs: staging._changed.
create or replace table staging._rebuild as
select session_id from staging._changed where kind = 'events';
