"""Applies the ``sql/`` view layers to a DuckDB database.

First the record rules (``ingest/rules.py``) as macros in ``main``; then the
layers, in a fixed order, and inside a layer files run by name::

    staging/       stg_*    one per raw endpoint: parse, rename, cast (JSON-heavy ones are tables);
                            the loader adds stg_fetch_status, built from ``ingest/endpoints.py``
    intermediate/  int_*    joins, rollups, the hierarchy walk, the mart macros' building blocks
    marts/                  the stable names analysts query: sessions, events, risk_by_model ...
    checks/        <id>.sql one file per check: a header (id, severity, rule) and one ``select``
                            of ``session_id, item, detail, expected, actual``; the loader unions
                            them into the table ``staging.chk_results``, adding each file's id and severity
    findings/               check_findings and finding_history, over chk_results and _findings

Each layer creates its objects in its schema (``SCHEMAS``): the stable names in
``main``, every building block in ``staging``, except files that create only
macros, which stay in ``main`` (``show tables`` never lists a macro, and a
table macro's body binds where it is called). A name in another schema is
written qualified (``raw.raw_session_bodies``, ``staging.stg_events``), so
every view resolves without a ``search_path``: the ``duckdb`` CLI reads the
file as it is. The files run with no ``search_path`` set, so an unqualified
name from another schema fails here, at apply time, naming its file.

Before the layers the loader creates the macro ``risk_level(score)`` from the risk bands of
:mod:`quint_reports.metrics`; after them it comments every documented view (``marts/``,
``findings/``): the view with its file's header (what it is, and its grain), each column with
its catalogue entry, so ``duckdb_columns()`` and ``duckdb_views()`` explain themselves.

Every statement is ``create or replace``, so applying twice is the same as once.

Files whose header says ``-- Incremental: rebuilt per session, for the sessions in staging.<set>``
build a table from the sessions of that set only: the loader deletes their rows (by ``session_id``,
or the column the header names after ``keyed by``) and inserts them again. Before the layers,
``sql/rebuild/`` fills ``staging._changed``: the sessions whose inputs (a detail, events or children
body, a list record: ``staging._inputs``) were landed anew, are new or went away since the last build
(``staging._built_inputs``), by kind, and the sessions a changed detail or children body named at the
last build (kind ``named``); ``staging._rebuild`` holds those of the events bodies. Each file widens
it by what it reads, in a set it computes itself: ``stg_session_details`` rebuilds the changed detail
bodies (``_redetail``), ``int_sessions_merged`` every session any changed input names now or named
before (``_remerge``), ``int_sessions_walked_to_ancestors`` the sessions whose path reaches a moved
link (``_rewalk``), ``int_tagged_events`` those whose events or tags changed (``_retag``).
Files whose header says ``-- Incremental: summed per (<keys>) from staging.<source>, for the sessions in
staging.<set>`` sum the rows of a per-session table by group: the loader keeps the rows the source loses
when it rebuilds the set's sessions, and adds to the sums what the rebuilt rows give less what the lost
rows gave (a group whose sums reach 0 goes away), so a few sessions cost a few sessions' rows.
A full build puts every session in ``_changed``, and the loader turns each file's
``session_id in (select session_id from _<set>)`` into ``true`` (every session is rebuilt; the
semi-join is the cost).
``stg_events`` is the exception: the sync's writer types each batch's events as it lands them
(:func:`type_events`, for the sessions of ``staging._retype``), and an apply types only what no
writer did, before the layers run.
The build is full when asked, on the first apply, and whenever the signature recorded on
``staging._built_inputs`` differs: it covers those files, ``sql/rebuild/``, the macros they call and
the latest schema migration, so a new release or a migration rebuilds everything.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import duckdb

from quint_reports import metrics
from quint_reports.ingest.endpoints import fetch_status_sql
from quint_reports.ingest.rules import sql_macros
from quint_reports.warehouse.sqlfiles import read_sql, sql_dir

LAYERS: tuple[str, ...] = ("staging", "intermediate", "marts", "checks", "findings")
"""View layers, in the order they are applied (``checks`` holds the check files, see ``checks()``)."""

SCHEMAS: dict[str, str] = {
    "staging": "staging",
    "intermediate": "staging",
    "marts": "main",
    "checks": "staging",
    "findings": "main",
}
"""Layer -> the schema its tables and views are created in."""

CHECK_RESULTS = f"{SCHEMAS['checks']}.chk_results"
"""The table the loader builds from the check files: every check's offending rows.

A table, not a view: planning the union costs more than running it on most databases, and
every reader of ``check_findings`` would pay it again; the rows change only when views are applied."""

FETCH_STATUS = f"{SCHEMAS['staging']}.stg_fetch_status"
"""The view the loader builds from the endpoint declarations."""

_CHECK_HEADER = re.compile(r"-- (?P<id>[a-z_]+\.[a-z_]+): (?P<rule>.+)\n-- Severity: (?P<severity>error|warning)\n")


@dataclass(frozen=True)
class Check:
    """One check, declared by its file ``sql/checks/<id>.sql``."""

    id: str
    severity: str
    rule: str
    """The header's first line: what the check reports."""
    path: Path

    def select(self) -> str:
        """The file's ``select`` of ``session_id, item, detail, expected, actual``."""
        return self.path.read_text(encoding="utf-8").strip().rstrip(";")


_CREATES = re.compile(r"create\s+or\s+replace\s+(view|table|macro)\s+([a-z_][a-z0-9_]*)", re.IGNORECASE)


def sql_files() -> list[Path]:
    """Return every file that creates views, in the order ``apply_views`` runs them (not the check files)."""
    root = sql_dir()
    return [path for layer in LAYERS if layer != "checks" for path in sorted((root / layer).glob("*.sql"))]


@cache
def checks() -> tuple[Check, ...]:
    """Every check declared in ``sql/checks/``, by id.

    Raises:
        ValueError: a file lacks the header, or its id is not its file name.
    """
    found = []
    for path in sorted((sql_dir() / "checks").glob("*.sql")):
        match = _CHECK_HEADER.match(path.read_text(encoding="utf-8"))
        if match is None or match["id"] != path.stem:
            raise ValueError(
                f"checks/{path.name}: must open with '-- {path.stem}: <rule>' and '-- Severity: error|warning'"
            )
        found.append(Check(match["id"], match["severity"], match["rule"], path))
    return tuple(found)


def check_results_sql() -> str:
    """The ``create table chk_results`` statement: the union of every check file."""
    parts = [
        f"select '{c.id}' as \"check\", '{c.severity}' as severity, session_id, coalesce(item, '') as item, "
        f"detail, expected, actual\nfrom (\n{c.select()}\n)"
        for c in checks()
    ]
    return f"create or replace table {CHECK_RESULTS} as\n" + "\nunion all\n".join(parts) + ";"


def created_objects(path: Path) -> list[tuple[str, str]]:
    """Return the ``(kind, name)`` pairs a SQL file creates, in order."""
    return [(kind.lower(), name.lower()) for kind, name in _CREATES.findall(path.read_text(encoding="utf-8"))]


def schema_of(path: Path) -> str:
    """The schema a layer file creates its objects in (a file of macros only: ``main``)."""
    if all(kind == "macro" for kind, _ in created_objects(path)):
        return "main"
    return SCHEMAS[path.parent.name]


def list_views() -> list[str]:
    """Return the views (and tables) the ``sql/`` layers create, in apply order; qualified outside ``main``.

    A name starting with ``_`` is a file's bookkeeping (what the last apply built), not data: left out."""

    def qualified(path: Path, name: str) -> str:
        schema = schema_of(path)
        return name if schema == "main" else f"{schema}.{name}"

    names = [
        qualified(path, name)
        for path in sql_files()
        for kind, name in created_objects(path)
        if kind != "macro" and not name.startswith("_")
    ]
    before = [n for n in names if n not in _AFTER_CHECKS]
    return [FETCH_STATUS, *before, CHECK_RESULTS, *[n for n in names if n in _AFTER_CHECKS]]


_AFTER_CHECKS = ("check_findings", "finding_history")


_INCREMENTAL = "-- Incremental: "
"""The header line of a file whose table is rebuilt only for the sessions of a set (``staging._rebuild`` unless it
names another), or summed from the rows a per-session table rebuilt for them (``_SUMMED``)."""

_SUMMED = re.compile(
    r"-- Incremental: summed per \((?P<keys>[a-z_, ]+)\) from staging\.(?P<source>[a-z_][a-z0-9_]*), "
    r"for the sessions in staging\.(?P<table>[a-z_][a-z0-9_]*)"
)


def is_incremental(path: Path) -> bool:
    """Whether a layer file builds a table that an apply may rebuild in part (per session, or its sums by group)."""
    return _is_incremental(path.read_text(encoding="utf-8"))


def _is_incremental(text: str) -> bool:
    return any(line.startswith(_INCREMENTAL) for line in text.splitlines())


@dataclass(frozen=True)
class Summed:
    """A file's table of sums by group over a per-session table, declared by its header (see ``_SUMMED``)."""

    name: str
    keys: tuple[str, ...]
    source: str
    """The per-session table it sums, rebuilt earlier in the same apply."""

    @property
    def removed(self) -> str:
        """The temporary table with the rows the source lost in this apply (kept by ``_as_increment``)."""
        return f"temp.main._removed_{self.source}"


def summed(path: Path) -> Summed | None:
    """The file's declaration of sums by group, or None for a file of another kind."""
    found = _SUMMED.search(path.read_text(encoding="utf-8"))
    if found is None:
        return None
    return Summed(path.stem, tuple(k.strip() for k in found["keys"].split(",")), found["source"])


def apply_views(con: duckdb.DuckDBPyConnection, *, full: bool = False, column_comments: bool = True) -> bool:
    """Apply every ``sql/`` layer to ``con``; the raw_* tables must already exist.

    Args:
        con: a read-write connection to the database to build the views in.
        full: rebuild every per-session table from all the raw bodies, whatever changed.
        column_comments: comment each documented view's columns too (a DuckLake catalog
            comments views, not their columns).

    Returns:
        True when the per-session tables were rebuilt in full, False when only for the changed sessions.

    Raises:
        duckdb.Error: when a file fails; the message names the file.
    """
    root = sql_dir()
    _create_macros(con)
    _run(con, fetch_status_sql(), "stg_fetch_status (from quint_reports.ingest.endpoints)", SCHEMAS["staging"])
    signature = _signature(con)
    full = full or _built_signature(con) != signature
    rebuild_scope(con, full=full)
    type_events(con, macros=False)
    sums = {path.stem: summed(path) for path in sql_files()}
    summed_sources = {s.source for s in sums.values() if s is not None}
    for layer in LAYERS:
        if layer == "checks":
            _apply_checks(con)
            continue
        for path in sorted((root / layer).glob("*.sql")):
            if path == _typed_file():
                continue
            text = path.read_text(encoding="utf-8")
            incremental = _is_incremental(text)
            if incremental and full:
                text = _SCOPE.sub("true", text)
            elif (sums_of := sums.get(path.stem)) is not None:
                text = _as_delta(con, text, sums_of)
            elif incremental:
                text = _as_increment(text, path.stem, keep_removed=path.stem in summed_sources)
            _run(con, text, f"{layer}/{path.name}", schema_of(path))
    for source in summed_sources:  # the rows the sources lost: summed, no longer needed
        con.execute(f"drop table if exists temp.main._removed_{source}")  # names from the layer files, not data
    _run(con, comments_sql(con, columns=column_comments), "the view comments")
    built = "rebuild/built_inputs.sql" if full else "rebuild/built_changed.sql"
    _run(con, read_sql(built), built)
    con.execute(f"comment on table staging._built_inputs is {_literal(signature)}")
    return full


def rebuild_scope(con: duckdb.DuckDBPyConnection, *, full: bool) -> None:
    """Fill ``staging._changed`` and ``staging._rebuild``: every session in a full build, else those whose inputs
    differ from what the last build read (``staging._built_inputs``)."""
    for name in ("inputs", "all_changed" if full else "changed_sessions", "rebuilt_sessions"):
        _run(con, read_sql(f"rebuild/{name}.sql"), f"rebuild/{name}.sql")


def type_events(con: duckdb.DuckDBPyConnection, *, landed: bool = False, macros: bool = True) -> bool:
    """Bring ``staging.stg_events`` up to date with the landed events bodies; True when it was typed from scratch.

    Its rows are a function of a session's events body and ``stg_events.sql``: a session is retyped when its
    body is not the one its rows came from (``_typed_events``), everything when the table is missing or the
    file, its macros or the schema changed (the signature on ``_typed_events``). ``full=True`` of an apply
    does not retype: it would parse again what is typed already.

    Args:
        con: a read-write connection; the caller holds the transaction.
        landed: the sync's writer: type the bodies of the registered relation ``LANDED`` (bodies it just
            landed), read from it, not from ``raw.raw_session_bodies``, whose scan reads every body's text.
            Otherwise (an apply) compare every landed body with what was typed.
        macros: create the macros the file calls first (an apply has just done so).
    """
    if macros:
        _create_macros(con)
    path = _typed_file()
    text = path.read_text(encoding="utf-8")
    signature = _digest([*_base_parts(con), text])
    _run(con, read_sql("rebuild/typed_events_table.sql"), "rebuild/typed_events_table.sql")
    if _comment(con, "_typed_events") != signature or _comment(con, "stg_events") is None:
        _run(con, read_sql("rebuild/retyped_all.sql"), "rebuild/retyped_all.sql")
        _run(con, _SCOPE.sub("true", text), f"staging/{path.name}", SCHEMAS["staging"])
        whole = True
    else:
        scope = "rebuild/retyped_batch.sql" if landed else "rebuild/retyped_sessions.sql"
        _run(con, read_sql(scope), scope)
        if landed:
            assert _BODIES in text, f"{path.name} reads {_BODIES}"
            text = text.replace(_BODIES, f"from {LANDED}")
        _run(con, _as_increment(text, path.stem), f"staging/{path.name}", SCHEMAS["staging"])
        whole = False
    _run(con, read_sql("rebuild/typed_events.sql"), "rebuild/typed_events.sql")
    con.execute(f"comment on table staging._typed_events is {_literal(signature)}")
    return whole


LANDED = "landed_events"
"""The relation the sync's writer registers with the events bodies it just landed (see ``type_events``)."""

_BODIES = "from raw.raw_session_bodies"


def _typed_file() -> Path:
    return sql_dir() / "staging" / "stg_events.sql"


def _create_macros(con: duckdb.DuckDBPyConnection) -> None:
    """The macros the layer files call: the record rules, and ``risk_level`` from the risk bands."""
    _run(con, sql_macros(), "the rules of quint_reports.ingest.rules")
    _run(con, metrics.risk_level_macro(), "the risk_level macro (quint_reports.metrics.BANDS)")


def _base_parts(con: duckdb.DuckDBPyConnection) -> list[str]:
    """What every per-session table depends on besides its file: the macros and the schema's migration."""
    return [sql_macros(), metrics.risk_level_macro(), str(_migration(con))]


_SCOPE = re.compile(r"\bsession_id in \(select session_id from _[a-z][a-z0-9_]*\)")
"""How a per-session file limits what it reads to the rebuilt sessions (of ``_rebuild``, or of a set the file
computes). A full build rebuilds every session, so there the loader makes it ``true``: the semi-join of every event
costs ~1 s a file at 5,000,000 events."""

_REBUILD_SET = re.compile(
    r"-- Incremental: rebuilt per session, for the sessions in staging\.(?P<table>[a-z_][a-z0-9_]*)"
    r"(?:, keyed by (?P<key>[a-z_][a-z0-9_]*))?"
)


def _creates(name: str) -> re.Pattern[str]:
    return re.compile(rf"create\s+or\s+replace\s+table\s+{name}\s+as\s+(?P<select>.*?);", re.IGNORECASE | re.DOTALL)


def _as_increment(text: str, name: str, *, keep_removed: bool = False) -> str:
    """Turn ``create or replace table <name> as <select>`` into: delete the rebuilt sessions' rows, insert them.

    The sessions are those of the table the header names (``staging._rebuild`` unless it says otherwise), found in
    the rows' ``session_id`` unless it names another column (``keyed by resource_id``); other tables the file
    creates (its own bookkeeping) are left as they are. ``keep_removed``: first copy the rows it deletes into
    a temporary table (:attr:`Summed.removed`), for the sums over it."""
    found = _REBUILD_SET.search(text)
    scope, key = (found["table"], found["key"] or "session_id") if found else ("_rebuild", "session_id")
    rebuilt = f"{key} in (select session_id from {scope})"
    keep = f"create or replace temp table _removed_{name} as select * from {name} where {rebuilt};\n"
    return _creates(name).sub(
        lambda m: (
            (keep if keep_removed else "") + f"delete from {name} where {rebuilt};\ninsert into {name}\n{m['select']};"
        ),
        text,
    )


def _as_delta(con: duckdb.DuckDBPyConnection, text: str, sums: Summed) -> str:
    """Turn ``create or replace table <name> as <select>`` into: add to the sums what the select gives over the
    rebuilt rows of the source, less what it gives over the rows the source lost; drop the groups left at 0.

    In place, group by group: a table written anew is flushed to the file at the commit (1 s after 1% of
    100,000 sessions changed), a few thousand changed groups go to the WAL."""
    found = _creates(sums.name).search(text)
    assert found is not None, f"{sums.name}.sql creates the table {sums.name}"
    select = found["select"]
    lost = re.sub(rf"\b{sums.source}\b", sums.removed, select)
    keys = ", ".join(sums.keys)
    measures = [
        column[0]
        for column in con.execute(f"select * from {SCHEMAS['intermediate']}.{sums.name} limit 0").description or ()
        if column[0] not in sums.keys
    ]
    delta, name = f"temp.main._delta_{sums.name}", sums.name
    same = " and ".join(f"{name}.{k} is not distinct from d.{k}" for k in sums.keys)
    return (
        f"create or replace temp table _delta_{name} as\n"
        f"select {keys}, {', '.join(f'sum({m})::bigint as {m}' for m in measures)}\nfrom (\n"
        f"    ({select})\n"
        f"    union all by name\n"
        f"    select * replace ({', '.join(f'-{m} as {m}' for m in measures)}) from ({lost})\n"
        f")\ngroup by {keys}\nhaving {' or '.join(f'sum({m}) <> 0' for m in measures)};\n"
        f"update {name} set {', '.join(f'{m} = {name}.{m} + d.{m}' for m in measures)}\n"
        f"from {delta} as d where {same};\n"
        f"insert into {name} by name\nselect * from {delta} as d\n"
        f"where not exists (select 1 from {name} where {same});\n"
        f"delete from {name} where {' and '.join(f'{m} = 0' for m in measures)};\n"
        f"drop table {delta};"
    )


def layer_signature() -> str:
    """What the views ``apply_views`` builds depend on besides the tables they read: every file it runs and
    every statement it derives (rules, risk bands, fetch status, the check union). Unchanged tables and an
    unchanged signature give the same views."""
    parts = [sql_macros(), metrics.risk_level_macro(), fetch_status_sql(), check_results_sql()]
    parts += [path.read_text(encoding="utf-8") for path in [*sql_files(), *_rebuild_files()]]
    return _digest(parts)


def _digest(parts: list[str]) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _signature(con: duckdb.DuckDBPyConnection) -> str:
    """What the per-session tables depend on besides the raw bodies: their files, the files that say which sessions
    to rebuild (``sql/rebuild/``), the macros, the schema."""
    parts = _base_parts(con)
    parts += [path.read_text(encoding="utf-8") for path in sql_files() if is_incremental(path)]
    parts += [path.read_text(encoding="utf-8") for path in _rebuild_files()]
    return _digest(parts)


def _rebuild_files() -> list[Path]:
    """The files that say which sessions an apply rebuilds (``sql/rebuild/``): part of both signatures."""
    return sorted((sql_dir() / "rebuild").glob("*.sql"))


def _migration(con: duckdb.DuckDBPyConnection) -> int | None:
    try:
        row = con.execute("select max(version) from internal._schema_migrations").fetchone()
    except duckdb.CatalogException:  # a database made without the migration runner (tests' fixtures)
        return None
    return row[0] if row else None


def _built_signature(con: duckdb.DuckDBPyConnection) -> str | None:
    return _comment(con, "_built_inputs")


def _comment(con: duckdb.DuckDBPyConnection, table: str) -> str | None:
    """The comment on a table of ``staging`` (a name from this module): '' without one, None when it is missing."""
    row = con.execute(
        "select coalesce(comment, '') from duckdb_tables() where database_name = current_database() "
        "and schema_name = 'staging' and table_name = ?",
        [table],
    ).fetchone()
    return None if row is None else row[0]


def documented_views() -> dict[str, str]:
    """``{view: comment}`` for every view of the documented layers, the comment from its file's header.

    The comment is the header's first sentence (``-- <view>: ...`` up to the line ending in a
    full stop) and its ``Grain:`` line.
    """
    found = {}
    for layer in metrics.DOCUMENTED_LAYERS:
        for path in sorted((sql_dir() / layer).glob("*.sql")):
            header = _header(path)
            for kind, name in created_objects(path):
                if kind == "view":
                    found[name] = header
    return found


def _header(path: Path) -> str:
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].strip())
    summary: list[str] = []
    for line in lines:
        summary.append(line)
        if line.endswith("."):
            break
    text = " ".join(summary).partition(": ")[2]
    grain = next((line for line in lines if line.startswith("Grain:")), "")
    return f"{text} {grain}".strip()


def comments_sql(con: duckdb.DuckDBPyConnection, *, columns: bool = True) -> str:
    """``comment on`` statements for every documented view and each of its columns that has a catalogue entry.

    Args:
        con: the connection whose views to comment (their columns are read from it).
        columns: False for the views' comments only.
    """
    views = documented_views()
    statements = [f"comment on view {view} is {_literal(text)};" for view, text in views.items()]
    if not columns:
        return "\n".join(statements)
    # Each view's columns from its own (empty) result: in a full re-apply on a database that had its views,
    # duckdb_columns() took 0.44 s of a 1.5 s apply (2,000 sessions); this takes 0.06 s (no change on a new one).
    found = [
        (view, column[0])
        for view in views  # names from the layer files, never from data
        for column in con.execute(f"select * from {view} limit 0").description or ()
    ]
    for view, column in found:
        try:
            entry = metrics.metric(column, view)
        except KeyError:  # a column without an entry stays uncommented; tests/test_metrics.py fails on it
            continue
        statements.append(f'comment on column {view}."{column}" is {_literal(entry.description)};')
    return "\n".join(statements)


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _apply_checks(con: duckdb.DuckDBPyConnection) -> None:
    schema = SCHEMAS["checks"]
    try:
        _run(con, check_results_sql(), "checks/", schema)
    except duckdb.Error:
        # The union's error names no file: find the check that fails on its own.
        for c in checks():
            _run(con, f"select * from ({c.select()}) limit 0", f"checks/{c.path.name}", schema)
        raise


def _run(con: duckdb.DuckDBPyConnection, sql: str, label: str, schema: str = "main") -> None:
    """Run one file's SQL with ``schema`` as the default, then give the connection its search path back."""
    before = con.execute("select current_setting('search_path')").fetchone()
    try:
        if schema != "main":
            con.execute(f"set schema = '{schema}'")  # a name from SCHEMAS, never from data
        con.execute(sql)
    except duckdb.Error as exc:
        if schema != "main":
            # In a failed transaction setting the path back fails too ("transaction is aborted"), which must
            # not replace the file's error; the caller rolls back, then the path is reset as below.
            with contextlib.suppress(duckdb.Error):
                _reset_path(con, before)
        raise type(exc)(f"{label}: {exc}") from exc
    if schema != "main":
        _reset_path(con, before)


def _reset_path(con: duckdb.DuckDBPyConnection, before: tuple[object, ...] | None) -> None:
    con.execute("reset schema")
    if before and before[0]:  # `reset schema` clears a search path the caller had set
        con.execute("set search_path = '" + str(before[0]).replace("'", "''") + "'")
