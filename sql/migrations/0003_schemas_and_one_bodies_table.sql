-- Migration 3: each layer in its own schema, and the per-session responses in one table.
-- raw: what the API answered (raw_session_list; raw_session_bodies, one row per (kind, session),
-- replacing raw_session_detail, raw_session_events and raw_session_children; raw_quarantine).
-- internal: the sync's bookkeeping (_sync_runs, _fetch_state, _findings; _schema_migrations is
-- made by the migration runner). staging: the stg_* and int_* objects, rebuilt by every sync.
-- main keeps only the documented views. Rows are copied, then the old tables dropped; the
-- view-layer objects an earlier release built in main are dropped too (every sync rebuilds them).

create schema if not exists raw;
create schema if not exists staging;
create schema if not exists internal;

create table raw.raw_session_list (
    record_key varchar primary key,  -- session id, or 'md5:' || md5(record) when the id is not a string
    session_id varchar,              -- the record's id when it is a string
    run_id varchar not null,
    fetched_at timestamptz not null,
    endpoint varchar not null,       -- the path template, /v1/sessions
    record varchar not null          -- JSON text of one list element, unknown fields kept
);
insert into raw.raw_session_list
select record_key, session_id, run_id, fetched_at, endpoint, record from main.raw_session_list;

-- One response per (kind, session): kind is the per-session endpoint (quint_reports.ingest.endpoints).
create table raw.raw_session_bodies (
    kind varchar not null,           -- detail | events | children
    session_id varchar not null,
    run_id varchar not null,
    fetched_at timestamptz not null,
    endpoint varchar not null,       -- the path template, e.g. /v1/sessions/{id}/events
    http_status integer not null,
    body varchar not null,           -- JSON text as received; a 404 keeps its error body
    body_raw blob,                   -- the exact bytes, only when they are not valid UTF-8
    rejected varchar,                -- why a 200 body was not taken at face value, else NULL
    primary key (kind, session_id)
);
insert into raw.raw_session_bodies
select 'detail', session_id, run_id, fetched_at, endpoint, http_status, body, body_raw, rejected
from main.raw_session_detail
union all
select 'events', session_id, run_id, fetched_at, endpoint, http_status, body, body_raw, rejected
from main.raw_session_events
union all
select 'children', session_id, run_id, fetched_at, endpoint, http_status, body, body_raw, rejected
from main.raw_session_children;

create table raw.raw_quarantine (
    endpoint varchar not null,
    record_key varchar not null,
    reason varchar not null,
    run_id varchar not null,
    fetched_at timestamptz not null,
    raw varchar not null,            -- the record or body exactly as received
    raw_bytes blob,                  -- the exact bytes, only when they are not valid UTF-8
    primary key (endpoint, record_key, reason)
);
insert into raw.raw_quarantine
select endpoint, record_key, reason, run_id, fetched_at, raw, raw_bytes from main.raw_quarantine;

create table internal._sync_runs (
    run_id varchar primary key,
    started_at timestamptz not null,
    finished_at timestamptz,
    mode varchar not null,           -- full | incremental
    status varchar not null,         -- running | success | partial | failed
    api_url varchar,
    sessions_new integer,
    sessions_updated integer,
    sessions_unchanged integer,
    events bigint,
    quarantined integer,
    requests integer,
    retries integer,
    seconds double
);
insert into internal._sync_runs select * from main._sync_runs;

create table internal._fetch_state (
    key varchar primary key,
    value varchar,
    updated_at timestamptz
);
insert into internal._fetch_state select * from main._fetch_state;

-- Every finding the checks ever reported, with the sync runs that first and last saw it.
create table internal._findings (
    "check" varchar not null,
    session_id varchar not null,
    item varchar not null,           -- the offending item inside the session ('' for the session)
    severity varchar not null,
    detail varchar,
    expected varchar,
    actual varchar,
    first_seen_run varchar not null, -- reopened findings start again here
    first_seen_at timestamptz not null,
    last_seen_run varchar not null,
    last_seen_at timestamptz not null,
    resolved_run varchar,            -- the first run that no longer saw it; NULL while open
    resolved_at timestamptz,
    primary key ("check", session_id, item)
);
insert into internal._findings select * from main._findings;

drop table main.raw_session_list;
drop table main.raw_session_detail;
drop table main.raw_session_events;
drop table main.raw_session_children;
drop table main.raw_quarantine;
drop table main._sync_runs;
drop table main._fetch_state;
drop table main._findings;

-- What earlier releases built in main below the documented views (each sync rebuilds them in staging).
drop view if exists main.chk_results;
drop view if exists main.stg_fetch_status;
drop view if exists main.stg_quarantine;
drop view if exists main.int_events_deduplicated;
drop table if exists main.stg_events;
drop table if exists main.stg_session_children;
drop table if exists main.stg_session_details;
drop table if exists main.stg_session_list;
drop table if exists main.int_event_duplicates;
drop table if exists main.int_events_rolled_up_to_session;
drop table if exists main.int_sessions_merged;
drop table if exists main.int_sessions_settled;
drop table if exists main.int_sessions_walked_to_ancestors;
drop table if exists main.int_tagged_events;
