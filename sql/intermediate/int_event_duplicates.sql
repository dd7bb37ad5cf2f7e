-- int_event_duplicates: event ids served more than once within one session's events list.
-- Grain: one row per (session, event id) that occurs more than once.
-- Inputs: stg_events.
-- Incremental: rebuilt per session, for the sessions in staging._rebuild (see the loader).
-- A grouped table is ~10x cheaper than a window over every event; the rest of the
-- layer drops the repeats with an anti-join on (session_id, event_id, position).
create or replace table int_event_duplicates as
with events as (
    select session_id, event_id, position from stg_events
    where event_id is not null and session_id in (select session_id from _rebuild)
),

final as (
    select
        session_id,
        event_id,
        count(*) as occurrences,
        min(position) as first_position
    from events
    group by session_id, event_id
    having count(*) > 1
)

select * from final;
