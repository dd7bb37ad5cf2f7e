-- Record this run's findings in internal._findings: seen again, new (or reopened), or resolved.
-- Parameters: $run_id, $now. Runs in the work copy after the views are applied.
-- A finding is identified by (check, session_id, item); its detail follows the latest sighting.
create or replace temp table _current_findings as
select "check", session_id, item, severity, detail, expected, actual
from staging.chk_results
qualify row_number() over (partition by "check", session_id, item order by detail) = 1;

merge into internal._findings as f
using _current_findings as c
    on f."check" = c."check" and f.session_id = c.session_id and f.item = c.item
when matched and f.resolved_run is null then update set
    severity = c.severity, detail = c.detail, expected = c.expected, actual = c.actual,
    last_seen_run = $run_id, last_seen_at = $now
when matched then update set
    severity = c.severity, detail = c.detail, expected = c.expected, actual = c.actual,
    first_seen_run = $run_id, first_seen_at = $now, last_seen_run = $run_id, last_seen_at = $now,
    resolved_run = null, resolved_at = null
when not matched then insert
    ("check", session_id, item, severity, detail, expected, actual,
     first_seen_run, first_seen_at, last_seen_run, last_seen_at, resolved_run, resolved_at)
    values (c."check", c.session_id, c.item, c.severity, c.detail, c.expected, c.actual,
            $run_id, $now, $run_id, $now, null, null);

update internal._findings set resolved_run = $run_id, resolved_at = $now
where resolved_run is null and last_seen_run <> $run_id;

insert or replace into internal._fetch_state (key, value, updated_at) values ('findings.recorded_run', $run_id, $now);

drop table _current_findings;
