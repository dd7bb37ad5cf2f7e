-- staging._retype for the sync's writer: the sessions of the events bodies it just landed (the registered
-- relation landed_events, views.LANDED).
create or replace table staging._retype as
select distinct session_id from landed_events where kind = 'events';
