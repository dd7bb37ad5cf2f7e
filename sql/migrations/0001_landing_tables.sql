-- Migration 1: the landing tables of the first release, in main (where that release made them).
-- Every API response as text, keyed by the resource it describes; _sync_runs, _fetch_state and
-- _findings are the sync's bookkeeping. `if not exists` throughout: a database made before
-- migrations were numbered already holds these tables, and starts its upgrade here.

create table if not exists raw_session_list (
    record_key varchar primary key,  -- session id, or 'md5:' || md5(record) when the id is not a string
    session_id varchar,              -- the record's id when it is a string
    run_id varchar not null,
    fetched_at timestamptz not null,
    endpoint varchar not null,
    record varchar not null          -- JSON text of one list element, unknown fields kept
);

create table if not exists raw_session_detail (
    session_id varchar primary key,
    run_id varchar not null,
    fetched_at timestamptz not null,
    endpoint varchar not null,
    http_status integer not null,
    body varchar not null            -- JSON text as received; a 404 keeps its error body
);

create table if not exists raw_session_events (
    session_id varchar primary key,
    run_id varchar not null,
    fetched_at timestamptz not null,
    endpoint varchar not null,
    http_status integer not null,
    body varchar not null
);

create table if not exists raw_session_children (
    session_id varchar primary key,
    run_id varchar not null,
    fetched_at timestamptz not null,
    endpoint varchar not null,
    http_status integer not null,
    body varchar not null
);

create table if not exists raw_quarantine (
    endpoint varchar not null,
    record_key varchar not null,
    reason varchar not null,
    run_id varchar not null,
    fetched_at timestamptz not null,
    raw varchar not null,            -- the record or body exactly as received
    primary key (endpoint, record_key, reason)
);

create table if not exists _sync_runs (
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

create table if not exists _fetch_state (
    key varchar primary key,
    value varchar,
    updated_at timestamptz
);

-- Every finding the checks ever reported, with the sync runs that first and last saw it, so
-- that check and the report can tell new findings from those still open and those resolved.
-- Written by sql/landing/record_findings.sql after each sync applies the views.
create table if not exists _findings (
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
