-- int_window_events_between(since_ts, until_ts): the tagged events in a time window, ready
-- for the risk marts.
-- Grain: one row per distinct event with event_at in [since_ts, until_ts) (a NULL bound is open).
-- Inputs: int_tagged_events.
create or replace macro int_window_events_between(since_ts, until_ts) as table
with events as (
    select * from staging.int_tagged_events
),

final as (
    select *
    from events
    where (since_ts is null or event_at >= since_ts)
        and (until_ts is null or event_at < until_ts)
)

select * from final;
