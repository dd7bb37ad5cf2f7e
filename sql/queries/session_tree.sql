-- session_tree: each given session's ancestors, itself and its descendants along parent_id links;
-- parameter: $1 session_ids (VARCHAR[]). focus_id names the given session a row belongs to; level
-- is negative for its ancestors, 0 for itself, positive for its descendants (cycle-safe: built on
-- int_sessions_walked_to_ancestors).
-- Used by quint_reports.analysis.marts.session_tree (the notebook, one id; the report's session pages).
with walks as (
    select * from staging.int_sessions_walked_to_ancestors
    where not closes_cycle
),

focus as (
    select unnest($1::varchar[]) as focus_id
),

related as (
    select walks.session_id as focus_id, walks.ancestor_id as session_id, -walks.distance as level
    from walks
    inner join focus on focus.focus_id = walks.session_id
    where walks.distance > 0
    union all
    select walks.ancestor_id as focus_id, walks.session_id, walks.distance as level
    from walks
    inner join focus on focus.focus_id = walks.ancestor_id
)

select
    related.focus_id,
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
order by related.focus_id, related.level, sessions.started_at, sessions.session_id;
