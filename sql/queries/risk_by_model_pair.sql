-- risk_by_model_pair: every ordered pair of models compared on their high+critical rate over an event-time window; parameters: since_ts, until_ts (TIMESTAMPTZ or NULL).
-- Used by quint_reports.analysis.marts.risk_by_model_pair.
select * from risk_by_model_pair_between(?::timestamptz, ?::timestamptz);
