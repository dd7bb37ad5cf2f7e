-- risk_by_action_type: the risk_by_action_type mart over an event-time window; parameters: since_ts, until_ts (TIMESTAMPTZ or NULL).
-- Used by quint_reports.analysis.marts.risk_by_action_type.
select * from risk_by_action_type_between(?::timestamptz, ?::timestamptz);
