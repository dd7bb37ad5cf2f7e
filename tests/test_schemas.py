"""Schemas: main lists only the documented views; the duckdb CLI reads them with no setup."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from quint_reports import sync
from quint_reports.settings import Settings, Token
from quint_reports.simulator import Simulator

SimFactory = Callable[..., Simulator]
ROOT = Path(__file__).parent.parent
DUCKDB_CLI = Path(sys.executable).parent / "duckdb"


def documented_views() -> set[str]:
    """The views listed in docs/DESIGN.md's "Schemas" section."""
    design = (ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")
    section = design.split("### Schemas", 1)[1].split("\n#", 1)[0]
    listed = section.split("main:", 1)[1].split("\n\n", 1)[0]
    return set(re.findall(r"`(\w+)`", listed))


def cli(db: Path, sql: str) -> list[str]:
    """Run ``sql`` in the duckdb CLI on ``db`` opened read-only, with no setup; rows as CSV lines."""
    done = subprocess.run(
        [str(DUCKDB_CLI), "-readonly", "-csv", "-noheader", str(db), "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_main_lists_only_the_documented_views_and_the_cli_reads_each(
    quint_simulator: SimFactory, tmp_path: Path
) -> None:
    db = tmp_path / "quint.duckdb"
    sim = quint_simulator(seed=33, sessions=30, defects=True)
    sync(settings=Settings(api_url=sim.base_url, token=Token(sim.token), db=db, backoff_base=0.01))
    documented = documented_views()
    assert len(documented) >= 14
    assert set(cli(db, "show tables")) == documented
    # Each documented view says what it answers, and so does each of its columns, as the CLI shows them.
    uncommented = "select view_name from duckdb_views() where schema_name = 'main' and not internal and coalesce(comment, '') = ''"
    assert cli(db, uncommented) == []
    bare_columns = (
        "select table_name || '.' || column_name from duckdb_columns() c join duckdb_views() v"
        " on v.view_name = c.table_name and v.schema_name = c.schema_name and v.database_name = c.database_name"
        " where c.schema_name = 'main' and not v.internal and coalesce(c.comment, '') = ''"
    )
    assert cli(db, bare_columns) == []
    assert len(cli(db, "select comment from duckdb_views() where view_name = 'risk_by_model'")) > 0
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    in_readme = set(re.findall(r"^\| `(\w+)` \|", readme.split("## Querying", 1)[1].split("\n## ", 1)[0], re.M))
    assert in_readme == documented
    script = " ".join(f"select '{name}', count(*) >= 0 from {name};" for name in sorted(documented))
    assert {line.split(",")[0] for line in cli(db, script)} == documented
    # The building blocks are reachable qualified, for those who want them.
    assert cli(db, "select count(*) > 0 from raw.raw_session_bodies where kind = 'events'") == ["true"]
    assert cli(db, "select count(*) > 0 from staging.stg_events") == ["true"]
    assert cli(db, "select count(*) > 0 from internal._sync_runs") == ["true"]
