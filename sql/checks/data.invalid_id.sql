-- data.invalid_id: a session id of neither documented form, or an event id that is not a UUID.
-- Severity: error
-- Grain: one row per session with such an id, and one per such event.
-- Inputs: sessions, events.
-- Session ids come in two documented forms, both valid: a UUID (8-4-4-4-12 hex digits, any
-- version; the endpoint pages) and the edge form {rootPID}-{startUnixMs}, e.g.
-- 59247-1777085379101 (changelog v1.0.3, cloud ingestion and overview pages). Event ids are
-- UUIDs. The patterns are quint_reports.ingest.validate's (a test keeps them equal) and stay
-- literals: a pattern from a column is compiled again for every row.
select
    session_id,
    '' as item,
    'session id is neither a UUID nor {rootPID}-{startUnixMs}' as detail,
    'UUID or {rootPID}-{startUnixMs}' as expected,
    session_id as actual
from sessions
where not regexp_full_match(
    session_id, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9]{1,10}-[0-9]{10,16}'
)
union all
select
    session_id,
    event_id as item,
    'event id ' || event_id || ' is not a UUID' as detail,
    'UUID' as expected,
    event_id as actual
from events
where event_id is not null and not regexp_full_match(
    event_id, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
)
