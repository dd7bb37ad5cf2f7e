-- risk_summary.max_risk_mismatch: max_risk differs from the highest valid event score.
-- Severity: error
-- Grain: one row per compared session whose figure differs.
-- Inputs: session_risk.
-- As risk_summary.total_events_mismatch; not compared for a session holding an invalid or
-- unscored event (its maximum is unknown: that is the data.risk_score_* finding alone).
select
    session_id,
    '' as item,
    'risk_summary.max_risk ' || printf('%g', reported_max_risk) || ' but the highest event score is '
    || coalesce(own_max_risk, 0) as detail,
    coalesce(own_max_risk, 0)::varchar as expected,
    printf('%g', reported_max_risk) as actual
from session_risk
where matches = 'neither' and not own_max_matches
