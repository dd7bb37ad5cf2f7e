-- Record the outcome and counters of a sync run in internal._sync_runs.
update internal._sync_runs set
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
