-- session_risk: one session's reported and recomputed risk figures; parameter: session_id.
-- Used by quint_reports.analysis.marts.session_risk.
select * from session_risk where session_id = ?;
