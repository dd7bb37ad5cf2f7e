-- risk_fleet_day: the risk_fleet_day mart over an event-time window; parameters: since_ts, until_ts (TIMESTAMPTZ or NULL).
-- Used by quint_reports.analysis.marts.risk_fleet_day.
select * from risk_fleet_day_between(?::timestamptz, ?::timestamptz);
