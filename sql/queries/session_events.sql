-- session_events: the distinct events of one or more sessions, each session's in time order;
-- parameters: $1 session_ids (VARCHAR[]), $2 per_session (the first N events of each; NULL: all).
-- Used by quint_reports.analysis.marts.session_events (the notebook, one id; the report's session pages).
select * from events
where session_id in (select unnest($1::varchar[]))
qualify $2::bigint is null
    or row_number() over (partition by session_id order by event_at, position) <= $2::bigint
order by session_id, event_at, position;
