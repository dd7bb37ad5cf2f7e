-- resolved_findings: the findings the latest sync no longer saw; no parameters.
-- Used by quint_reports.analysis.checks.resolved, `check` and the report.
select "check", severity, session_id, item, detail, first_seen_run, first_seen_at, resolved_run, resolved_at
from finding_history
where status = 'resolved'
order by "check", session_id, item;
