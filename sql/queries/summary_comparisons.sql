-- summary_comparisons: how many risk summaries were compared, and why the others were not.
-- One row per (status, pending_reason) of session_risk, with the number of sessions.
-- Used by the sync's summary line and the report.
select status, coalesce(pending_reason, '') as reason, count(*) as sessions
from session_risk
group by all
order by sessions desc, status, reason;
