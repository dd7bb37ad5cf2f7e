-- risk_by_platform: the risk_by_platform mart over an event-time window; parameters: since_ts, until_ts (TIMESTAMPTZ or NULL).
-- Used by quint_reports.analysis.marts.risk_by_platform.
select * from risk_by_platform_between(?::timestamptz, ?::timestamptz);
