-- risk_by_platform_day: the risk_by_platform_day mart over an event-time window; parameters: since_ts, until_ts (TIMESTAMPTZ or NULL).
-- Used by quint_reports.analysis.marts.risk_by_platform_day.
select * from risk_by_platform_day_between(?::timestamptz, ?::timestamptz);
