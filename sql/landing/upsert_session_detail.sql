-- Upsert this batch's detail responses into raw_session_detail: latest wins per session.
-- Input: the registered batch table batch_bodies (kind, seq, session_id, run_id, fetched_at, endpoint, http_status, body,
-- body_raw, rejected);
-- duplicates within the batch are collapsed first (the last fetched wins), since MERGE rejects them.
merge into raw_session_detail as t
using (
    select session_id, run_id, fetched_at, endpoint, http_status, body, body_raw, rejected
    from batch_bodies
    where kind = 'detail'
    qualify row_number() over (partition by session_id order by seq desc) = 1
) as s
on t.session_id = s.session_id
when matched then update set
    run_id = s.run_id,
    fetched_at = s.fetched_at,
    endpoint = s.endpoint,
    http_status = s.http_status,
    body = s.body,
    body_raw = s.body_raw,
    rejected = s.rejected
when not matched then insert (session_id, run_id, fetched_at, endpoint, http_status, body, body_raw, rejected)
    values (s.session_id, s.run_id, s.fetched_at, s.endpoint, s.http_status, s.body, s.body_raw, s.rejected);
