"""Incremental per-session tables: after syncs that change part of the organisation, every view
equals what a full rebuild from the same raw tables gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from quint_reports import sync
from quint_reports.ingest import store as store_module
from quint_reports.ingest import sync as sync_module
from quint_reports.ingest.endpoints import PER_SESSION
from quint_reports.settings import Settings, Token
from quint_reports.simulator import Simulator
from quint_reports.warehouse import views
from quint_reports.warehouse.views import apply_views, documented_views, is_incremental, sql_files

REBUILT = [f"staging.{path.stem}" for path in sql_files() if is_incremental(path)] + [
    "staging._walked_nodes",
    "staging._tagged_owners",
    "staging._built_inputs",
]
"""The per-session tables, and the bookkeeping the next apply starts from, compared besides the documented views."""

PATHS = {endpoint.kind: endpoint.path for endpoint in PER_SESSION}
"""Kind -> the path a sync lands its bodies under (the ``endpoint`` column)."""


def settings_for(sim: Simulator, db: Path) -> Settings:
    return Settings(
        api_url=sim.base_url, token=Token(sim.token), db=db, backoff_base=0.02, backoff_max=0.2, batch_size=40
    )


def differences(db: Path, tmp: Path) -> dict[str, tuple[int, int]]:
    """``{view: (rows only as built, rows only in a full rebuild)}`` for each view that differs."""
    copy = tmp / "full.duckdb"
    shutil.copyfile(db, copy)
    views = [*documented_views(), *REBUILT]
    with duckdb.connect(str(copy)) as con:
        for i, view in enumerate(views):
            con.execute(f"create temp table built_{i} as select * from {view}")
        # From scratch: stg_events is typed anew only when nothing says from which bodies it was.
        con.execute("drop table staging._typed_events")
        assert apply_views(con, full=True) is True
        found = {}
        for i, view in enumerate(views):
            columns = ", ".join(
                _comparable(name, kind) for name, kind, *_ in con.execute(f"describe {view}").fetchall()
            )
            counts = tuple(
                con.execute(
                    f"select count(*) from (select {columns} from {a} except all select {columns} from {b})"
                ).fetchone()[0]  # type: ignore[index]
                for a, b in ((f"built_{i}", view), (view, f"built_{i}"))
            )
            if counts != (0, 0):
                found[view] = counts
    copy.unlink()
    return found


def _comparable(name: str, kind: str) -> str:
    # A sum of doubles depends on the order the threads add them in: compare to 9 significant digits.
    quoted = '"' + name.replace('"', '""') + '"'
    return f"round({quoted}, 9 - ceil(log10(abs({quoted}) + 1e-300))::int)" if kind == "DOUBLE" else quoted


def rebuilt_and_total(db: Path) -> tuple[int, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "select (select count(*) from staging._rebuild), "
            "(select count(*) from raw.raw_session_bodies where kind = 'events')"
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def test_incremental_syncs_build_what_a_full_rebuild_builds(quint_simulator: object, tmp_path: Path) -> None:
    sim = quint_simulator(seed=7, sessions=60, defects=True)  # type: ignore[operator]
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    rebuilt, total = rebuilt_and_total(db)
    assert rebuilt == total > 0  # the first build is a full one
    assert differences(db, tmp_path) == {}

    for step in (lambda: (sim.add_sessions(6), sim.advance(0.5)), lambda: sim.advance(0.3), lambda: None):
        step()
        sync(settings=settings_for(sim, db))
        rebuilt, total = rebuilt_and_total(db)
        assert rebuilt < total  # only what changed was rebuilt
        assert differences(db, tmp_path) == {}


def test_a_session_retagged_without_new_events_is_rebuilt_as_in_full(quint_simulator: object, tmp_path: Path) -> None:
    """A detail record that changes a session's model, or makes a child a root, while its events
    body stays as it was: the events carry the new tags, as a full rebuild gives them."""
    sim = quint_simulator(seed=11, sessions=40)  # type: ignore[operator]
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    with duckdb.connect(str(db)) as con:
        renamed, orphaned = (
            sid
            for (sid,) in con.execute(
                "select session_id from staging.int_sessions_merged where source = 'detail' "
                "and session_id in (select session_id from staging.int_tagged_events) "
                "order by parent_id is null, session_id limit 2"
            ).fetchall()
        )
        con.execute(
            "update raw.raw_session_bodies set body = json_merge_patch(body, ?), fetched_at = now() "
            "where kind = 'detail' and session_id = ?",
            ['{"model": "renamed-model"}', renamed],
        )
        con.execute(
            "update raw.raw_session_bodies set body = json_merge_patch(body, ?), fetched_at = now() "
            "where kind = 'detail' and session_id = ?",
            ['{"parent_id": null}', orphaned],
        )
        assert apply_views(con) is False  # incremental: no events body changed
        assert con.execute("select count(*) from staging._rebuild").fetchone() == (0,)
        retagged = {sid for (sid,) in con.execute("select session_id from staging._retag").fetchall()}
        assert {renamed, orphaned} <= retagged and len(retagged) < 40
        models = con.execute(
            "select distinct model from staging.int_tagged_events where session_id = ?", [renamed]
        ).fetchall()
        assert models == [("renamed-model",)]
    assert differences(db, tmp_path) == {}


class Landing:
    """Lands bodies and list records in a database's raw tables as a sync's writer would (the row of a resource
    replaced, with this run's id and fetch time), and deletes them as a full sync's prune does."""

    def __init__(self, con: duckdb.DuckDBPyConnection, run_id: str) -> None:
        self.con, self.run_id = con, run_id

    def body(self, kind: str, session_id: str) -> Any:
        row = self.con.execute(
            "select body from raw.raw_session_bodies where kind = ? and session_id = ?", [kind, session_id]
        ).fetchone()
        assert row is not None, (kind, session_id)
        return json.loads(row[0])

    def land(self, kind: str, session_id: str, body: Any) -> None:
        """Replace the session's body of that kind, as the landing does (delete and insert: no key index)."""
        self.con.execute("delete from raw.raw_session_bodies where kind = ? and session_id = ?", [kind, session_id])
        self.con.execute(
            "insert into raw.raw_session_bodies (kind, session_id, run_id, fetched_at, endpoint, http_status, body) "
            "values (?, ?, ?, now(), ?, 200, ?)",
            [kind, session_id, self.run_id, PATHS[kind], json.dumps(body)],
        )

    def patch(self, kind: str, session_id: str, **fields: Any) -> None:
        self.land(kind, session_id, {**self.body(kind, session_id), **fields})

    def relist(self, session_id: str, **fields: Any) -> None:
        self.con.execute(
            "update raw.raw_session_list set record = json_merge_patch(record, ?), run_id = ?, fetched_at = now() "
            "where session_id = ?",
            [json.dumps(fields), self.run_id, session_id],
        )

    def prune(self, session_id: str, *kinds: str) -> None:
        """Delete the session's bodies of those kinds (all, and its list records, when none is named)."""
        self.con.execute(
            "delete from raw.raw_session_bodies where session_id = ? and (kind in ? or len(?) = 0)",
            [session_id, list(kinds), list(kinds)],
        )
        if not kinds:
            self.con.execute("delete from raw.raw_session_list where session_id = ?", [session_id])


def one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None, sql
    return row[0]


def test_changed_details_children_and_links_are_rebuilt_as_in_full(quint_simulator: object, tmp_path: Path) -> None:
    """The tables built from detail, children and list inputs follow each kind of change a sync can land, each
    rebuilt only for the sessions it touches: a changed detail, a reparented session with descendants, a parent's
    children body that serves a new child and later drops it, a new child of an old parent, a detail claiming
    another id, a pruned parent, a detail gone while the list record stays, a changed list record."""
    sim = quint_simulator(seed=12, sessions=50, defects=True)  # type: ignore[operator]
    db = tmp_path / "quint.duckdb"
    sync(settings=settings_for(sim, db))
    sessions = "select session_id from staging.int_sessions_merged where source = 'detail'"
    with duckdb.connect(str(db)) as con:
        total = one(con, "select count(*) from staging.int_sessions_merged")
        middle = one(  # a session with a parent and children of its own
            con,
            f"select min(ancestor_id) from staging.int_sessions_walked_to_ancestors where distance = 1 "
            f"and ancestor_id in (select session_id from staging.int_sessions_merged where parent_id is not null) "
            f"and session_id in ({sessions})",
        )
        parents = [  # parents with a children body, outside middle's tree
            sid
            for (sid,) in con.execute(
                "select session_id from raw.raw_session_bodies where kind = 'children' and http_status = 200 "
                "and session_id not in (select session_id from staging.int_sessions_walked_to_ancestors "
                "where ? in (session_id, ancestor_id)) "
                "and session_id not in (select ancestor_id from staging.int_sessions_walked_to_ancestors "
                "where session_id = ?) order by session_id",
                [middle, middle],
            ).fetchall()
        ]
        leaves = [
            sid
            for (sid,) in con.execute(
                f"{sessions} and parent_id is null and session_id not in "
                "(select coalesce(parent_id, '') from staging.int_sessions_merged) order by session_id"
            ).fetchall()
        ]
        adopter, dropper, pruned = parents[:3]
        changed, claimer, listed_only, root = leaves[:4]
        assert len({middle, adopter, dropper, pruned, changed, claimer, listed_only, root}) == 8

        night = Landing(con, "edit-1")
        night.patch("detail", changed, model="renamed-model", state="running", ended_at=None)
        night.patch("detail", middle, parent_id=root)
        served_only = {**night.body("children", dropper)["children"][0], "id": "served-only-as-child"}
        night.land("children", dropper, {"children": [*night.body("children", dropper)["children"], served_only]})
        newborn = {**night.body("detail", changed), "id": "new-child-of-an-old-parent", "parent_id": adopter}
        night.land("detail", newborn["id"], newborn)
        night.land("events", newborn["id"], night.body("events", changed))
        record = {key: value for key, value in newborn.items() if key not in ("children", "risk_summary", "signing_id")}
        night.land("children", adopter, {"children": [*night.body("children", adopter)["children"], record]})
        night.patch("detail", claimer, id="claimed-by-another-body")
        assert apply_views(con) is False
        rebuilt = dict(con.execute("select kind, count(*) from staging._changed group by kind").fetchall())
        assert rebuilt == {"detail": 4, "events": 1, "children": 2, "named": rebuilt["named"]}, rebuilt
        assert one(con, "select count(*) from staging._remerge") < total / 2
        walked = {sid for (sid,) in con.execute("select session_id from staging._rewalk").fetchall()}
        assert middle in walked and len(walked) < total / 2
        assert one(con, "select count(*) from staging.int_sessions_merged where session_id = 'served-only-as-child'")
    assert differences(db, tmp_path) == {}

    with duckdb.connect(str(db)) as con:
        night = Landing(con, "edit-2")
        kept = [child for child in night.body("children", dropper)["children"] if child["id"] != served_only["id"]]
        night.land("children", dropper, {"children": kept})
        night.patch("detail", claimer, id=claimer)
        night.prune(pruned)
        night.prune(listed_only, "detail", "events")
        night.relist(listed_only, model="relisted-model")
        assert apply_views(con) is False
        assert one(con, "select count(*) from staging._remerge") < total / 2
        gone = "select count(*) from staging.{} where session_id = ?"
        for table in ("int_sessions_merged", "int_sessions_walked_to_ancestors", "int_sessions_settled"):
            assert con.execute(gone.format(table), [pruned]).fetchone() == (0,), table
        assert con.execute(gone.format("int_sessions_merged"), [served_only["id"]]).fetchone() == (0,)
        assert con.execute(
            "select source, model from staging.int_sessions_merged where session_id = ?", [listed_only]
        ).fetchall() == [("list", "relisted-model")]
    assert differences(db, tmp_path) == {}


def typed(db: Path) -> tuple[int, int]:
    """(sessions retyped by the last apply, sessions typed) of a published database."""
    with duckdb.connect(str(db), read_only=True) as con:
        row = con.execute(
            "select (select count(*) from staging._retype), (select count(*) from staging._typed_events)"
        ).fetchone()
    assert row is not None
    return row[0], row[1]


def test_events_are_typed_as_they_land_and_the_apply_types_none_again(
    quint_simulator: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sync's writer types the events as it lands them (every TYPE_SESSIONS sessions, and after the last
    batch); the apply after it finds every session typed, first run and incremental ones alike, and what the
    writer typed is what typing from scratch gives."""
    sim = quint_simulator(seed=8, sessions=90, defects=True)  # type: ignore[operator]
    db = tmp_path / "quint.duckdb"
    monkeypatch.setattr(sync_module, "TYPE_SESSIONS", 30)
    real = store_module.Store.type_events
    typings: list[int] = []

    def counted(self: store_module.Store, run_id: str, bodies: list[Any]) -> bool:
        typings.append(len(bodies))
        return real(self, run_id, bodies)

    monkeypatch.setattr(store_module.Store, "type_events", counted)
    sync(settings=settings_for(sim, db))  # 40 sessions a batch: three batches
    assert len(typings) >= 2 and min(typings[:-1]) >= 30, typings  # while fetching, and the rest at the end
    retyped, sessions = typed(db)
    assert retyped == 0 and sessions == rebuilt_and_total(db)[1] > 0
    sim.add_sessions(5)
    sim.advance(0.5)
    sync(settings=settings_for(sim, db))
    assert typed(db)[0] == 0
    assert differences(db, tmp_path) == {}
    with duckdb.connect(str(db)) as con:  # as if stg_events.sql or its macros had changed since
        con.execute("comment on table staging._typed_events is 'an earlier release'")
        assert views.type_events(con) is True
        assert con.execute("select count(*) from staging._retype").fetchone() == (sessions + 5,)


def test_a_failed_typing_as_they_land_leaves_it_to_the_apply(
    quint_simulator: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A typing that fails in the writer costs nothing: the batch stays landed, the apply types it."""
    sim = quint_simulator(seed=9, sessions=50)  # type: ignore[operator]
    db = tmp_path / "quint.duckdb"
    real = views.type_events
    calls = []

    def fails_once(con: duckdb.DuckDBPyConnection, **kw: Any) -> bool:
        calls.append(bool(kw.get("landed")))
        if kw.get("landed") and len(calls) == 1:
            con.execute("select error('stg_events: disk full')")
        return real(con, **kw)

    monkeypatch.setattr(store_module, "type_events", fails_once)
    monkeypatch.setattr(views, "type_events", fails_once)
    result = sync(settings=settings_for(sim, db))
    assert result.status == "success"
    assert calls[:2] == [True, False], "no batch is typed after a failure; the apply types"
    assert "typing the events as they land failed" in caplog.text
    retyped, sessions = typed(db)
    assert retyped == sessions == rebuilt_and_total(db)[1]
    assert differences(db, tmp_path) == {}


def test_every_per_session_file_limits_what_it_reads_in_the_phrase_the_loader_knows() -> None:
    """An incremental apply relies on it to read only the rebuilt sessions; a full build makes it ``true``."""
    from quint_reports.warehouse.views import _SCOPE

    incremental = [path for path in sql_files() if is_incremental(path)]
    assert len(incremental) >= 3
    for path in incremental:
        assert _SCOPE.search(path.read_text(encoding="utf-8")), path.name
