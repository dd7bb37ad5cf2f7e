-- int_window_by_session_score_between(since_ts, until_ts): the window's scored events counted per session,
-- UTC day and risk score: whole days from int_tagged_scores, the partial edge days from the events.
-- Grain: one row per (session_id, day, risk_score) for a whole day; one row per scored event on an edge
-- day. Readers add events up, never count the rows.
-- Inputs: int_tagged_scores, int_tagged_facts_between, int_whole_day_inside.
create or replace macro int_window_by_session_score_between(since_ts, until_ts) as table
select *
from staging.int_tagged_scores
where int_whole_day_inside(day, since_ts, until_ts)
union all by name
select session_id, model, platform, day, risk_score, events
from int_tagged_facts_between(since_ts, until_ts)
where risk_score is not null and not int_whole_day_inside(day, since_ts, until_ts);
