-- int_tagged_score_days: how many scored events have each risk score, per model, platform and UTC day: what the
-- grouped marts' percentiles count (int_window_score_counts_between), without reading the events again.
-- Grain: one row per (model, platform, day, risk_score) with at least one scored event.
-- Inputs: int_tagged_events; staging._retag.
-- Incremental: summed per (model, platform, day, risk_score) from staging.int_tagged_events, for the sessions in staging._retag (see the loader).
-- 100,000 sessions / 5,000,000 events: about 147,000 rows.
create or replace table int_tagged_score_days as
select
    model,
    platform,
    day,
    risk_score,
    count(*)::bigint as events
from int_tagged_events
where risk_score is not null and session_id in (select session_id from _retag)
group by model, platform, day, risk_score;
