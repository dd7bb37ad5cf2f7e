-- Upsert this batch's quarantined records into raw.raw_quarantine: latest wins per (endpoint, record_key, reason).
-- Input: the registered batch table batch_quarantine (seq, endpoint, record_key, reason, run_id, fetched_at, raw, raw_bytes).
merge into raw.raw_quarantine as t
using (
    select endpoint, record_key, reason, run_id, fetched_at, raw, raw_bytes
    from batch_quarantine
    qualify row_number() over (partition by endpoint, record_key, reason order by seq desc) = 1
) as s
on t.endpoint = s.endpoint and t.record_key = s.record_key and t.reason = s.reason
when matched then update set run_id = s.run_id, fetched_at = s.fetched_at, raw = s.raw, raw_bytes = s.raw_bytes
when not matched then insert (endpoint, record_key, reason, run_id, fetched_at, raw, raw_bytes)
    values (s.endpoint, s.record_key, s.reason, s.run_id, s.fetched_at, s.raw, s.raw_bytes);
