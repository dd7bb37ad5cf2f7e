-- report_snapshot: the sync run whose data a report shows (the newest finished run).
-- Grain: at most one row. Inputs: _sync_runs. Read by quint_reports.reporting.gather.
select
    run_id,
    finished_at,
    mode,
    status
from internal._sync_runs
where finished_at is not null
order by finished_at desc
limit 1;
