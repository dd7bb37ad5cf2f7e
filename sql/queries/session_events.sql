-- session_events: the distinct events of one or more sessions, each session's in time order;
-- parameters: $1 session_ids (VARCHAR[]), $2 per_session (the first N events of each; NULL: all).
-- Used by quint_reports.analysis.marts.session_events (the notebook, one id; the report's session pages).
-- list_contains, not `in (select unnest(...))`: the semi join read every event's columns before
-- filtering (200 sessions of 5,000,000 events: 0.9-1.1 s against 0.3-0.4 s).
select * from events
where list_contains($1::varchar[], session_id)
qualify $2::bigint is null
    or row_number() over (partition by session_id order by event_at, position) <= $2::bigint
order by session_id, event_at, position;
