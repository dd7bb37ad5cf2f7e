-- Migration 7: raw.raw_session_bodies without its primary key. DuckDB keeps a key as an index that every
-- checkpoint after an insert reads back whole and writes again: 1.6-2.1 s per checkpoint at 100,000 sessions
-- (232,000 rows), for a one-row insert as for a batch, several times a sync (the writer's automatic checkpoints, the
-- one before the apply, the publish). The table's key stays (kind, session_id): its only writer,
-- sql/landing/upsert_session_bodies.sql, merges on it after collapsing a batch's duplicates, and the lake matches
-- rows by it (declared in sql/lake/tables.sql). DuckDB cannot drop a constraint, so the rows are copied: 10 s at
-- 100,000 sessions, once, and the file keeps the old rows' space (1.1 GB there) for the syncs after to reuse.
create table raw._raw_session_bodies_7 (
    kind varchar not null,           -- detail | events | children
    session_id varchar not null,
    run_id varchar not null,
    fetched_at timestamptz not null,
    endpoint varchar not null,       -- the path template, e.g. /v1/sessions/{id}/events
    http_status integer not null,
    body varchar not null,           -- JSON text as received; a 404 keeps its error body
    body_raw blob,                   -- the exact bytes, only when they are not valid UTF-8
    rejected varchar,                -- why a 200 body was not taken at face value, else NULL
    body_md5 varchar,                -- md5(body), hex (migration 5)
    score_pending boolean            -- events: one event's risk_score is still null (migration 6)
);
insert into raw._raw_session_bodies_7
select kind, session_id, run_id, fetched_at, endpoint, http_status, body, body_raw, rejected, body_md5, score_pending
from raw.raw_session_bodies;
drop table raw.raw_session_bodies;
alter table raw._raw_session_bodies_7 rename to raw_session_bodies;
