-- risk_by_tool: which tools carry the risk: volume, high+critical rate, critical events allowed, blocked share.
-- Grain: one row per tool_name ('(unknown)' when missing); riskiest first (high+critical rate, then critical allowed, then events).
-- Inputs: int_window_grouped_by_item_between (definitions in its header).
-- The table macro risk_by_tool_between(since_ts, until_ts) takes TIMESTAMPTZ bounds on event
-- time, [since_ts, until_ts), NULL meaning open; the view is the macro with both open.
create or replace macro risk_by_tool_between(since_ts, until_ts) as table
select item as tool_name, * exclude (item)
from int_window_grouped_by_item_between(since_ts, until_ts, true)
order by high_critical_rate desc nulls last, critical_allowed_events desc, events desc, tool_name;

create or replace view risk_by_tool as
select * from risk_by_tool_between(null, null);
