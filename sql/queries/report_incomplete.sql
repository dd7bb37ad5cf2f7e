-- report_incomplete: how many sessions of the snapshot lack their detail or events (the report's banner).
-- Grain: one row. Inputs: incomplete_sessions. Read by quint_reports.reporting.gather.
select count(distinct session_id) as sessions from incomplete_sessions;
