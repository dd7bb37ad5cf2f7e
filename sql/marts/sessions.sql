-- sessions: one row per session, typed, with the API's risk_summary and its place in the hierarchy.
-- Answers: what sessions are there, who spawned whom, and what did the API report about them?
-- Grain: one row per session id (detail wins, the list record fills in where no detail was fetched).
-- Inputs: int_sessions_merged, int_sessions_walked_to_ancestors.
-- depth counts parent_id steps up to the topmost known ancestor (root_id); an orphan whose
-- parent is unknown is its own root_id at depth 0 but is not is_root. Sessions in or under a
-- parent_id cycle have NULL root_id and depth. reported_* are NULL when risk_summary is
-- absent (distinct from 0). raw keeps the record as received, unknown fields included.
create or replace view sessions as
with merged as (
    select * from staging.int_sessions_merged
),

walks as (
    select * from staging.int_sessions_walked_to_ancestors
),

hierarchy as (
    select
        session_id,
        bool_or(closes_cycle and ancestor_id = session_id) as in_cycle,
        bool_or(closes_cycle or hit_max_depth) as unresolved,
        arg_max(ancestor_id, distance) filter (where not closes_cycle) as top_id,
        max(distance) filter (where not closes_cycle) as top_distance
    from walks
    group by session_id
),

final as (
    select
        merged.session_id,
        merged.session_name,
        merged.model,
        merged.platform,
        merged.signing_id,
        merged.state,
        merged.parent_id,
        merged.started_at,
        merged.ended_at,
        merged.reported_total_events,
        merged.reported_max_risk,
        merged.reported_avg_risk,
        merged.parent_id is null as is_root,
        case when not hierarchy.unresolved then hierarchy.top_id end as root_id,
        case when not hierarchy.unresolved then hierarchy.top_distance end as depth,
        hierarchy.in_cycle,
        merged.source,
        merged.detail_status,
        merged.events_status,
        merged.started_at_raw,
        merged.ended_at_raw,
        merged.risk_summary,
        merged.children,
        merged.fetched_at,
        merged.raw
    from merged
    left join hierarchy on hierarchy.session_id = merged.session_id
)

select * from final;
