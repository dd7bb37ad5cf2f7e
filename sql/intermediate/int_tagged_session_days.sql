-- int_tagged_session_days: the tagged events summed per session and UTC day: the clusters of the intervals,
-- the sums of the trend's regression and every count and sum of the grouped marts come from these rows.
-- Grain: one row per (session_id, day) with events.
-- Inputs: int_tagged_facts_between; staging._retag.
-- Incremental: rebuilt per session, for the sessions in staging._retag (see the loader).
-- 100,000 sessions / 5,000,000 events: 102,042 rows (sessions rarely cross midnight).
set preserve_insertion_order = false;

create or replace table int_tagged_session_days as
select
    session_id,
    model,
    platform,
    is_root,
    day,
    -- Every measure of int_tagged_facts_between added up (its names kept), the maximum score kept.
    sum(columns(* exclude (session_id, model, platform, is_root, day, action_type, tool_name, risk_score, max_risk)))::bigint,
    max(max_risk) as max_risk
from int_tagged_facts_between(null, null)
where session_id in (select session_id from _retag)
group by session_id, model, platform, is_root, day;

reset preserve_insertion_order;
