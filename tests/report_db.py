"""A simulated organisation synced into DuckDB, built once per test session for the report tests.

The report, browser, notebook and nightly tests all read the same database;
building it once keeps them within their time budget.
"""

from __future__ import annotations

from pathlib import Path

from quint_reports.ingest.sync import sync
from quint_reports.simulator import Simulator

_built: dict[tuple[int, int, bool], Path] = {}


def simulated_db(root: Path, seed: int = 7, sessions: int = 150, defects: bool = True) -> Path:
    """Sync a simulated organisation (hostile strings included when ``defects``) into ``root``; cached."""
    key = (seed, sessions, defects)
    if key not in _built:
        folder = root / f"org-{seed}-{sessions}-{int(defects)}"
        folder.mkdir(parents=True)
        token_file = folder / "token"
        with Simulator(seed=seed, sessions=sessions, defects=defects) as sim:
            token_file.write_text(sim.token)
            db = folder / "quint.duckdb"
            try:
                sync(db, api_url=sim.base_url, token_file=token_file, progress=False)
            finally:
                token_file.unlink()
        _built[key] = db
    return _built[key]
