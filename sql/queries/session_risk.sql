-- session_risk: the reported and recomputed risk figures of one or more sessions;
-- parameter: $1 session_ids (VARCHAR[]). One row per session found.
-- Used by quint_reports.analysis.marts.session_risk.
select * from session_risk
where session_id in (select unnest($1::varchar[]))
order by session_id;
