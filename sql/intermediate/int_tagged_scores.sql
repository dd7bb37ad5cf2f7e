-- int_tagged_scores: how many of a session's scored events on a UTC day have each risk score: scores are
-- integers 0-100, so the percentiles of any set of sessions and days come exactly from these counts.
-- Grain: one row per (session_id, day, risk_score) with a scored event.
-- Inputs: int_tagged_facts_between; staging._retag.
-- Incremental: rebuilt per session, for the sessions in staging._retag (see the loader).
-- 100,000 sessions / 5,000,000 events: 1,643,526 rows.
set preserve_insertion_order = false;

create or replace table int_tagged_scores as
select
    session_id,
    model,
    platform,
    day,
    risk_score,
    count(*)::integer as events
from int_tagged_facts_between(null, null)
where risk_score is not null and session_id in (select session_id from _retag)
group by session_id, model, platform, day, risk_score;

reset preserve_insertion_order;
