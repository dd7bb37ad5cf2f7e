-- int_whole_day_inside(day, since_ts, until_ts): whether the whole UTC day lies inside the time window
-- [since_ts, until_ts) (a NULL bound is open): its first microsecond at or after since_ts, its end at or
-- before until_ts. Such a day's events are all in the window, so a window takes them from the per-session
-- aggregates; the other days it touches (at most two, the edges) it takes from the events.
-- Grain: a scalar macro. Inputs: none. The day numbers are those of int_tagged_events (epoch arithmetic).
create or replace macro int_whole_day_inside(day, since_ts, until_ts) as
(since_ts is null or day >= date '1970-01-01' + ceil(epoch_us(since_ts::timestamptz) / 86400000000)::integer)
and (until_ts is null or day < date '1970-01-01' + floor(epoch_us(until_ts::timestamptz) / 86400000000)::integer);
