-- data.missing_field: a required field of a session or an event is absent or null.
-- Severity: error
-- Grain: one row per session record, and one per event, lacking a required field.
-- Inputs: sessions, stg_events.
-- Required: sessions id, session_name, model, platform, state, started_at; events id,
-- action_type, tool_name, timestamp. Not required (the documented examples omit them):
-- signing_id, parent_id, ended_at; an event's session_id, agent_id, arguments, decision.
-- risk_score has checks of its own (data.risk_score_invalid, data.risk_score_unscored).
with session_gaps as (
    select
        session_id,
        list_filter(
            [
                case when raw ->> 'id' is null then 'id' end,
                case when session_name is null then 'session_name' end,
                case when model is null then 'model' end,
                case when platform is null then 'platform' end,
                case when state is null then 'state' end,
                case when started_at_raw is null then 'started_at' end
            ],
            f -> f is not null
        ) as missing
    from sessions
),

event_gaps as (
    select
        session_id,
        event_id,
        position,
        list_filter(
            [
                case when event_id is null then 'id' end,
                case when action_type is null then 'action_type' end,
                case when tool_name is null then 'tool_name' end,
                case when event_at is null and event_at_raw is null then 'timestamp' end
            ],
            f -> f is not null
        ) as missing
    from stg_events
    where event_id is null or action_type is null or tool_name is null
        or (event_at is null and event_at_raw is null)
)

select
    session_id,
    '' as item,
    'session lacks ' || array_to_string(missing, ', ') as detail,
    'id, session_name, model, platform, state, started_at' as expected,
    'missing ' || array_to_string(missing, ', ') as actual
from session_gaps
where len(missing) > 0
union all
select
    session_id,
    coalesce(event_id, '#' || position) as item,
    'event ' || coalesce(event_id, '#' || position) || ' lacks ' || array_to_string(missing, ', ') as detail,
    'id, action_type, tool_name, timestamp' as expected,
    'missing ' || array_to_string(missing, ', ') as actual
from event_gaps
