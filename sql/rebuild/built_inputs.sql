-- staging._built_inputs after a full build: every input it read (staging._inputs as it is now); the next apply
-- rebuilds the sessions whose inputs differ from these. The bookkeeping of an earlier release goes.
-- Grain: one row per (kind, key), as staging._inputs.
create or replace table staging._built_inputs as
select * from staging._inputs;

drop table if exists staging._built_events;
