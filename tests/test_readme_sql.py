"""Every ```sql block of the README runs in the DuckDB shell, read-only, on a synced simulated database."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from report_db import simulated_db

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"^```sql\n(.*?)^```", README.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
"""The README's SQL examples, in order."""


def duckdb_cli() -> Path:
    """The duckdb shell installed beside this interpreter (what ``duckdb -readonly quint.duckdb`` runs)."""
    return Path(sys.executable).parent / "duckdb"


def run_readonly(db: Path, sql: str) -> subprocess.CompletedProcess[str]:
    """Run ``sql`` through the shell on ``db`` opened read-only, CSV output with headers."""
    return subprocess.run(
        [str(duckdb_cli()), "-readonly", "-csv", str(db), "-c", sql],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return simulated_db(tmp_path_factory.getbasetemp())


def test_the_readme_has_its_examples() -> None:
    assert len(BLOCKS) >= 3  # the "Three ad-hoc queries" at least


def test_a_failing_statement_is_caught(db: Path) -> None:
    """Controls: an unknown view and a write both fail the shell, so a broken example cannot pass."""
    assert run_readonly(db, "select 1 as ok; select * from no_such_view;").returncode != 0
    assert run_readonly(db, "create table scratch (a integer);").returncode != 0


@pytest.mark.parametrize("sql", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_sql_block_runs_read_only(db: Path, sql: str) -> None:
    done = run_readonly(db, sql)
    assert done.returncode == 0 and not done.stderr, done.stderr
    # Every statement printed at least its CSV header (it ran), even when no row matched.
    statements = [s for s in sql.split(";") if s.strip()]
    assert len(done.stdout.splitlines()) >= len(statements)
