-- risk_by_model: the risk_by_model mart over an event-time window; parameters: since_ts, until_ts (TIMESTAMPTZ or NULL).
-- Used by quint_reports.analysis.marts.risk_by_model.
select * from risk_by_model_between(?::timestamptz, ?::timestamptz);
