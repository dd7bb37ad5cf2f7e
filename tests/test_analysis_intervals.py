"""The marts' 95% intervals hold their level on data whose events cluster within sessions.

A benchmark-style check of the method (see "How the statistics work" in the README): many
simulated groups with a known true rate and no true trend, where each session draws its own
high+critical rate from a beta distribution and its own number of events, go through the real
SQL in one query (each group is a "model"); the intervals must cover the truth in about 95% of
the groups. Intervals that treated events as independent would not, on the same data.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from tests.fixtures.raw import RawLanding, applied, resummed

GROUPS = 1200
"""Simulated repetitions, all in one query (the coverage's standard error is about 0.6%)."""
TRUE_RATES = (0.05, 0.1, 0.3)
CONCENTRATION = 12.0
"""a + b of each session's beta(a, b) rate: within-session correlation about 1 / 13."""
SESSIONS = (30, 150)
"""Sessions per group, drawn uniformly in this range."""
EVENTS_MEAN = 10
"""Mean events per session (one plus a geometric count: most sessions short, a few long)."""
DAYS = 21
HIGH, LOW = 90, 5
"""The score of a high+critical event and of any other; a session's events share one of DAYS days."""


def simulated_sessions(seed: int = 12) -> tuple[pd.DataFrame, dict[str, float]]:
    """One row per simulated session (group, events, high+critical events, day), and each group's true rate."""
    rng = np.random.default_rng(seed)
    truth = {f"g{j:04d}": TRUE_RATES[j % len(TRUE_RATES)] for j in range(GROUPS)}
    group = np.repeat(np.arange(GROUPS), rng.integers(SESSIONS[0], SESSIONS[1] + 1, size=GROUPS))
    p_true = np.array(list(truth.values()))[group]
    rate = rng.beta(p_true * CONCENTRATION, (1 - p_true) * CONCENTRATION)
    events = 1 + rng.negative_binomial(1, 1 / EVENTS_MEAN, size=len(group))  # heavy-tailed
    frame = pd.DataFrame(
        {
            "session": np.arange(len(group)),
            "grp": group,
            "events": events,
            "hits": rng.binomial(events, rate),
            "day": rng.integers(0, DAYS, size=len(group)),
        }
    )
    return frame, truth


EVENTS = f"""
with sessions as materialized (
    -- Per session first: building the text and timestamps per event would take seconds.
    select
        's' || session as session_id,
        'g' || lpad(grp::varchar, 4, '0') as model,
        timestamptz '2026-04-01 00:00:00+00' + to_days(day::integer) as event_at,
        date '2026-04-01' + day::integer as day,
        events,
        hits
    from simulated
)

select
    session_id,
    model,
    'sim' as platform,
    true as is_root,
    event_at,
    day,
    case when i < hits then {HIGH} else {LOW} end as risk_score,
    case when i < hits then 'Critical' else 'None' end as risk_level,
    'allow' as decision,
    'FILE_READ' as action_type,
    'cat' as tool_name
from (select *, unnest(range(events)) as i from sessions)
"""
"""The sessions' events, shaped like int_tagged_events: the first ``hits`` of each are high+critical."""


PAIRED = 90
"""Groups compared pairwise (every ordered pair: 8,010 rows)."""


@pytest.fixture(scope="session")
def marts() -> Iterator[tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]]:
    con = applied(RawLanding())
    frame, truth = simulated_sessions()
    columns = [c for (c,) in con.sql("select column_name from (describe int_tagged_events)").fetchall()]
    con.register("simulated", frame)
    # The narrow table every risk mart scans, filled with the simulation instead of a sync.
    con.execute(f"insert into int_tagged_events select {', '.join(columns)} from ({EVENTS})")
    resummed(con)
    by_model = con.sql("select * from risk_by_model").df()
    con.execute("delete from int_tagged_events where model >= ?", [f"g{PAIRED:04d}"])
    resummed(con)
    pairs = con.sql("select * from risk_by_model_pair").df()
    con.close()
    yield by_model, pairs, truth


def test_every_group_is_there_with_enough_data_for_a_trend(
    marts: tuple[pd.DataFrame, pd.DataFrame, dict[str, float]],
) -> None:
    by_model, _, truth = marts
    assert sorted(by_model["model"]) == sorted(truth)
    assert by_model["trend_slope"].notna().all()


def test_rate_intervals_cover_the_true_rate(marts: tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]) -> None:
    by_model, _, truth = marts
    true = by_model["model"].map(truth)
    covered = (by_model["high_critical_ci_low"] <= true) & (true <= by_model["high_critical_ci_high"])
    assert covered.mean() >= 0.93, covered.groupby(true).mean()
    assert covered.mean() <= 0.975, "not so wide that it says nothing"
    for rate, share in covered.groupby(true).mean().items():
        assert share >= 0.91, (rate, share)
    # The control: Wilson's interval over events taken as independent misses far more often.
    n = by_model["count_none"] + by_model["count_critical"]
    p, z = by_model["high_critical_rate"], 1.959963984540054
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    naive = ((p + z**2 / (2 * n) - half) / (1 + z**2 / n) <= true) & (
        true <= (p + z**2 / (2 * n) + half) / (1 + z**2 / n)
    )
    assert naive.mean() < 0.85


def test_no_trend_reads_as_no_trend(marts: tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]) -> None:
    """There is no true trend, so the slope's interval covers 0 and the verdict is steady about 95% of the time."""
    by_model, _, _ = marts
    covered = (by_model["trend_slope_ci_low"] <= 0) & (0 <= by_model["trend_slope_ci_high"])
    assert covered.mean() >= 0.93
    assert (by_model["trend"] != "steady").mean() <= 0.07  # a 5% test, give or take its sampling error
    # Treating events as independent, the same slopes would be "significant" far more often.
    assert (by_model["trend_slope"].abs() > 0.1).mean() > 0.2


def test_a_is_riskier_than_b_only_when_it_is(marts: tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]) -> None:
    """Groups of one true rate are told apart about 5% of the time; 5% against 30% always."""
    _, pairs, truth = marts
    assert len(pairs) == PAIRED * (PAIRED - 1)
    rate, other = pairs["model"].map(truth), pairs["other_model"].map(truth)
    same = pairs[rate == other]
    assert (same["verdict"] != "no clear difference").mean() <= 0.08  # measured 7.0%: see the README
    assert (pairs.loc[(rate == 0.05) & (other == 0.3), "verdict"] == "safer").all()
    assert (pairs.loc[(rate == 0.3) & (other == 0.05), "verdict"] == "riskier").all()
    # Antisymmetric: A riskier than B exactly when B is safer than A.
    flipped = pairs.set_index(["other_model", "model"])["verdict"]
    back = pairs.set_index(["model", "other_model"])["verdict"].map({"riskier": "safer", "safer": "riskier"})
    assert (
        back.fillna("no clear difference")
        .sort_index()
        .equals(flipped.rename_axis(["model", "other_model"]).sort_index())
    )
