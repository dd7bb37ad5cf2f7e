-- Upsert this batch's session list records into raw.raw_session_list: latest wins per record_key.
-- Input: the registered batch table batch_list (seq, record_key, session_id, run_id, fetched_at, endpoint, record).
merge into raw.raw_session_list as t
using (
    select record_key, session_id, run_id, fetched_at, endpoint, record
    from batch_list
    qualify row_number() over (partition by record_key order by seq desc) = 1
) as s
on t.record_key = s.record_key
when matched then update set
    session_id = s.session_id,
    run_id = s.run_id,
    fetched_at = s.fetched_at,
    endpoint = s.endpoint,
    record = s.record
when not matched then insert (record_key, session_id, run_id, fetched_at, endpoint, record)
    values (s.record_key, s.session_id, s.run_id, s.fetched_at, s.endpoint, s.record);
