-- risk_by_model_pair: is model A riskier than model B? Every ordered pair of models compared on
-- their high+critical rate, with sessions (not events) as the independent units.
-- Grain: one row per ordered pair (model, other_model) of models with a scored event.
-- Inputs: int_window_grouped_overall_between (the rates and their cluster-robust standard errors).
-- The test, stated: difference = rate - other_rate, difference_se = sqrt(se^2 + other_se^2) (the
-- two models' sessions are disjoint, so their estimates are independent), and the 95% interval
-- difference +- t * difference_se with t = int_t_975(the smaller session count - 1). verdict is
-- 'riskier' when the interval lies above 0, 'safer' when below, else 'no clear difference' (a
-- two-sided test at 5%, the same as |difference / difference_se| > t).
-- The table macro risk_by_model_pair_between(since_ts, until_ts) takes TIMESTAMPTZ bounds on event
-- time, [since_ts, until_ts), NULL meaning open; the view is the macro with both open.
create or replace macro risk_by_model_pair_between(since_ts, until_ts) as table
with models as (
    select model, sessions, high_critical_rate, high_critical_se
    from int_window_grouped_overall_between(since_ts, until_ts, true, false)
    where high_critical_rate is not null
),

pairs as (
    select
        a.model,
        b.model as other_model,
        a.sessions,
        b.sessions as other_sessions,
        a.high_critical_rate as rate,
        b.high_critical_rate as other_rate,
        a.high_critical_rate - b.high_critical_rate as difference,
        sqrt(a.high_critical_se ^ 2 + b.high_critical_se ^ 2) as difference_se,
        coalesce(int_t_975(least(a.sessions, b.sessions) - 1), 12.706204736174698) as t
    from models as a
    inner join models as b on a.model <> b.model
),

final as (
    select
        model,
        other_model,
        sessions,
        other_sessions,
        rate,
        other_rate,
        difference,
        difference_se,
        difference - t * difference_se as difference_ci_low,
        difference + t * difference_se as difference_ci_high,
        case
            when difference - t * difference_se > 0 then 'riskier'
            when difference + t * difference_se < 0 then 'safer'
            else 'no clear difference'
        end as verdict
    from pairs
)

select * from final
order by model, other_model;

create or replace view risk_by_model_pair as
select * from risk_by_model_pair_between(null, null);
