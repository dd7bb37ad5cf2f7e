-- data.duplicate_event: an event id served more than once in one session's events list.
-- Severity: error
-- Grain: one row per repeated event id per session.
-- Inputs: int_event_duplicates.
select
    session_id,
    event_id as item,
    'event ' || event_id || ' served ' || occurrences || ' times' as detail,
    '1' as expected,
    occurrences::varchar as actual
from int_event_duplicates
