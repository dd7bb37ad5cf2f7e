-- int_t_975(df): the 97.5% quantile of Student's t with df degrees of freedom, the multiplier
-- of a two-sided 95% interval estimated from df + 1 sessions (clusters).
-- Grain: a scalar macro. Inputs: none.
-- df 1 to 5 are tabled; from 6 on a Cornish-Fisher expansion around z = 1.959964 (low by
-- less than 0.0015 at df 6, less than 2e-4 from df 10); NULL or df < 1 gives NULL.
create or replace macro int_t_975(df) as
case
    when df is null or df < 1 then null
    when df = 1 then 12.706204736174698
    when df = 2 then 4.302652729749464
    when df = 3 then 3.182446305284263
    when df = 4 then 2.7764451051977987
    when df = 5 then 2.570581835636314
    else 1.959963984540054
        + (1.959963984540054 ^ 3 + 1.959963984540054) / (4 * df)
        + (5 * 1.959963984540054 ^ 5 + 16 * 1.959963984540054 ^ 3 + 3 * 1.959963984540054) / (96 * df ^ 2)
        + (3 * 1.959963984540054 ^ 7 + 19 * 1.959963984540054 ^ 5 + 17 * 1.959963984540054 ^ 3
            - 15 * 1.959963984540054) / (384 * df ^ 3)
end;
