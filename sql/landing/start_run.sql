-- Record the start of a sync run in internal._sync_runs (one row per run).
insert into internal._sync_runs (run_id, started_at, mode, status, api_url)
values ($run_id, $started_at, $mode, 'running', $api_url);
