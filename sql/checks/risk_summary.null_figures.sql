-- risk_summary.null_figures: a risk_summary figure is null although the session has what it counts.
-- Severity: error
-- Grain: one row per compared session with at least one such figure.
-- Inputs: session_risk.
-- total_events null while the session served events, or max_risk / avg_risk null while it
-- holds validly scored events. Nulls are right for a session without (scored) events, so
-- those are not findings; a pending session is not judged (its events were still arriving).
with figures as (
    select
        session_id,
        list_filter(
            [
                case when reported_total_events is null and own_events > 0 then 'total_events' end,
                case when reported_max_risk is null and own_events > own_invalid_scores then 'max_risk' end,
                case when reported_avg_risk is null and own_events > own_invalid_scores then 'avg_risk' end
            ],
            f -> f is not null
        ) as nulls,
        own_events,
        own_events - own_invalid_scores as scored_events
    from session_risk
    where status = 'compared'
)

select
    session_id,
    '' as item,
    'risk_summary ' || array_to_string(nulls, ', ') || ' null although ' || own_events || ' events ('
    || scored_events || ' scored) were served' as detail,
    'figures over ' || scored_events || ' scored events' as expected,
    array_to_string(nulls, ', ') || ' null' as actual
from figures
where len(nulls) > 0
