"""DuckDB's memory limit and spill folder reach every connection: the writer's work file and the readers."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from quint_reports.cli import build_parser, main
from quint_reports.commands import export_resources
from quint_reports.exceptions import ConfigError
from quint_reports.settings import DEFAULT_MEMORY_LIMIT, Resources
from quint_reports.warehouse.publish import WorkDatabase, connect


def shown(limit: str | None) -> str:
    """How DuckDB shows ``limit`` once set (it normalises 300MB to 286.1 MiB); None: its own default."""
    with duckdb.connect() as con:
        if limit is not None:
            con.execute(f"set memory_limit = '{limit}'")
        return str(con.execute("select current_setting('memory_limit')").fetchone()[0])  # type: ignore[index]


def settings_of(con: duckdb.DuckDBPyConnection) -> tuple[str, str]:
    row = con.execute("select current_setting('memory_limit'), current_setting('temp_directory')").fetchone()
    assert row is not None
    return str(row[0]), str(row[1])


def publish_empty(db: Path) -> None:
    with WorkDatabase(db) as work:
        assert work.con is not None
        work.con.execute("create table t as select 1 as x")
        work.publish()


def test_the_work_connection_and_readers_take_the_default_limit_and_spill_beside_the_database(tmp_path: Path) -> None:
    db = tmp_path / "quint.duckdb"
    with WorkDatabase(db) as work:
        assert work.con is not None
        limit, temp = settings_of(work.con)
        # the writer runs unattended: no progress bar in the job's output
        assert work.con.execute("select current_setting('enable_progress_bar')").fetchone() == (False,)
        work.con.execute("create table t as select 1 as x")
        work.publish()
    assert limit == shown(DEFAULT_MEMORY_LIMIT) != shown(None)
    assert Path(temp) == tmp_path / "quint.duckdb.work.tmp"
    con = connect(db)
    try:
        limit, temp = settings_of(con)
    finally:
        con.close()
    assert limit == shown(DEFAULT_MEMORY_LIMIT)
    assert Path(temp).parent == tmp_path and Path(temp).name.startswith("quint.duckdb.read-")


def test_arguments_and_environment_reach_the_connections(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db, spill = tmp_path / "quint.duckdb", tmp_path / "spill"
    with WorkDatabase(db, Resources("300MB", spill)) as work:
        assert work.con is not None
        assert settings_of(work.con) == (shown("300MB"), str(spill / "quint.duckdb.work.tmp"))
    publish_empty(db)
    con = connect(db, memory_limit="200MB", temp_dir=spill)
    try:
        limit, temp = settings_of(con)
    finally:
        con.close()
    assert limit == shown("200MB") and Path(temp).parent == spill
    monkeypatch.setenv("QUINT_MEMORY_LIMIT", "250MB")
    monkeypatch.setenv("QUINT_TEMP_DIR", str(spill))
    con = connect(db)
    try:
        limit, temp = settings_of(con)
    finally:
        con.close()
    assert limit == shown("250MB") and Path(temp).parent == spill


def test_the_cli_options_reach_the_readers_and_a_bad_size_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("QUINT_MEMORY_LIMIT", "QUINT_TEMP_DIR"):  # recorded, so what the CLI exports is undone
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    db = tmp_path / "quint.duckdb"
    publish_empty(db)
    assert main(["check", "--db", str(db), "--memory-limit", "lots"]) == ConfigError.exit_code
    assert "memory limit must be a size" in capsys.readouterr().err
    main(["state", "show", "--db", str(db)])  # takes no resource options: the environment stays as it was
    with pytest.raises(SystemExit):
        main(["state", "show", "--db", str(db), "--memory-limit", "1GB"])
    export_resources(build_parser().parse_args(["report", "--db", str(db), "--memory-limit", "150MB"]))
    con = connect(db)
    try:
        assert settings_of(con)[0] == shown("150MB")
    finally:
        con.close()
