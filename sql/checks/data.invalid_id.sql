-- data.invalid_id: a session id of neither documented form, or an event id that is not a UUID.
-- Severity: error
-- Grain: one row per session with such an id, and one per such event.
-- Inputs: sessions, stg_events.
-- Session ids come in two documented forms, both valid: a UUID (8-4-4-4-12 hex digits, any
-- version; the endpoint pages) and the edge form {rootPID}-{startUnixMs}, e.g.
-- 59247-1777085379101 (changelog v1.0.3, cloud ingestion and overview pages). Event ids are
-- UUIDs. The patterns are declared once, in quint_reports.ingest.rules, which validation reads
-- too; the macros rule_is_session_id and rule_is_event_id carry them into SQL as literals.
-- An event id is tested once, as stg_events types it (event_id_malformed); a repeated id is one
-- finding, as in the events view.
select
    session_id,
    '' as item,
    'session id is neither a UUID nor {rootPID}-{startUnixMs}' as detail,
    'UUID or {rootPID}-{startUnixMs}' as expected,
    session_id as actual
from sessions
where not rule_is_session_id(session_id)
union all
select distinct
    session_id,
    event_id as item,
    'event id ' || event_id || ' is not a UUID' as detail,
    'UUID' as expected,
    event_id as actual
from stg_events
where event_id_malformed
