-- int_sessions_with_risk: what the view session_risk shows, one row per session, kept as a table.
-- Grain: one row per session.
-- Inputs: int_sessions_merged, int_sessions_walked_to_ancestors, int_events_rolled_up_to_session,
-- int_sessions_settled; staging._remerge, _rebuild, _rewalk, _moved.
-- Incremental: rebuilt per session, for the sessions in staging._rerisk (see the loader).
-- The rules are documented on the view (marts/session_risk.sql). A table, not a view: the checks,
-- the report and the comparisons of every sync read it, and as a view each read recomputed every
-- session's subtree (0.17-0.19 s a read at 100,000 sessions, four reads a nightly).
-- A session's row is a function of its merged record, its settled state, its own rollup and those of
-- its subtree by the current walk. So it changes only for the sessions of _remerge (record, settled
-- state), _rebuild (own rollup) and _rewalk (path), and for every session above one of them: their
-- ancestors by the current walk, and by the last walk, which are the ancestors now of the parent a
-- moved session had (_moved.old_parent_id; the path from there up did not move, or that link is in
-- _moved too).

create or replace table _rerisk as
with changed as (
    select session_id from _remerge
    union
    select session_id from _rebuild
    union
    select session_id from _rewalk
    union
    select old_parent_id from _moved where old_parent_id is not null
)

select session_id from changed
union
select walks.ancestor_id
from int_sessions_walked_to_ancestors as walks
semi join changed on changed.session_id = walks.session_id;

create or replace table int_sessions_with_risk as
with merged as (
    select * from staging.int_sessions_merged
    where session_id in (select session_id from _rerisk)
),

own as (
    select * from staging.int_events_rolled_up_to_session
),

settled as (
    select * from staging.int_sessions_settled
),

walks as (
    -- Only the subtrees of the rebuilt sessions (in a full build, every session's).
    select session_id, ancestor_id from staging.int_sessions_walked_to_ancestors
    where not closes_cycle and ancestor_id in (select session_id from _rerisk)
),

subtree as (
    select
        walks.ancestor_id as session_id,
        count(*) as subtree_sessions,
        count(*) - count(own.session_id) as subtree_unfetched,
        sum(own.events) as events,
        sum(own.invalid_scores) as invalid_scores,
        max(own.max_risk) as max_risk,
        sum(own.sum_risk) / nullif(sum(own.scored_events), 0) as mean_risk,
        sum(own.served_events) as served_events,
        max(own.served_max_risk) as served_max_risk,
        sum(own.served_sum_risk) / nullif(sum(own.served_scored_events), 0) as served_mean_risk
    from walks
    left join own on own.session_id = walks.session_id
    group by walks.ancestor_id
),

compared as (
    select
        merged.session_id,
        merged.risk_summary is not null as has_risk_summary,
        merged.source = 'detail' as has_detail,
        settled.is_settled,
        settled.pending_reason,
        merged.reported_total_events,
        merged.reported_max_risk,
        merged.reported_avg_risk,
        own.session_id is not null as events_fetched,
        own.events as own_events,
        own.max_risk as own_max_risk,
        own.mean_risk as own_mean_risk,
        own.invalid_scores as own_invalid_scores,
        subtree.subtree_sessions,
        subtree.events as subtree_events,
        subtree.max_risk as subtree_max_risk,
        subtree.mean_risk as subtree_mean_risk,
        subtree.invalid_scores as subtree_invalid_scores,
        merged.reported_total_events in (own.events, own.served_events) as own_total_matches,
        case when own.invalid_scores = 0 then
            merged.reported_max_risk in (coalesce(own.max_risk, 0), coalesce(own.served_max_risk, 0))
        end as own_max_matches,
        case when own.invalid_scores = 0 then
            abs(merged.reported_avg_risk - coalesce(own.mean_risk, 0)) < 1
            or abs(merged.reported_avg_risk - coalesce(own.served_mean_risk, 0)) < 1
        end as own_avg_matches,
        subtree.subtree_unfetched = 0
        and merged.reported_total_events in (subtree.events, subtree.served_events) as subtree_total_matches,
        case when subtree.invalid_scores = 0 then
            merged.reported_max_risk in (coalesce(subtree.max_risk, 0), coalesce(subtree.served_max_risk, 0))
        end as subtree_max_matches,
        case when subtree.invalid_scores = 0 then
            abs(merged.reported_avg_risk - coalesce(subtree.mean_risk, 0)) < 1
            or abs(merged.reported_avg_risk - coalesce(subtree.served_mean_risk, 0)) < 1
        end as subtree_avg_matches
    from merged
    left join own on own.session_id = merged.session_id
    left join subtree on subtree.session_id = merged.session_id
    left join settled on settled.session_id = merged.session_id
),

classified as (
    select
        *,
        coalesce(own_total_matches, true) and coalesce(own_max_matches, true)
        and coalesce(own_avg_matches, true) as own_agrees,
        coalesce(subtree_total_matches, true) and coalesce(subtree_max_matches, true)
        and coalesce(subtree_avg_matches, true) as subtree_agrees,
        case
            when not has_risk_summary then 'missing'
            when not has_detail or not events_fetched then 'not fetched'
            when not is_settled then 'pending'
            else 'compared'
        end as status
    from compared
),

final as (
    select
        session_id,
        reported_total_events,
        reported_max_risk,
        reported_avg_risk,
        own_events,
        own_max_risk,
        own_mean_risk,
        own_invalid_scores,
        subtree_sessions,
        subtree_events,
        subtree_max_risk,
        subtree_mean_risk,
        subtree_invalid_scores,
        own_total_matches,
        own_max_matches,
        own_avg_matches,
        status,
        case when status = 'pending' then pending_reason end as pending_reason,
        case
            when status = 'missing' then 'missing'
            when status <> 'compared' then null
            when own_agrees and subtree_agrees then 'both'
            when own_agrees then 'own'
            when subtree_agrees then 'subtree'
            else 'neither'
        end as matches
    from classified
)

select * from final;
