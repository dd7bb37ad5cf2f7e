-- risk_fleet: the risk_fleet mart over an event-time window; parameters: since_ts, until_ts (TIMESTAMPTZ or NULL).
-- Used by quint_reports.analysis.marts.risk_fleet.
select * from risk_fleet_between(?::timestamptz, ?::timestamptz);
