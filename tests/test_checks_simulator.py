"""End to end: simulator -> sync -> views -> check_findings equals the simulator's manifest."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from quint_reports import connect, sync
from quint_reports.analysis.checks import check
from quint_reports.settings import Settings, Token
from quint_reports.simulator import Simulator
from quint_reports.warehouse.views import list_views

SimFactory = Callable[..., Simulator]


def synced(sim: Simulator, db: Path) -> Path:
    sync(settings=Settings(api_url=sim.base_url, token=Token(sim.token), db=db, backoff_base=0.02, backoff_max=0.2))
    return db


def pairs(entries: list[dict[str, str]]) -> Counter[tuple[str, str]]:
    return Counter((e["check"], e["session_id"]) for e in entries)


def test_every_planted_defect_is_found_and_nothing_else(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=11, sessions=120, defects=True)
    findings = check(synced(sim, tmp_path / "quint.duckdb"))
    manifest = sim.manifest["defects"]
    assert {e["check"] for e in manifest} == set(findings["check"])  # every kind is planted and found
    assert pairs(findings.to_dict("records")) == pairs(manifest)
    # The summary checks also agree with the manifest on the figures themselves.
    mismatches = (
        "risk_summary.total_events_mismatch",
        "risk_summary.max_risk_mismatch",
        "risk_summary.avg_risk_mismatch",
    )
    figures = Counter(
        (e["check"], e["session_id"], e["expected"], e["actual"]) for e in manifest if e["check"] in mismatches
    )
    found = findings[findings["check"].isin(mismatches)]
    assert (
        Counter(zip(found["check"], found["session_id"], found["expected"], found["actual"], strict=False)) == figures
    )


def test_clean_organisation_gives_no_findings(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=12, sessions=150, defects=False, doc_examples=False)
    db = synced(sim, tmp_path / "quint.duckdb")
    assert check(db).empty
    with connect(db) as con:
        # The simulator rounds avg_risk; the tolerance is exercised, not bypassed.
        rounded = con.execute("select count(*) from session_risk where reported_avg_risk != own_mean_risk").fetchone()[
            0
        ]
        parents = con.execute("select count(*) from session_risk where matches = 'own'").fetchone()[0]
    assert rounded > 50
    assert parents > 5


def test_documented_examples_alone_are_found(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=13, sessions=40, defects=False)
    findings = check(synced(sim, tmp_path / "quint.duckdb"))
    assert pairs(findings.to_dict("records")) == pairs(sim.manifest["defects"])
    assert len(findings) == 4


def test_published_views_open_in_the_duckdb_cli(quint_simulator: SimFactory, tmp_path: Path) -> None:
    db = synced(quint_simulator(seed=14, sessions=30, defects=True), tmp_path / "quint.duckdb")
    script = " ".join(
        f"select '{name}', count(*) > 0 from {name};"
        for name in list_views()
        if name
        not in ("quarantine", "stg_quarantine", "missing_sessions", "int_event_duplicates", "incomplete_sessions")
    )
    out = subprocess.run(
        [str(Path(sys.executable).parent / "duckdb"), "-readonly", "-csv", "-noheader", str(db), "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert {line.split(",")[1] for line in out.split()} == {"true"}


def test_findings_stay_exact_across_incremental_syncs(quint_simulator: SimFactory, tmp_path: Path) -> None:
    sim = quint_simulator(seed=15, sessions=80, defects=True)
    db = synced(sim, tmp_path / "quint.duckdb")
    sim.advance(0.5)
    sim.add_sessions(15)
    findings = check(synced(sim, db))
    assert pairs(findings.to_dict("records")) == pairs(sim.manifest["defects"])
    with connect(db) as con:
        assert con.execute("select count(*) from sessions").fetchone() == (sim.manifest["sessions"],)
        assert con.execute("select count(*) from events").fetchone() == (sim.manifest["events"],)
