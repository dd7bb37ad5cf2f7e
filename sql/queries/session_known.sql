-- session_known: is this id a session of the snapshot (landed with a detail or named by its list)? parameter: session_id.
-- Used by quint_reports.analysis.marts.require_session, so that a notebook says so plainly.
select count(*) > 0 as known from sessions where session_id = ?;
