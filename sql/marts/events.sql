-- events: one row per distinct event per session, typed, with its documented risk level.
-- Answers: what did the agents do, how risky was it, and was it blocked?
-- Grain: one row per (session_id, event_id); a repeated id keeps its first occurrence.
-- Inputs: int_events_deduplicated.
-- session_id is the session whose events list served the event (filled even when the
-- event omits it; reported_session_id is set only when the event names another session).
-- risk_score is NULL unless the API sent an integer 0-100 (then risk_score_raw holds the
-- text as received); event_at_raw likewise holds a timestamp that did not parse; decision
-- may be NULL. Fields beyond these: raw_session_events.body -> 'events' -> (position - 1).
create or replace view events as
with deduplicated as (
    select * from staging.int_events_deduplicated
),

final as (
    select
        event_id,
        session_id,
        event_at,
        agent_id,
        action_type,
        tool_name,
        arguments,
        risk_score,
        risk_level,
        decision,
        risk_score_raw,
        event_at_raw,
        reported_session_id,
        position
    from deduplicated
)

select * from final;
