-- Record the outcome and counters of a sync run in _sync_runs.
update _sync_runs set
    finished_at = $finished_at,
    status = $status,
    sessions_new = $sessions_new,
    sessions_updated = $sessions_updated,
    sessions_unchanged = $sessions_unchanged,
    events = $events,
    quarantined = $quarantined,
    requests = $requests,
    retries = $retries,
    seconds = $seconds
where run_id = $run_id;
