-- stg_quarantine: records the sync refused, with the reason, as received.
-- Grain: one row per (endpoint, record_key, reason).
-- Inputs: raw.raw_quarantine.
create or replace view stg_quarantine as
with source as (
    select * from raw.raw_quarantine
),

final as (
    select
        endpoint,
        record_key,
        reason,
        run_id,
        fetched_at,
        raw
    from source
)

select * from final;
