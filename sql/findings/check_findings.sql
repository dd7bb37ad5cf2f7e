-- check_findings: every cross-check, one row per finding; zero rows means the data passed.
-- Answers: can Quint's numbers and hierarchy be trusted, where exactly do they fail, and what is new?
-- Grain: one row per (check, session_id, item): item is the offending event, parent or child
-- inside the session, '' when the finding is about the session itself.
-- Inputs: staging.chk_results (the union of sql/checks/<check id>.sql), internal._findings, internal._fetch_state.
-- expected = what the data says, actual = what the API stated. status is 'new' when the sync
-- that published this snapshot saw the finding for the first time (or again after it had been
-- resolved), else 'open'; first_seen_* say since when. The rules: each file of sql/checks/.
create or replace view check_findings as
with found as (
    select * from staging.chk_results
),

recorded as (
    select * from internal._findings
),

latest as (
    select value as run_id from internal._fetch_state where key = 'findings.recorded_run'
),

final as (
    select
        found."check",
        found.severity,
        found.session_id,
        found.item,
        found.detail,
        found.expected,
        found.actual,
        case
            when recorded.first_seen_run is null or recorded.first_seen_run = (select run_id from latest)
                then 'new'
            else 'open'
        end as status,
        recorded.first_seen_run,
        recorded.first_seen_at
    from found
    left join recorded
        on recorded."check" = found."check"
        and recorded.session_id = found.session_id
        and recorded.item = found.item
        and recorded.resolved_run is null
)

select * from final
order by "check", session_id, item, detail;
