-- Migration 2: the columns added after the first release. body_raw (and raw_bytes) hold the
-- exact bytes of a body that is not valid UTF-8; rejected is the sync's reason for not taking a
-- 200 body at face value. `if not exists`: a database of the previous release may have them.
alter table raw_session_detail add column if not exists body_raw blob;
alter table raw_session_detail add column if not exists rejected varchar;
alter table raw_session_events add column if not exists body_raw blob;
alter table raw_session_events add column if not exists rejected varchar;
alter table raw_session_children add column if not exists body_raw blob;
alter table raw_session_children add column if not exists rejected varchar;
alter table raw_quarantine add column if not exists raw_bytes blob;
