-- data.missing_field: a required field of a session or an event is absent or null.
-- Severity: error
-- Grain: one row per session record, and one per event, lacking a required field.
-- Inputs: sessions, stg_events.
-- The required fields are declared once, in quint_reports.ingest.rules (validation reads them
-- too), and reach SQL as rule_required_fields('session' | 'event'); each is looked up here by
-- its API name in the staged record. Today: sessions id, session_name, model, platform, state,
-- started_at; events id, action_type, tool_name, timestamp. Not required (the documented
-- examples omit them): signing_id, parent_id, ended_at; an event's session_id, agent_id,
-- arguments, decision. risk_score has checks of its own (data.risk_score_invalid,
-- data.risk_score_unscored).
with session_fields as (
    select
        session_id,
        map {
            'id': raw ->> 'id',
            'session_name': session_name,
            'model': model,
            'platform': platform,
            'state': state,
            'started_at': started_at_raw
        } as present
    from sessions
    -- As for events below: a map and a lambda for each of 100,000 sessions cost 0.4 s, the filter nothing.
    where raw ->> 'id' is null or session_name is null or model is null or platform is null or state is null
        or started_at_raw is null
),

session_gaps as (
    select
        session_id,
        list_filter(rule_required_fields('session'), f -> present[f] is null) as missing
    from session_fields
),

event_fields as (
    select
        session_id,
        event_id,
        position,
        map {
            'id': event_id,
            'action_type': action_type,
            'tool_name': tool_name,
            'timestamp': coalesce(event_at::varchar, event_at_raw)
        } as present
    from stg_events
    -- Only events with a null among the mapped columns can lack a field: filtering first spares
    -- building a map for every event (9x the cost of all other checks at 5M events).
    where event_id is null or action_type is null or tool_name is null or (event_at is null and event_at_raw is null)
),

event_gaps as (
    select
        session_id,
        event_id,
        position,
        list_filter(rule_required_fields('event'), f -> present[f] is null) as missing
    from event_fields
)

select
    session_id,
    '' as item,
    'session lacks ' || array_to_string(missing, ', ') as detail,
    array_to_string(rule_required_fields('session'), ', ') as expected,
    'missing ' || array_to_string(missing, ', ') as actual
from session_gaps
where len(missing) > 0
union all
select
    session_id,
    coalesce(event_id, '#' || position) as item,
    'event ' || coalesce(event_id, '#' || position) || ' lacks ' || array_to_string(missing, ', ') as detail,
    array_to_string(rule_required_fields('event'), ', ') as expected,
    'missing ' || array_to_string(missing, ', ') as actual
from event_gaps
where len(missing) > 0
