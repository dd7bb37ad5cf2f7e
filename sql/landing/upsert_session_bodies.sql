-- Upsert this batch's per-session responses into raw.raw_session_bodies: latest wins per (kind, session).
-- Input: the registered batch table batch_bodies (kind, seq, session_id, run_id, fetched_at, endpoint, http_status, body,
-- body_raw, rejected, body_md5); kind is the endpoint's (quint_reports.ingest.endpoints); body_md5 is md5(body), computed
-- by the landing (compare_batch.sql reads it). score_pending (events bodies only): one of its events still has a null
-- risk_score, tested here on the batch's bodies so that open_sessions.sql reads a flag, not every body (migration 6).
-- Duplicates within the batch are collapsed first (the last fetched wins).
-- A response that differs from the landed one replaces it by delete and insert, never by an update: DuckDB's
-- checkpoint rewrites a whole row group's column for one updated value, and a row group of this table holds half
-- of 100,000 sessions' bodies (1-2 s per checkpoint for 34 changed sessions). The same response again (a running
-- session refetched unchanged, the usual case) only moves the run and the time on, in their own small columns.
create or replace temp table _incoming_bodies as
select
    kind, session_id, run_id, fetched_at, endpoint, http_status, body, body_raw, rejected, body_md5,
    case when kind = 'events' then body like '%"risk_score":null%' or body like '%"risk_score": null%' end
        as score_pending
from batch_bodies
qualify row_number() over (partition by kind, session_id order by seq desc) = 1;

delete from raw.raw_session_bodies as t
using _incoming_bodies as s
where t.kind = s.kind and t.session_id = s.session_id
    and (
        t.body_md5 is distinct from s.body_md5
        or t.http_status is distinct from s.http_status
        or t.rejected is distinct from s.rejected
        or t.body_raw is distinct from s.body_raw
    );

merge into raw.raw_session_bodies as t
using _incoming_bodies as s
on t.kind = s.kind and t.session_id = s.session_id
when matched then update set
    run_id = s.run_id,
    fetched_at = s.fetched_at,
    endpoint = s.endpoint
when not matched then insert (
    kind, session_id, run_id, fetched_at, endpoint, http_status, body, body_raw, rejected, body_md5, score_pending
) values (
    s.kind, s.session_id, s.run_id, s.fetched_at, s.endpoint, s.http_status, s.body, s.body_raw, s.rejected, s.body_md5,
    s.score_pending
);

drop table _incoming_bodies;
