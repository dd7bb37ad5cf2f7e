-- quarantine: records that failed the sync's validation, with the reason and the text as received.
-- Answers: what did the API send that could not be taken at face value?
-- Reasons: a body that is not JSON or lacks its array, an unexpected 4xx, and per record every
-- documented field absent, null or of the wrong type (id not a UUID, risk_score not an integer 0-100,
-- ended_at before started_at, risk_summary missing ...); docs/DESIGN.md lists them. The records
-- are landed in the raw_* tables too: quarantine lists them, it never removes them.
-- Grain: one row per (endpoint, record_key, reason).
-- Inputs: stg_quarantine.
create or replace view quarantine as
with quarantined as (
    select * from staging.stg_quarantine
),

final as (
    select endpoint, record_key, reason, run_id, fetched_at, raw
    from quarantined
)

select * from final;
