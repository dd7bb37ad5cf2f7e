"""Verdicts on a live organisation: the simulator changes while the sync reads it, and the checks
tell timing from defects, track findings over time, and alert once per defect."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from quint_reports import connect, sync
from quint_reports.analysis.checks import check, resolved
from quint_reports.cli import main
from quint_reports.ingest.store import Store
from quint_reports.jobs.nightly import nightly
from quint_reports.settings import Settings, Token
from quint_reports.simulator import Simulator

SimFactory = Callable[..., Simulator]
EDGE = r"^[0-9]+-[0-9]{13}$"


def settings_for(sim: Simulator, db: Path) -> Settings:
    return Settings(
        api_url=sim.base_url, token=Token(sim.token), db=db, backoff_base=0.02, backoff_max=0.2, batch_size=40
    )


def planted(sim: Simulator) -> set[tuple[str, str]]:
    return {(d["check"], d["session_id"]) for d in sim.manifest["defects"]}


def found(db: Path, severities: tuple[str, ...] = ("error", "warning")) -> set[tuple[str, str]]:
    frame = check(str(db))
    frame = frame[frame["severity"].isin(severities)]
    return set(zip(frame["check"], frame["session_id"], strict=False))


@pytest.mark.parametrize("seed", [1, 4, 9])
def test_a_sync_while_the_organisation_changes_finds_exactly_the_planted_defects(
    quint_simulator: SimFactory, tmp_path: Path, seed: int
) -> None:
    sim = quint_simulator(seed=seed, sessions=300, defects=True, live=True)
    db = tmp_path / "quint.duckdb"
    before = sim.now
    result = sync(settings=settings_for(sim, db))
    assert sim.now > before, "the organisation moved on during the sync"
    with connect(db) as con:
        running = con.execute("select count(*) from session_risk where status = 'pending'").fetchone()[0]
        unscored_open = con.execute(
            "select count(*) from events join session_risk using (session_id) "
            "where status = 'pending' and risk_score is null"
        ).fetchone()[0]
        edge = con.execute(
            "select count(*) from sessions where regexp_full_match(session_id, ?)", [EDGE[1:-1]]
        ).fetchone()[0]
    assert running > 0 and result.pending == running and result.compared > 0
    assert sum(result.pending_reasons.values()) == result.pending
    assert unscored_open > 0, "some events of running sessions were still unscored"
    assert edge > 0, "edge-form ids were served and landed"
    # Every planted defect is found, and nothing else of error or warning severity.
    assert found(db) == planted(sim)


def test_every_session_is_compared_once_it_has_ended(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=2, sessions=300, defects=True, live=True)
    db = tmp_path / "quint.duckdb"
    first = sync(settings=settings_for(sim, db))
    assert first.pending > 0
    with connect(db) as con:
        pending = {r[0] for r in con.execute("select session_id from session_risk where status = 'pending'").fetchall()}
    sim.end_all()
    with connect(db) as con:
        # The refetch rule on the raw tables covers every session the views call pending.
        assert pending <= set(Store(con).open_session_ids())
    second = sync(settings=settings_for(sim, db))
    assert second.pending == 0 and second.pending_reasons == {}
    with connect(db) as con:
        statuses = dict(con.execute("select status, count(*) from session_risk group by 1").fetchall())
        refetched = {
            r[0]
            for r in con.execute(
                "select session_id from raw.raw_session_bodies where kind = 'detail' and run_id = ?", [second.run_id]
            ).fetchall()
        }
    assert pending <= refetched
    assert set(statuses) <= {"compared", "missing"}
    assert statuses["compared"] == second.compared
    # The clean sessions give no finding of any severity.
    assert found(db, ("error", "warning")) == planted(sim)
    assert len(check(str(db))) == len(planted(sim)), "no finding of another severity either"


def test_nightly_on_a_clean_live_organisation_exits_0(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=5, sessions=250, live=True, doc_examples=False)
    token = tmp_path / "token"
    token.write_text(sim.token)
    token.chmod(0o600)
    db = tmp_path / "quint.duckdb"
    result = nightly(db, tmp_path / "report", api_url=sim.base_url, token_file=token, fail_on="warning")
    assert result.exit_code == 0 and result.findings == 0
    with connect(db) as con:
        pending = con.execute("select count(*) from session_risk where status = 'pending'").fetchone()[0]
        edge_id = con.execute(
            "select session_id from sessions where regexp_full_match(session_id, ?) limit 1", [EDGE[1:-1]]
        ).fetchone()[0]
        edge_events = con.execute("select count(*) from events where session_id = ?", [edge_id]).fetchone()[0]
    assert pending > 0
    with connect(db) as con:
        # Edge-form ids take part in the hierarchy and the comparison like UUIDs.
        edge_risk = con.execute(
            "select count(*) from session_risk where regexp_full_match(session_id, ?)", [EDGE[1:-1]]
        ).fetchone()[0]
        edge_links = con.execute(
            "select count(*) from session_edges where regexp_full_match(child_id, ?) "
            "or regexp_full_match(parent_id, ?)",
            [EDGE[1:-1], EDGE[1:-1]],
        ).fetchone()[0]
    assert edge_risk > 0 and edge_links > 0
    html = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert "pending" in html  # the report says how many summaries wait for their sessions to end
    assert edge_events > 0  # edge-form ids join their events like UUIDs


def _findings_cli(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any]]:
    code = main(["check", "--db", str(db), "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_new_and_resolved_findings_across_syncs(
    quint_simulator: SimFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = quint_simulator(seed=3, sessions=120, doc_examples=False)
    db = tmp_path / "quint.duckdb"
    first = sync(settings=settings_for(sim, db))
    assert found(db) == set()
    victim = next(s for s in sim.org.sessions if s.ended_ts is not None and s.n_events > 2)
    true = victim.risk_summary()
    sim.set_summary(victim.id, {**true, "total_events": true["total_events"] + 3})
    second = sync(settings=settings_for(sim, db), full=True)
    frame = check(str(db))
    assert list(zip(frame["check"], frame["session_id"], frame["status"], strict=False)) == [
        ("risk_summary.total_events_mismatch", victim.id, "new")
    ]
    assert frame["first_seen_run"].tolist() == [second.run_id]
    assert _findings_cli(db, capsys, "--fail-on-new")[0] == 1

    third = sync(settings=settings_for(sim, db), full=True)  # seen again: still open, no longer new
    frame = check(str(db))
    assert frame["status"].tolist() == ["open"] and frame["first_seen_run"].tolist() == [second.run_id]
    code, out = _findings_cli(db, capsys, "--fail-on-new")
    assert code == 0 and out["new"] == 0 and len(out["findings"]) == 1
    assert _findings_cli(db, capsys)[0] == 1  # --fail-on alone still fails on the open finding
    with connect(db) as con:
        seen = con.execute("select first_seen_run, last_seen_run, resolved_run from finding_history").fetchall()
    assert seen == [(second.run_id, third.run_id, None)]

    sim.set_summary(victim.id, None)
    fourth = sync(settings=settings_for(sim, db), full=True)
    assert check(str(db)).empty
    gone = resolved(str(db))
    assert list(zip(gone["check"], gone["session_id"], gone["resolved_run"], strict=False)) == [
        ("risk_summary.total_events_mismatch", victim.id, fourth.run_id)
    ]
    code, out = _findings_cli(db, capsys, "--fail-on-new")
    assert code == 0 and [r["session_id"] for r in out["resolved"]] == [victim.id]
    capsys.readouterr()
    main(["check", "--db", str(db)])
    assert "1 resolved since the previous sync" in capsys.readouterr().out
    assert first.run_id < second.run_id < third.run_id < fourth.run_id


def test_nightly_fail_on_new_alerts_once_per_defect(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=8, sessions=120, doc_examples=False)
    victim = next(s for s in sim.org.sessions if s.ended_ts is not None and s.n_events > 2)
    token = tmp_path / "token"
    token.write_text(sim.token)
    token.chmod(0o600)
    db = tmp_path / "quint.duckdb"

    def night(**options: Any) -> int:
        return nightly(db, tmp_path / "report", api_url=sim.base_url, token_file=token, **options).exit_code

    assert night(fail_on_new=True) == 0
    sim.set_summary(victim.id, {**victim.risk_summary(), "max_risk": 101})
    assert night(fail_on_new=True, full=True) == 1  # the defect is new: one alert
    assert night(fail_on_new=True, full=True) == 0  # still there, no longer new: no second alert
    assert night(full=True) == 1  # without the option, every night fails


def test_a_null_fields_summary_with_scored_events_is_reported(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=6, sessions=100, doc_examples=False)
    victim = next(s for s in sim.org.sessions if s.ended_ts is not None and s.n_valid > 0)
    sim.set_summary(victim.id, {"total_events": None, "max_risk": None, "avg_risk": None})
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    assert found(db) == {("risk_summary.null_figures", victim.id)}
