-- The most recent sync runs, newest first (for `quint-reports state show`).
select run_id, started_at, finished_at, mode, status, sessions_new, sessions_updated, sessions_unchanged,
    events, quarantined, requests, retries, round(seconds, 1) as seconds
from internal._sync_runs
order by started_at desc
limit $limit;
