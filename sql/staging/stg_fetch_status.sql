-- stg_fetch_status: which per-session resources were fetched, and with which HTTP status.
-- Grain: one row per session id that any per-session endpoint was asked about.
-- Inputs: raw_session_detail, raw_session_events, raw_session_children.
-- *_rejected: the sync's reason for not taking a 200 body at face value (NULL when taken).
create or replace view stg_fetch_status as
with detail as (
    select session_id, http_status, rejected from raw_session_detail
),

events as (
    select session_id, http_status, rejected from raw_session_events
),

children as (
    select session_id, http_status, rejected from raw_session_children
),

final as (
    select
        coalesce(detail.session_id, events.session_id, children.session_id) as session_id,
        detail.http_status as detail_status,
        events.http_status as events_status,
        children.http_status as children_status,
        detail.rejected as detail_rejected,
        events.rejected as events_rejected,
        children.rejected as children_rejected
    from detail
    full outer join events on events.session_id = detail.session_id
    full outer join children
        on children.session_id = coalesce(detail.session_id, events.session_id)
)

select * from final;
