-- check_findings: every cross-check, one row per finding; zero rows means the data passed.
-- Answers: can Quint's numbers and hierarchy be trusted, and where exactly do they fail?
-- Grain: one row per (check, session, offending item); columns check, severity,
-- session_id, detail, expected, actual (expected = what the data says, actual = what the
-- API stated).
-- Inputs: sessions, events, session_edges, session_risk, stg_events, stg_fetch_status,
-- int_event_duplicates, int_sessions_walked_to_ancestors, incomplete_sessions.
-- Check ids and rules:
--   risk_summary.missing                 (warning) detail answered 200 without a risk_summary
--                                        object (absent or null). Null fields inside it are not
--                                        findings: the API sends nulls for a session without scores.
--   risk_summary.total_events_mismatch   (error) total_events differs from the distinct events
--   risk_summary.max_risk_mismatch       (error) max_risk differs from the highest valid score
--   risk_summary.avg_risk_mismatch       (error) |avg_risk - true mean| >= 1: any integer rounding
--                                        (floor, ceiling, round) of the true mean passes
--     The three summary checks follow session_risk: nothing is reported when the whole summary
--     matches the session's subtree instead of its own events (matches = 'subtree'); a repeated
--     event may be counted either way; max and mean are not compared for a session holding an
--     invalid score (that is data.risk_score_invalid alone); a session whose events list was
--     not fetched is not compared.
--   hierarchy.self_parent                (error) parent_id is the session's own id
--   hierarchy.cycle                      (error) the session lies on a parent_id cycle of two or
--                                        more sessions; one finding per session on the cycle
--   hierarchy.orphan                     (error) parent_id names a session that answered 404 or
--                                        was never seen
--   hierarchy.children_mismatch          (warning) for a parent, the child ids given by the
--                                        children's parent_id, the parent's detail children list
--                                        and its /children endpoint (those fetched) disagree;
--                                        a session naming itself is hierarchy.self_parent only
--   hierarchy.child_outside_parent_window (warning) the child started before its parent started,
--                                        started after its parent ended, or ended after it
--   data.invalid_id                      (error) a session id or event id that is not a
--                                        well-formed UUID (8-4-4-4-12 hex digits, any version)
--   data.risk_score_invalid              (error) an event's risk_score is absent, null, text,
--                                        fractional or outside 0..100; one per event
--   data.duplicate_event                 (error) an event id served more than once in one
--                                        session's events list; one per repeated id
--   data.ended_before_started            (error) ended_at earlier than started_at
--   data.missing_field                   (error) a required field is absent or null: sessions
--                                        id, session_name, model, platform, state, started_at;
--                                        events id, action_type, tool_name, timestamp; one per
--                                        record. Not required (the documented examples omit them):
--                                        signing_id, parent_id, ended_at; an event's session_id,
--                                        agent_id, arguments, decision
--   sync.incomplete_session              (error) the snapshot lacks a session's detail or events
--                                        list (see incomplete_sessions); one per missing resource
create or replace view check_findings as
with sessions as (
    select * from sessions
),

risk as (
    select * from session_risk
),

edges as (
    select * from session_edges
),

served_events as (
    select * from stg_events
),

walks as (
    select * from int_sessions_walked_to_ancestors
),

fetches as (
    select * from stg_fetch_status
),

summary_missing as (
    select
        'risk_summary.missing' as check,
        'warning' as severity,
        session_id,
        'session detail has no risk_summary' as detail,
        'risk_summary object' as expected,
        coalesce((raw -> 'risk_summary')::varchar, 'absent') as actual
    from sessions
    where source = 'detail' and risk_summary is null
),

summary_compared as (
    select * from risk
    where matches = 'neither'
),

total_mismatch as (
    select
        'risk_summary.total_events_mismatch' as check,
        'error' as severity,
        session_id,
        'risk_summary.total_events ' || reported_total_events || ' but ' || own_events
        || ' distinct events were served' as detail,
        own_events::varchar as expected,
        reported_total_events::varchar as actual
    from summary_compared
    where not own_total_matches
),

max_mismatch as (
    select
        'risk_summary.max_risk_mismatch' as check,
        'error' as severity,
        session_id,
        'risk_summary.max_risk ' || printf('%g', reported_max_risk) || ' but the highest event score is '
        || coalesce(own_max_risk, 0) as detail,
        coalesce(own_max_risk, 0)::varchar as expected,
        printf('%g', reported_max_risk) as actual
    from summary_compared
    where not own_max_matches
),

avg_mismatch as (
    select
        'risk_summary.avg_risk_mismatch' as check,
        'error' as severity,
        session_id,
        'risk_summary.avg_risk ' || printf('%g', reported_avg_risk) || ' is 1 or more away from the mean score '
        || printf('%.2f', coalesce(own_mean_risk, 0)) as detail,
        printf('%.2f', coalesce(own_mean_risk, 0)) as expected,
        printf('%g', reported_avg_risk) as actual
    from summary_compared
    where not own_avg_matches
),

self_parent as (
    select
        'hierarchy.self_parent' as check,
        'error' as severity,
        session_id,
        'parent_id is the session itself' as detail,
        'another session or null' as expected,
        parent_id as actual
    from sessions
    where parent_id = session_id
),

cycle as (
    select
        'hierarchy.cycle' as check,
        'error' as severity,
        session_id,
        'parent_id links lead back to the session: ' || array_to_string(path, ' -> ') as detail,
        'a chain ending at a root' as expected,
        'cycle of ' || distance || ' sessions' as actual
    from walks
    where closes_cycle and ancestor_id = session_id and distance >= 2
),

orphan as (
    select
        'hierarchy.orphan' as check,
        'error' as severity,
        child.session_id,
        'parent ' || child.parent_id || case
            when fetches.detail_status = 404 then ' answered 404'
            else ' was not found'
        end as detail,
        'parent session exists' as expected,
        case when fetches.detail_status = 404 then '404' else 'absent' end as actual
    from sessions as child
    left join sessions as parent on parent.session_id = child.parent_id
    left join fetches on fetches.session_id = child.parent_id
    where child.parent_id is not null
        and child.parent_id != child.session_id
        and parent.session_id is null
),

edge_sources as (
    select
        parents.session_id as parent_id,
        kinds.kind as source
    from sessions as parents,
        (values ('parent_id'), ('detail_children'), ('children_endpoint')) as kinds(kind)
    where kinds.kind = 'parent_id'
        or (kinds.kind = 'detail_children' and json_type(parents.children) = 'ARRAY')
        or (kinds.kind = 'children_endpoint' and parents.session_id in (
            select session_id from fetches where children_status = 200
        ))
),

edge_presence as (
    select
        pairs.parent_id,
        pairs.child_id,
        list(distinct edges.source order by edges.source) as stated_by,
        (
            select list(edge_sources.source order by edge_sources.source)
            from edge_sources
            where edge_sources.parent_id = pairs.parent_id
        ) as available
    from (select distinct parent_id, child_id from edges where child_id != parent_id) as pairs
    inner join edges on edges.parent_id = pairs.parent_id and edges.child_id = pairs.child_id
    where pairs.parent_id in (select session_id from sessions)
    group by pairs.parent_id, pairs.child_id
),

children_mismatch as (
    select
        'hierarchy.children_mismatch' as check,
        'warning' as severity,
        parent_id as session_id,
        'children disagree: ' || string_agg(
            child_id || ' given by ' || array_to_string(stated_by, '+')
            || ', not by ' || array_to_string(list_filter(available, s -> not list_contains(stated_by, s)), '+'),
            '; ' order by child_id
        ) as detail,
        'the same children from ' || array_to_string(any_value(available), ', ') as expected,
        count(*) || ' child ids not given by every source' as actual
    from edge_presence
    where len(list_filter(available, s -> not list_contains(stated_by, s))) > 0
    group by parent_id
),

outside_window as (
    select
        'hierarchy.child_outside_parent_window' as check,
        'warning' as severity,
        child.session_id,
        'child ran ' || child.started_at_raw || ' to ' || coalesce(child.ended_at_raw, 'now')
        || ', outside parent ' || parent.session_id as detail,
        '[' || parent.started_at_raw || ', ' || coalesce(parent.ended_at_raw, 'now') || ']' as expected,
        '[' || child.started_at_raw || ', ' || coalesce(child.ended_at_raw, 'now') || ']' as actual
    from sessions as child
    inner join sessions as parent on parent.session_id = child.parent_id
    where child.parent_id != child.session_id
        and (
            child.started_at < parent.started_at
            or child.started_at > parent.ended_at
            or child.ended_at > parent.ended_at
        )
),

invalid_session_id as (
    select
        'data.invalid_id' as check,
        'error' as severity,
        session_id,
        'session id is not a UUID' as detail,
        'UUID' as expected,
        session_id as actual
    from sessions
    -- The pattern stays a literal: a pattern from a column is compiled again for every row.
    where not regexp_full_match(
        session_id, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
    )
),

invalid_event_id as (
    select
        'data.invalid_id' as check,
        'error' as severity,
        session_id,
        'event id ' || event_id || ' is not a UUID' as detail,
        'UUID' as expected,
        event_id as actual
    from events
    where event_id is not null and not regexp_full_match(
        event_id, '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}'
    )
),

invalid_score as (
    select
        'data.risk_score_invalid' as check,
        'error' as severity,
        session_id,
        'event ' || coalesce(event_id, '#' || position) || ' has risk_score '
        || coalesce(risk_score_raw, 'null or absent') as detail,
        'integer 0-100' as expected,
        coalesce(risk_score_raw, 'null') as actual
    from events
    where risk_score is null
),

duplicate_event as (
    select
        'data.duplicate_event' as check,
        'error' as severity,
        session_id,
        'event ' || event_id || ' served ' || occurrences || ' times' as detail,
        '1' as expected,
        occurrences::varchar as actual
    from int_event_duplicates
),

ended_before_started as (
    select
        'data.ended_before_started' as check,
        'error' as severity,
        session_id,
        'ended_at ' || ended_at_raw || ' is before started_at ' || started_at_raw as detail,
        'ended_at >= ' || started_at_raw as expected,
        ended_at_raw as actual
    from sessions
    where ended_at < started_at
),

missing_session_field as (
    select
        'data.missing_field' as check,
        'error' as severity,
        session_id,
        'session lacks ' || array_to_string(missing, ', ') as detail,
        'id, session_name, model, platform, state, started_at' as expected,
        'missing ' || array_to_string(missing, ', ') as actual
    from (
        select
            session_id,
            list_filter(
                [
                    case when raw ->> 'id' is null then 'id' end,
                    case when session_name is null then 'session_name' end,
                    case when model is null then 'model' end,
                    case when platform is null then 'platform' end,
                    case when state is null then 'state' end,
                    case when started_at_raw is null then 'started_at' end
                ],
                f -> f is not null
            ) as missing
        from sessions
    )
    where len(missing) > 0
),

missing_event_field as (
    select
        'data.missing_field' as check,
        'error' as severity,
        session_id,
        'event ' || coalesce(event_id, '#' || position) || ' lacks ' || array_to_string(missing, ', ')
        as detail,
        'id, action_type, tool_name, timestamp' as expected,
        'missing ' || array_to_string(missing, ', ') as actual
    from (
        select
            session_id,
            event_id,
            position,
            list_filter(
                [
                    case when event_id is null then 'id' end,
                    case when action_type is null then 'action_type' end,
                    case when tool_name is null then 'tool_name' end,
                    case when event_at is null and event_at_raw is null then 'timestamp' end
                ],
                f -> f is not null
            ) as missing
        from served_events
        where event_id is null or action_type is null or tool_name is null
            or (event_at is null and event_at_raw is null)
    )
),

-- Kept apart from the data checks above: it is about the snapshot, not about what the API said.
incomplete as (
    select
        'sync.incomplete_session' as check,
        'error' as severity,
        session_id,
        'the snapshot lacks the ' || resource || ' (' || reason || ')' as detail,
        resource || ' landed' as expected,
        reason as actual
    from incomplete_sessions
),

final as (
    select * from summary_missing
    union all select * from total_mismatch
    union all select * from max_mismatch
    union all select * from avg_mismatch
    union all select * from self_parent
    union all select * from cycle
    union all select * from orphan
    union all select * from children_mismatch
    union all select * from outside_window
    union all select * from invalid_session_id
    union all select * from invalid_event_id
    union all select * from invalid_score
    union all select * from duplicate_event
    union all select * from ended_before_started
    union all select * from missing_session_field
    union all select * from missing_event_field
    union all select * from incomplete
)

select "check", severity, session_id, detail, expected, actual
from final
order by "check", session_id, detail;
