-- risk_summary.total_events_mismatch: total_events differs from the session's distinct events.
-- Severity: error
-- Grain: one row per compared session whose figure differs.
-- Inputs: session_risk.
-- Only sessions whose summary is compared (session_risk.status = 'compared': settled when
-- fetched) and matches neither their own events nor their subtree; a repeated event may be
-- counted either way. A pending session is timing, not a defect, and is not reported.
select
    session_id,
    '' as item,
    'risk_summary.total_events ' || reported_total_events || ' but ' || own_events
    || ' distinct events were served' as detail,
    own_events::varchar as expected,
    reported_total_events::varchar as actual
from session_risk
where matches = 'neither' and not own_total_matches
