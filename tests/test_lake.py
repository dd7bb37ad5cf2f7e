"""The DuckLake target against a real PostgreSQL catalog and a local data folder, with real processes."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import papermill
import pytest
from lake_servers import PASSWORD, S3, Postgres, _bin, postgres, s3  # noqa: F401  (the session fixtures)
from readme import blocks
from test_sync import assert_truth, settings_for
from test_sync_processes import cli

from quint_reports import connect, sync
from quint_reports.simulator import Faults, Simulator
from quint_reports.warehouse import sqlfiles
from quint_reports.warehouse.lake import PACKAGES, load_extensions, publish_lake, resolve_lake
from quint_reports.warehouse.publish import work_path
from quint_reports.warehouse.views import list_views

SimFactory = Callable[..., Simulator]
SYNCED = pytest.mark.xdist_group("lake-synced")
"""The tests that read the module's one synced lake share a worker; the others spread (each worker its own PostgreSQL)."""
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def lake_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """The catalog's password as users pass it: in the environment, never on a command line."""
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    for name in ("QUINT_LAKE", "QUINT_LAKE_DATA"):
        monkeypatch.delenv(name, raising=False)


def rows(con: duckdb.DuckDBPyConnection, view: str) -> list[tuple[object, ...]]:
    """A view's rows, sorted by their non-float values, then floats to 6 digits."""

    def key(row: tuple[object, ...]) -> tuple[str, ...]:
        return tuple(f"{v:.6g}" if isinstance(v, float) else repr(v) for v in row)

    return sorted(con.execute(f"select * from {view}").fetchall(), key=key)


def same(a: object, b: object) -> bool:
    """Equal, floats within 1e-9 relative (a sum's last bits depend on the order it is added in)."""
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def assert_same_views(db: Path, lake_url: str) -> None:
    """Every view and mart the file has, the lake has, row for row."""
    with connect(db) as file_con, connect(lake=lake_url) as lake_con:
        for view in list_views():
            got, want = rows(lake_con, view), rows(file_con, view)
            assert len(got) == len(want), view
            for g, w in zip(got, want, strict=True):
                assert len(g) == len(w) and all(same(x, y) for x, y in zip(g, w, strict=True)), (view, g, w)


def raw_rows(target: str | Path) -> list[tuple[object, ...]]:
    with connect(str(target)) as con:
        return rows(con, "raw.raw_session_bodies") + rows(con, "raw.raw_session_list")


@pytest.fixture(scope="session")
def synced(postgres: Postgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Simulator, Path, str]]:  # noqa: F811
    """One organisation synced by the CLI into a file and a lake, then changed and synced again."""
    os.environ["PGPASSWORD"] = PASSWORD  # module scope: the autouse fixture is per test
    folder = tmp_path_factory.mktemp("lake")
    url = postgres.new_lake_url()
    with Simulator(seed=31, sessions=60, defects=True) as sim:
        db = folder / "quint.duckdb"
        args = ("sync", "--db", str(db), "--lake", url, "--lake-data", str(folder / "data"), "--no-progress")
        first = cli(sim, *args)
        out, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
        yield sim, db, url


@SYNCED
def test_a_sync_into_the_lake_equals_the_sync_into_the_file_view_by_view(
    synced: tuple[Simulator, Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim, db, url = synced
    assert_same_views(db, url)
    assert_truth(url, sim)  # type: ignore[arg-type]  # the lake holds exactly what the API serves
    sim.add_sessions(8)
    sim.advance(0.5)
    before = len(raw_rows(url))
    with connect(lake=url) as con:
        snapshots = con.execute("select count(*) from ducklake_snapshots('quint')").fetchone()
    result = publish_lake(db, resolve_lake(url))  # nothing changed in the file: nothing is written
    assert (result.inserted, result.deleted, result.views_rebuilt, result.copied) == (0, 0, False, False)
    assert set(result.phases) == {"open", "check"}  # no transaction was opened
    with connect(lake=url) as con:  # and no snapshot made
        assert con.execute("select count(*) from ducklake_snapshots('quint')").fetchone() == snapshots
    # No row changed but a layer file did (a new release): the views are rebuilt from it.
    sql = tmp_path / "sql"
    shutil.copytree(sqlfiles.sql_dir(), sql)
    mart = sql / "marts" / "risk_by_model.sql"
    mart.write_text(mart.read_text(encoding="utf-8") + "\n-- a later release\n", encoding="utf-8")
    monkeypatch.setenv("QUINT_SQL_DIR", str(sql))
    sqlfiles.sql_dir.cache_clear()
    try:
        result = publish_lake(db, resolve_lake(url))
    finally:
        monkeypatch.delenv("QUINT_SQL_DIR")
        sqlfiles.sql_dir.cache_clear()
    assert (result.inserted, result.deleted, result.views_rebuilt, result.copied) == (0, 0, True, False)
    # A write in place, against the house rules (the sync replaces the file): the publish compares again. It lands
    # the row with a fetch time of its own, as every landing does: the views follow the inputs by run and time. The
    # bodies table has no primary key (migration 7): the key declared for it matches its row all the same.
    for write in (
        "update raw.raw_session_list set record = record || ' ', fetched_at = now() "
        "where record_key = (select min(record_key) from raw.raw_session_list)",
        "update raw.raw_session_bodies set fetched_at = now() where kind = 'detail' "
        "and session_id = (select min(session_id) from raw.raw_session_bodies where kind = 'detail')",
    ):
        with duckdb.connect(str(db)) as con:
            con.execute(write)
        result = publish_lake(db, resolve_lake(url))
        assert (result.copied, result.inserted, result.deleted) == (True, 1, 1), write
    again = cli(sim, "sync", "--db", str(db), "--lake", url, "--no-progress")
    _, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert_same_views(db, url)
    assert_truth(url, sim)  # type: ignore[arg-type]
    assert len(raw_rows(url)) > before
    # One snapshot per publish that writes: create, the views rebuilt, the two writes in place, the second sync.
    with connect(lake=url) as con:
        assert con.execute("select count(*) from ducklake_snapshots('quint')").fetchone()[0] == 6  # type: ignore[index]


@SYNCED
def test_plain_duckdb_attaches_the_lake_and_sees_the_documented_views(synced: tuple[Simulator, Path, str]) -> None:
    _, db, url = synced
    con = duckdb.connect()
    load_extensions(con, ("ducklake", "postgres_scanner"))
    con.execute(f"attach '{url}' as lake (read_only)")
    comments = dict(
        con.execute("select view_name, comment from duckdb_views() where database_name = 'lake'").fetchall()
    )
    assert comments["risk_by_model"] and "model" in comments["risk_by_model"]
    with connect(db) as file_con:
        expected = file_con.execute("select count(*) from sessions").fetchone()
    assert con.execute("select count(*) from lake.main.sessions").fetchone() == expected


@SYNCED
def test_maintenance_expires_old_snapshots_and_keeps_the_latest(synced: tuple[Simulator, Path, str]) -> None:
    sim, db, url = synced

    def snapshots() -> int:
        with connect(lake=url) as con:
            return con.execute("select count(*) from ducklake_snapshots('quint')").fetchone()[0]  # type: ignore[index]

    assert snapshots() >= 2
    refused = cli(sim, "lake", "maintain", "--lake", url, "--keep", "forever")
    assert refused.communicate(timeout=60) and refused.returncode == 2
    done = cli(sim, "lake", "maintain", "--lake", url, "--keep", "0 minutes")
    out, err = done.communicate(timeout=120)
    assert done.returncode == 0, err
    assert "lake maintained" in out
    assert snapshots() == 1  # every older snapshot expired; the latest stays readable
    assert_same_views(db, url)


@SYNCED
def test_check_report_and_a_notebook_run_against_the_lake(synced: tuple[Simulator, Path, str], tmp_path: Path) -> None:
    sim, db, url = synced
    env = {**os.environ}
    by_lake = subprocess.run(
        [sys.executable, "-m", "quint_reports", "check", "--db", url, "--format", "json", "--fail-on", "never"],
        capture_output=True,
        text=True,
        env=env,
    )
    by_file = subprocess.run(
        [sys.executable, "-m", "quint_reports", "check", "--db", str(db), "--format", "json", "--fail-on", "never"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert by_lake.returncode == 0, by_lake.stderr
    assert json.loads(by_lake.stdout) == json.loads(by_file.stdout) and json.loads(by_lake.stdout)
    report = subprocess.run(
        [sys.executable, "-m", "quint_reports", "report", "--db", url, "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        env=env,
    )
    assert report.returncode == 0, report.stderr
    assert "<script>alert" not in (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    assert PASSWORD not in report.stdout + report.stderr + by_lake.stderr
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "risk_overview.ipynb"),
        str(tmp_path / "out.ipynb"),
        parameters={"db": url},
        kernel_name="python3",
        progress_bar=False,
    )
    assert PASSWORD not in (tmp_path / "out.ipynb").read_text(encoding="utf-8")


def test_two_concurrent_nightly_writers_leave_one_whole_snapshot(
    postgres: Postgres,  # noqa: F811
    quint_simulator: SimFactory,
    tmp_path: Path,
) -> None:
    url = postgres.new_lake_url()
    sims = [quint_simulator(seed=41, sessions=40), quint_simulator(seed=42, sessions=40)]
    dbs = [tmp_path / "a.duckdb", tmp_path / "b.duckdb"]
    data = str(tmp_path / "data")
    writers = [
        cli(
            sim,
            "nightly",
            "--db",
            str(db),
            "--out",
            str(db) + ".report",
            "--fail-on",
            "never",
            "--lake",
            url,
            "--lake-data",
            data,
        )  # fmt: skip
        for sim, db in zip(sims, dbs, strict=True)
    ]
    errors = [w.communicate(timeout=120)[1] for w in writers]
    outcomes = [(w.returncode, err) for w, err in zip(writers, errors, strict=True)]
    codes = [code for code, _ in outcomes]
    assert 0 in codes and set(codes) <= {0, 6}, outcomes
    for code, err in outcomes:
        if code == 6:
            assert "another writer published to the lake" in err
    lake = raw_rows(url)
    assert lake in (raw_rows(dbs[0]), raw_rows(dbs[1]))  # never a mix of the two
    winner = dbs[0] if lake == raw_rows(dbs[0]) else dbs[1]
    assert_same_views(winner, url)


def test_readers_during_a_nightly_and_kill_9_of_a_writer(
    postgres: Postgres,  # noqa: F811
    quint_simulator: SimFactory,
    tmp_path: Path,
) -> None:
    url = postgres.new_lake_url()
    sim = quint_simulator(seed=51, sessions=50)
    db = tmp_path / "quint.duckdb"
    lake = resolve_lake(url, tmp_path / "data")
    assert lake is not None
    sync(settings=settings_for(sim, db))
    publish_lake(db, lake)
    states = {len(raw_rows(url))}
    before = raw_rows(url)

    reader_code = (
        "import sys, time, quint_reports\n"
        "seen = set()\n"
        "end = time.monotonic() + float(sys.argv[2])\n"
        "while time.monotonic() < end:\n"
        "    with quint_reports.connect(lake=sys.argv[1]) as con:\n"
        "        a = con.execute('select count(*) from raw.raw_session_bodies').fetchone()[0]\n"
        "        b = con.execute('select count(*) from raw.raw_session_list').fetchone()[0]\n"
        "        seen.add(a + b)\n"
        "print(sorted(seen))\n"
    )
    sim.add_sessions(15)
    sim.advance(0.5)
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", reader_code, url, "8"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    nightly = cli(sim, "nightly", "--db", str(db), "--out", str(tmp_path / "r"), "--fail-on", "never", "--lake", url)
    _, err = nightly.communicate(timeout=120)
    assert nightly.returncode == 0, err
    states.add(len(raw_rows(url)))
    for reader in readers:
        out, rerr = reader.communicate(timeout=60)
        assert reader.returncode == 0, rerr
        assert set(json.loads(out)) <= states  # the snapshot before the run or after it, nothing between
    assert_truth(url, sim)  # type: ignore[arg-type]

    # kill -9 while the writer publishes into the lake: the last snapshot stays, the next run completes.
    after_nightly = raw_rows(url)
    sim.add_sessions(15)
    sim.advance(0.5)
    sim.faults = Faults(latency_ms=20)
    writer = cli(sim, "sync", "--db", str(db), "--lake", url, "--no-progress", "--concurrency", "2")
    deadline = time.monotonic() + 60
    while not work_path(db).exists() and writer.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    while work_path(db).exists() and writer.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # the file is published: the lake's publish has begun
    time.sleep(0.05)
    assert writer.poll() is None, writer.communicate()  # still publishing (a publish takes over a second)
    writer.send_signal(signal.SIGKILL)
    writer.communicate(timeout=30)
    assert raw_rows(url) == after_nightly != before
    sim.faults = Faults()
    rerun = cli(sim, "sync", "--db", str(db), "--lake", url, "--no-progress")
    _, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert_truth(url, sim)  # type: ignore[arg-type]
    assert_same_views(db, url)


def test_a_lake_with_its_data_in_s3(
    synced: tuple[Simulator, Path, str],
    postgres: Postgres,  # noqa: F811
    s3: S3,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, db, _ = synced
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "QUINT_S3_ENDPOINT": s3.endpoint,
        "QUINT_S3_USE_SSL": "false",
    }.items():
        monkeypatch.setenv(name, value)
    url = postgres.new_lake_url()
    lake = resolve_lake(url, f"s3://{s3.bucket}/quint")
    assert lake is not None
    publish_lake(db, lake)
    assert any(key.startswith("quint/") and key.endswith(".parquet") for key in s3.keys())
    assert_same_views(db, url)


def test_a_missing_extension_package_is_named_and_a_password_in_the_url_refused() -> None:
    from quint_reports.exceptions import ConfigError

    with pytest.raises(ConfigError, match="PGPASSWORD"):
        resolve_lake("ducklake:postgres:dbname=q password=hunter2")
    PACKAGES["nosuch"] = "duckdb-extension-nosuch"
    try:
        with pytest.raises(ConfigError, match="install the package duckdb-extension-nosuch"):
            load_extensions(duckdb.connect(), ("nosuch",))
    finally:
        del PACKAGES["nosuch"]


def test_the_readme_team_setup_runs_as_written(postgres: Postgres, tmp_path: Path) -> None:  # noqa: F811
    """The Team setup section, line by line, against this PostgreSQL: only its host and folder are ours.

    The lines run in one shell, in order, from a folder whose ``.venv`` is this environment, the
    server's superuser in PGHOST/PGPORT/PGUSER (as on the database host); ``createuser --pwprompt``
    reads the new role's password from stdin (no terminal). The role and database get names of their
    own here, since the test server's superuser is already called ``quint``.
    """
    (shell,) = [text for language, text in blocks(team_setup=True) if language == "sh"]
    (python,) = [text for language, text in blocks(team_setup=True) if language == "python"]

    def ours(text: str) -> str:
        text = text.replace("host=db.internal", f"host=127.0.0.1 port={postgres.port}")
        text = text.replace("/srv/lake/data", str(tmp_path / "data")).replace(
            "PGPASSWORD=...", f"PGPASSWORD={PASSWORD}"
        )
        text = re.sub(r"\bquint_lake\b", "readme_lake", text)
        return re.sub(r"(user=|--pwprompt |--owner )quint\b", r"\1readme", text)

    commands = [line for line in ours(shell).splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert len(commands) >= 7
    script = "".join(f'{line}\necho "rc=$? {n}"\n' for n, line in enumerate(commands))
    (tmp_path / ".venv").symlink_to(sys.prefix)
    with Simulator(seed=5, sessions=40, end=datetime.now(timezone.utc)) as sim:
        env = {
            **os.environ,
            "PATH": f"{Path(_bin('createdb')).parent}{os.pathsep}{os.environ['PATH']}",
            "PGHOST": "127.0.0.1",
            "PGPORT": str(postgres.port),
            "PGUSER": "quint",
            "QUINT_API_URL": sim.base_url,
            "QUINT_API_TOKEN": sim.token,
        }
        done = subprocess.run(
            ["bash", "-c", script],
            input=f"{PASSWORD}\n{PASSWORD}\n",
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            start_new_session=True,  # no controlling terminal: createuser reads the password from stdin
        )
    codes = {int(n): int(rc) for rc, n in re.findall(r"^rc=(\d+) (\d+)$", done.stdout, re.MULTILINE)}
    assert sorted(codes) == list(range(len(commands))), done.stdout + done.stderr
    for n, line in enumerate(commands):
        # 1 is "ran, with findings at or above --fail-on": the simulator always serves the docs' own defects.
        allowed = {0, 1} if re.search(r"quint-reports (nightly|check)", line) else {0}
        assert codes[n] in allowed, (line, done.stderr)
    assert "lake maintained" in done.stdout and (tmp_path / "report" / "index.html").is_file()
    assert PASSWORD not in (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    url = f"ducklake:postgres:dbname=readme_lake host=127.0.0.1 port={postgres.port} user=readme"
    assert_same_views(tmp_path / "quint.duckdb", url)

    code = ours(python).replace(
        "quint_reports.risk_by_model(con, days=30)", "_ = quint_reports.risk_by_model(con, days=30)"
    )
    assert "_ = quint_reports.risk_by_model" in code
    shown = subprocess.run(
        [sys.executable, "-c", code + "\nprint(len(_))"],
        env={**os.environ, "PGPASSWORD": PASSWORD},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shown.returncode == 0, shown.stderr
    assert int(shown.stdout.split()[-1]) > 0  # rows, from the lake


OPEN_FOR_WRITING = """
import sys
from quint_reports.warehouse.lake import open_lake, resolve_lake
open_lake(resolve_lake(sys.argv[1], sys.argv[2]), read_only=False).close()
"""


def test_two_writers_creating_a_new_lake_at_once_both_open_it(postgres: Postgres, tmp_path: Path) -> None:  # noqa: F811
    """Both create the catalog's tables at the same moment; the loser's CREATE collides, and it retries."""
    for n in range(4):
        url = postgres.new_lake_url()
        pair = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN_FOR_WRITING, url, str(tmp_path / f"data{n}")],
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        errors = [writer.communicate(timeout=60)[1] for writer in pair]
        assert [writer.returncode for writer in pair] == [0, 0], errors
