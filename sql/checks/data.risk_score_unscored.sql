-- data.risk_score_unscored: an event of a settled session still has no risk_score (null or absent).
-- Severity: warning
-- Grain: one row per such event.
-- Inputs: events, int_sessions_settled.
-- Quint scores events asynchronously, so a fresh event carries risk_score null for a while:
-- in a session still running (or ended moments before the fetch) that is pending, not a
-- finding. Once the session has ended and the grace has passed (int_sessions_settled), a
-- missing score means scoring stalled or failed: the event is unassessed and the summary's
-- max and mean cannot be verified. A warning, not an error: no figure is wrong, one is
-- missing, and the next sync refetches the session (a late score resolves the finding).
select
    events.session_id,
    coalesce(events.event_id, '#' || events.position) as item,
    'event ' || coalesce(events.event_id, '#' || events.position) || ' has no risk_score after its session ended'
    as detail,
    'integer 0-100' as expected,
    'null' as actual
from events
inner join int_sessions_settled as settled
    on settled.session_id = events.session_id and settled.is_settled
where events.risk_score is null and events.risk_score_raw is null
