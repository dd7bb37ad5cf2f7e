-- session_events: one session's distinct events in time order; parameter: session_id.
-- Used by quint_reports.analysis.marts.session_events.
select * from events
where session_id = ?
order by event_at, position;
