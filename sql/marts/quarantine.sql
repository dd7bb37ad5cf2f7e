-- quarantine: records the sync refused (bad JSON, wrong types), with the reason and the text as received.
-- Answers: what did the API send that could not be taken at face value?
-- Grain: one row per (endpoint, record_key, reason).
-- Inputs: stg_quarantine.
create or replace view quarantine as
with quarantined as (
    select * from stg_quarantine
),

final as (
    select endpoint, record_key, reason, run_id, fetched_at, raw
    from quarantined
)

select * from final;
