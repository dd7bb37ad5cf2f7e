-- Migration 6: raw.raw_session_bodies keeps, for each events body, whether one of its events still has a null
-- risk_score (a score arriving late: the session is refetched until it is scored), written with the body by every
-- landing (sql/landing/upsert_session_bodies.sql, the same test). Finding those sessions read every events body's
-- text on each incremental sync (8 s at 100,000 sessions, 2.5 GB); the flag is read instead. NULL for other kinds.
alter table raw.raw_session_bodies add column score_pending boolean;
update raw.raw_session_bodies
set score_pending = body like '%"risk_score":null%' or body like '%"risk_score": null%'
where kind = 'events';
