-- int_tagged_facts_between(since_ts, until_ts): each tagged event in a time window as the counts and sums
-- the per-session aggregate int_tagged_session_days adds up, so that
-- an aggregate row and the events it sums are one definition: a table sums these over a session's day, and a
-- window's partial edge days sum them over their events (int_window_by_session_*_between). INTEGER per
-- event (score_sum BIGINT); the table's sums are BIGINT.
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
    1 as events,
    (risk_score is not null)::integer as scored_events,
    risk_score::bigint as score_sum,
    risk_score as max_risk,
    coalesce(risk_level = 'None', false)::integer as count_none,
    coalesce(risk_level = 'Low', false)::integer as count_low,
    coalesce(risk_level = 'Medium', false)::integer as count_medium,
    coalesce(risk_level = 'High', false)::integer as count_high,
    coalesce(risk_level = 'Critical', false)::integer as count_critical,
    coalesce(risk_level in ('High', 'Critical'), false)::integer as high_critical_events,
    coalesce(risk_level = 'Critical' and decision = 'allow', false)::integer as critical_allowed_events,
    coalesce(decision = 'block', false)::integer as blocked_events,
    (decision is not null)::integer as decided_events
from staging.int_tagged_events
where (since_ts is null or event_at >= since_ts)
    and (until_ts is null or event_at < until_ts);
