"""The metric catalogue and the documented views agree, both ways, and DuckDB shows the comments."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from quint_reports import metrics
from quint_reports.warehouse import sqlfiles
from quint_reports.warehouse.views import apply_views, documented_views
from tests.fixtures.orgs import clean_org
from tests.fixtures.raw import applied


@pytest.fixture(scope="session")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = applied(clean_org())
    yield connection
    connection.close()


def view_columns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, str | None]]:
    return con.execute(
        "select table_name, column_name, comment from duckdb_columns() "
        "where list_contains(?, table_name) order by table_name, column_index",
        [list(documented_views())],
    ).fetchall()


def test_the_documented_views_are_the_marts_and_findings() -> None:
    views = documented_views()
    assert {"sessions", "events", "risk_by_model", "risk_fleet_day", "check_findings", "finding_history"} <= set(views)
    assert not [v for v in views if v.startswith(("stg_", "int_", "raw_", "chk_"))]
    assert all(text and not text.startswith("--") for text in views.values()), views


def test_every_mart_column_has_an_entry_and_every_entry_a_column(con: duckdb.DuckDBPyConnection) -> None:
    columns = view_columns(con)
    missing = []
    used: set[metrics.Metric] = set()
    for view, column, _ in columns:
        try:
            used.add(metrics.metric(column, view))
        except KeyError:
            missing.append(f"{view}.{column}")
    assert not missing, f"columns without a catalogue entry: {missing}"
    unused = [m.name for m in metrics.METRICS if m not in used]
    assert not unused, f"catalogue entries no documented view has: {unused}"
    present = {(view, column) for view, column, _ in columns}
    for entry in metrics.METRICS:  # a scoped entry names only views that have the column
        assert all((view, entry.name) in present for view in entry.views), entry


def test_entries_are_complete() -> None:
    for entry in metrics.METRICS:
        assert entry.label and entry.description and entry.fmt in metrics.Format.__args__, entry
        assert entry.fmt not in ("int", "num", "pct") or entry.unit, f"{entry.name}: a number needs its unit"


def test_duckdb_shows_the_comments(con: duckdb.DuckDBPyConnection) -> None:
    for view, column, comment in view_columns(con):
        assert comment == metrics.metric(column, view).description, (view, column)
    shown = dict(con.execute("select view_name, comment from duckdb_views() where not internal").fetchall())
    for view, header in documented_views().items():
        assert shown[view] == header
    assert "Grain: one row per model." in shown["risk_by_model"]
    assert (
        shown["risk_fleet"].startswith("the risk profile of the whole fleet")
        and "equals that model's row." in (shown["risk_fleet"])
    )


def test_comments_survive_a_second_apply(con: duckdb.DuckDBPyConnection) -> None:
    apply_views(con)
    assert all(comment for _, _, comment in view_columns(con))


def test_the_risk_level_macro_is_the_bands(con: duckdb.DuckDBPyConnection) -> None:
    scores = [*range(0, 101), None]
    got = con.execute("select s, risk_level(s) from unnest(?) t(s)", [scores]).fetchall()
    assert {s: level for s, level in got} == {s: (None if s is None else metrics.band_of(s)) for s in scores}
    assert [metrics.band_of(s) for s in (0, 10, 11, 30, 31, 55, 56, 80, 81, 100)] == [
        "None",
        "None",
        "Low",
        "Low",
        "Medium",
        "Medium",
        "High",
        "High",
        "Critical",
        "Critical",
    ]
    assert metrics.band_of(None) == metrics.band_of(float("nan")) == "Unknown"
    bands = metrics.BANDS
    assert bands[0].low == 0 and bands[-1].high == 100
    assert all(a.high + 1 == b.low for a, b in zip(bands, bands[1:], strict=False))


def test_a_macro_column_reaches_every_mart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new column in the grouped macros appears in every risk mart, with no mart file touched."""
    sql = tmp_path / "sql"
    shutil.copytree(sqlfiles.sql_dir(), sql)
    for name, column in (("overall", "trend"), ("by_day", "ewma_daily_max")):
        path = sql / "intermediate" / f"int_window_grouped_{name}_between.sql"
        text = path.read_text(encoding="utf-8")
        anchor = f" as {column}\n" if name == "by_day" else "'insufficient data') as trend,\n"
        assert text.count(anchor) == 1, name
        added = anchor.rstrip(",\n") + ",\n        42 as answer" + ("," if anchor.endswith(",\n") else "") + "\n"
        path.write_text(text.replace(anchor, added), encoding="utf-8")
    monkeypatch.setenv("QUINT_SQL_DIR", str(sql))
    sqlfiles.sql_dir.cache_clear()
    try:
        con = applied(clean_org())
        for mart in metrics.RISK_MARTS:
            assert "answer" in con.table(mart).columns, mart
            assert {v for (v,) in con.execute(f"select distinct answer from {mart}").fetchall()} == {42}, mart
        con.close()
    finally:
        sqlfiles.sql_dir.cache_clear()


def test_the_report_heads_and_formats_its_tables_from_the_catalogue() -> None:
    from quint_reports.reporting import pages

    derived = [c for c in pages.GROUP_COLUMNS if c not in (pages.NAME, pages.INTERVAL)]
    assert derived and all(c.label == metrics.metric(c.key, "risk_by_model").heading for c in derived)
    assert all(c.fmt == metrics.metric(c.key, "risk_by_model").fmt for c in derived)
    assert {c.key for c in pages.FINDING_COLUMNS} <= {m.name for m in metrics.METRICS}
    kpis = pages._kpis(
        {"events": 12, "high_critical_rate": 0.25, "high_critical_ci_low": 0.1, "high_critical_ci_high": 0.4}
    )
    assert [(k["label"], k["value"]) for k in kpis] == [
        (metrics.metric("events", "risk_fleet").label, "12"),
        (metrics.metric("high_critical_rate", "risk_fleet").label, "25.00%"),
    ]
