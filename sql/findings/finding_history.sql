-- finding_history: every finding the syncs ever recorded, and where it stands now.
-- Answers: what is new since the previous sync, what is still open, what was resolved and when?
-- Grain: one row per (check, session_id, item) ever reported.
-- Inputs: internal._findings, internal._fetch_state.
-- status, relative to the sync that published this snapshot: 'new' (first seen, or seen again
-- after being resolved, in that sync), 'open' (seen before and still there), 'resolved' (gone
-- in that sync), 'closed' (resolved by an earlier sync). Runs are _sync_runs.run_id values.
create or replace view finding_history as
with recorded as (
    select * from internal._findings
),

latest as (
    select value as run_id from internal._fetch_state where key = 'findings.recorded_run'
),

final as (
    select
        "check",
        severity,
        session_id,
        item,
        detail,
        expected,
        actual,
        case
            when resolved_run is null and first_seen_run = (select run_id from latest) then 'new'
            when resolved_run is null then 'open'
            when resolved_run = (select run_id from latest) then 'resolved'
            else 'closed'
        end as status,
        first_seen_run,
        first_seen_at,
        last_seen_run,
        last_seen_at,
        resolved_run,
        resolved_at
    from recorded
)

select * from final
order by "check", session_id, item;
