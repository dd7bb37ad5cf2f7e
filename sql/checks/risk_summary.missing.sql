-- risk_summary.missing: the session detail answered 200 without a risk_summary object.
-- Severity: warning
-- Grain: one row per session whose detail has no risk_summary (absent or null).
-- Inputs: sessions.
-- Null figures inside a present risk_summary are risk_summary.null_figures, not this.
select
    session_id,
    '' as item,
    'session detail has no risk_summary' as detail,
    'risk_summary object' as expected,
    coalesce((raw -> 'risk_summary')::varchar, 'absent') as actual
from sessions
where source = 'detail' and risk_summary is null
