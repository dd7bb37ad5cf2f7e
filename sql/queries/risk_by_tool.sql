-- risk_by_tool: the risk_by_tool mart over an event-time window; parameters: since_ts, until_ts (TIMESTAMPTZ or NULL).
-- Used by quint_reports.analysis.marts.risk_by_tool.
select * from risk_by_tool_between(?::timestamptz, ?::timestamptz);
