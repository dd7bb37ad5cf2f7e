-- staging._changed for a full build: every session, under each kind of input it has.
-- Grain: one row per (kind, session id).
-- Inputs: staging._inputs.
create or replace table staging._changed as
select distinct kind, session_id from staging._inputs;
