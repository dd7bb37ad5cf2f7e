-- data.ended_before_started: ended_at is earlier than started_at.
-- Severity: error
-- Grain: one row per such session.
-- Inputs: sessions.
select
    session_id,
    '' as item,
    'ended_at ' || ended_at_raw || ' is before started_at ' || started_at_raw as detail,
    'ended_at >= ' || started_at_raw as expected,
    ended_at_raw as actual
from sessions
where ended_at < started_at
