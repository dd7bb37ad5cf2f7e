-- data.risk_score_invalid: an event's risk_score is a value but not an integer 0-100.
-- Severity: error
-- Grain: one row per such event.
-- Inputs: events.
-- Text, fractional, negative or above 100: a wrong score, whatever the session's state. A
-- null or absent score is a score not produced yet: data.risk_score_unscored.
select
    session_id,
    coalesce(event_id, '#' || position) as item,
    'event ' || coalesce(event_id, '#' || position) || ' has risk_score ' || risk_score_raw as detail,
    'integer 0-100' as expected,
    risk_score_raw as actual
from events
where risk_score is null and risk_score_raw is not null
