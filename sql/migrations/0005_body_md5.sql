-- Migration 5: raw.raw_session_bodies keeps the md5 of each body (hex, as md5(body) gives it), written with
-- the body by every landing. The sync's change comparison (sql/landing/compare_batch.sql) reads it instead of
-- hashing every landed body's text on each batch (8.3 s of a 10,000-session sync, and growing with the file).
alter table raw.raw_session_bodies add column body_md5 varchar;
update raw.raw_session_bodies set body_md5 = md5(body);
