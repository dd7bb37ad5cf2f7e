-- int_tagged_facts_between(since_ts, until_ts): each tagged event in a time window as the counts and sums
-- the per-session aggregates add up (int_tagged_items, int_tagged_scores, int_tagged_session_days), so that
-- an aggregate row and the events it sums are one definition: a table sums these over a session's day, and a
-- window's partial edge days sum them over their events (int_window_by_session_*_between).
-- Grain: one row per distinct event with event_at in [since_ts, until_ts) (a NULL bound is open).
-- Inputs: int_tagged_events.
-- Each measure is 0 or 1 for an event (score_sum and max_risk its score, NULL when unscored); risk_level
-- is NULL exactly when risk_score is (the risk_level macro), so the band counts count scored events.
create or replace macro int_tagged_facts_between(since_ts, until_ts) as table
select
    session_id,
    model,
    platform,
    is_root,
    day,
    action_type,
    tool_name,
    risk_score,
    1::bigint as events,
    (risk_score is not null)::bigint as scored_events,
    risk_score::bigint as score_sum,
    risk_score as max_risk,
    coalesce(risk_level = 'None', false)::bigint as count_none,
    coalesce(risk_level = 'Low', false)::bigint as count_low,
    coalesce(risk_level = 'Medium', false)::bigint as count_medium,
    coalesce(risk_level = 'High', false)::bigint as count_high,
    coalesce(risk_level = 'Critical', false)::bigint as count_critical,
    coalesce(risk_level = 'Critical' and decision = 'allow', false)::bigint as critical_allowed_events,
    coalesce(decision = 'block', false)::bigint as blocked_events,
    (decision is not null)::bigint as decided_events
from staging.int_tagged_events
where (since_ts is null or event_at >= since_ts)
    and (until_ts is null or event_at < until_ts);
