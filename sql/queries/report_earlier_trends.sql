-- report_earlier_trends: the trend verdict of every model and platform over an earlier window,
-- what the report's "trend turned" table compares today's verdicts with.
-- Grain: one row per (kind, name) with a scored event in the window; kind is 'model' or 'platform'.
-- Parameters: $1 since_ts, $2 until_ts (TIMESTAMPTZ or NULL: open). Inputs: int_window_trend_between.
select 'model' as kind, model as name, trend
from int_window_trend_between($1::timestamptz, $2::timestamptz, true, false)
union all
select 'platform' as kind, platform as name, trend
from int_window_trend_between($1::timestamptz, $2::timestamptz, false, true);
