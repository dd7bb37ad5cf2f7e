-- int_events_deduplicated: served events with repeats of an event id (within a session) removed.
-- Grain: one row per distinct event id per session (first occurrence kept); events
-- without an id are kept as they are, one row each.
-- Inputs: stg_events, int_event_duplicates.
create or replace view int_events_deduplicated as
with events as (
    select * from stg_events
),

repeats as (
    select * from int_event_duplicates
),

final as (
    select events.*
    from events
    anti join repeats
        on repeats.session_id = events.session_id
        and repeats.event_id = events.event_id
        and events.position > repeats.first_position
)

select * from final;
