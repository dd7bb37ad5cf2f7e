-- After a --full run: drop every landed row this run did not write, so the result is a rebuild.
-- Sessions whose fetch failed this run (registered table keep_sessions) keep their earlier rows.
delete from raw.raw_session_list where run_id <> $run_id;
delete from raw.raw_session_bodies
where run_id <> $run_id and session_id not in (select session_id from keep_sessions);
delete from raw.raw_quarantine where run_id <> $run_id;
