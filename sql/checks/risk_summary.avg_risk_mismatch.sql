-- risk_summary.avg_risk_mismatch: avg_risk is 1 or more away from the mean valid event score.
-- Severity: error
-- Grain: one row per compared session whose figure differs.
-- Inputs: session_risk.
-- |avg_risk - true mean| >= 1, so any integer rounding (floor, ceiling, round) passes. As
-- risk_summary.max_risk_mismatch for invalid or unscored events and pending sessions.
select
    session_id,
    '' as item,
    'risk_summary.avg_risk ' || printf('%g', reported_avg_risk) || ' is 1 or more away from the mean score '
    || printf('%.2f', coalesce(own_mean_risk, 0)) as detail,
    printf('%.2f', coalesce(own_mean_risk, 0)) as expected,
    printf('%g', reported_avg_risk) as actual
from session_risk
where matches = 'neither' and not own_avg_matches
