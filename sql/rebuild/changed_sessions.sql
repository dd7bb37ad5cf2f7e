-- staging._changed: the sessions whose inputs changed since the last build, by kind: a body of that kind
-- ('detail', 'events', 'children') or a list record ('list') landed anew, gone or new, under the session it names
-- now and the one it named then; and 'named': every session a changed detail or children body named when it was
-- last built (a children body that drops a child, a detail that claimed another id). Each per-session file
-- takes the kinds it reads (files marked "Incremental", see the loader).
-- Grain: one row per (kind, session id).
-- Inputs: staging._inputs; staging._built_inputs (what the last build read); staging.stg_session_details and
-- staging.stg_session_children as the last build left them.
create or replace table staging._changed as
with changed as (
    select
        coalesce(now.kind, built.kind) as kind,
        now.session_id as now_id,
        built.session_id as built_id
    from staging._inputs as now
    full join staging._built_inputs as built on built.kind = now.kind and built.key = now.key
    where now.run_id is distinct from built.run_id
        or now.fetched_at is distinct from built.fetched_at
        or now.session_id is distinct from built.session_id
),

bodies as (
    select kind, now_id as session_id from changed where now_id is not null
    union
    select kind, built_id as session_id from changed where built_id is not null
)

select kind, session_id from bodies
union
select 'named' as kind, session_id from staging.stg_session_details
where resource_id in (select session_id from bodies where kind = 'detail')
union
select 'named' as kind, session_id from staging.stg_session_children
where session_id is not null and requested_parent_id in (select session_id from bodies where kind = 'children');
