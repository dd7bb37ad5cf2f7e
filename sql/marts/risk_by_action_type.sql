-- risk_by_action_type: which action types carry the risk: volume, high+critical rate, critical events allowed, blocked share.
-- Grain: one row per action_type ('(unknown)' when missing); riskiest first (high+critical rate, then critical allowed, then events).
-- Inputs: int_window_grouped_by_item_between (definitions in its header).
-- The table macro risk_by_action_type_between(since_ts, until_ts) takes TIMESTAMPTZ bounds on event
-- time, [since_ts, until_ts), NULL meaning open; the view is the macro with both open.
create or replace macro risk_by_action_type_between(since_ts, until_ts) as table
select item as action_type, * exclude (item)
from int_window_grouped_by_item_between(since_ts, until_ts, false)
order by high_critical_rate desc nulls last, critical_allowed_events desc, events desc, action_type;

create or replace view risk_by_action_type as
select * from risk_by_action_type_between(null, null);
