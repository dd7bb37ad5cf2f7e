-- staging._retype for the sync's writer: the sessions of the batch it just landed ($sessions).
create or replace table staging._retype as
select distinct unnest($sessions::varchar[]) as session_id;
