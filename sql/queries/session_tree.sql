-- session_tree: a session's ancestors, itself and its descendants along parent_id links;
-- parameters: session_id, session_id. level is negative for ancestors, 0 for the session,
-- positive for descendants (cycle-safe: built on int_sessions_walked_to_ancestors).
-- Used by quint_reports.analysis.marts.session_tree.
with walks as (
    select * from staging.int_sessions_walked_to_ancestors
    where not closes_cycle
),

related as (
    select ancestor_id as session_id, -distance as level
    from walks
    where session_id = ? and distance > 0
    union all
    select session_id, distance as level
    from walks
    where ancestor_id = ?
)

select
    related.level,
    case
        when related.level < 0 then 'ancestor'
        when related.level = 0 then 'self'
        else 'descendant'
    end as relation,
    sessions.session_id,
    sessions.parent_id,
    sessions.session_name,
    sessions.model,
    sessions.platform,
    sessions.state,
    sessions.started_at,
    sessions.ended_at,
    sessions.reported_total_events,
    sessions.reported_max_risk,
    sessions.reported_avg_risk
from related
inner join sessions on sessions.session_id = related.session_id
order by related.level, sessions.started_at, sessions.session_id;
