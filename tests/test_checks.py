"""check_findings on hand-built data: clean data finds nothing; each seeded defect finds exactly itself."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from quint_reports.analysis.checks import (
    CHECK_IDS,
    FINDING_COLUMNS,
    check,
    check_records,
    count_failing,
    resolved,
    resolved_records,
    summarize,
    to_json,
    to_table,
)
from quint_reports.cli import main
from quint_reports.warehouse.views import apply_views
from tests.fixtures.orgs import clean_org
from tests.fixtures.raw import applied, event, session, uid

Tweak = Callable[[dict[str, Any]], None]


def findings_of(tweak: Tweak | None = None) -> list[tuple[str, str]]:
    """(check, session_id) of every finding on the clean organisation changed by ``tweak``."""
    frame = check(applied(clean_org(tweak)))
    assert list(frame.columns) == list(FINDING_COLUMNS)
    return sorted(zip(frame["check"], frame["session_id"], strict=False))


def test_clean_organisation_has_no_findings() -> None:
    # Includes averages rounded down (root), up (child) and half-to-even (grandchild).
    assert findings_of() == []


def _summary(name: str, **changes: Any) -> Tweak:
    def tweak(parts: dict[str, Any]) -> None:
        events = parts["events"][name]
        scores = [e["risk_score"] for e in events]
        base = {"total_events": len(scores), "max_risk": max(scores), "avg_risk": round(sum(scores) / len(scores))}
        parts["summaries"][name] = {**base, **changes} if changes else None

    return tweak


def _set(name: str, **fields: Any) -> Tweak:
    def tweak(parts: dict[str, Any]) -> None:
        parts["records"][name].update(fields)

    return tweak


def _drop(name: str, field: str) -> Tweak:
    def tweak(parts: dict[str, Any]) -> None:
        del parts["records"][name][field]

    return tweak


def _bad_score(value: Any) -> Tweak:
    def tweak(parts: dict[str, Any]) -> None:
        # The API's summary leaves the bad score out of max/avg but counts the event.
        parts["events"]["solo"].append(event("solo", 99, value, minute=230))
        parts["summaries"]["solo"] = {"total_events": 4, "max_risk": 55, "avg_risk": 39}

    return tweak


def _orphan(parts: dict[str, Any]) -> None:
    parts["records"]["solo"]["parent_id"] = uid("ghost")
    parts["extra"] = lambda landing: landing.missing(uid("ghost"))


def _cycle(parts: dict[str, Any]) -> None:
    # solo -> empty -> solo, same window so nothing lies outside its parent's.
    for name, parent in (("solo", "empty"), ("empty", "solo")):
        parts["records"][name].update(
            parent_id=uid(parent), started_at="2026-04-01T13:00:00Z", ended_at="2026-04-01T14:00:00Z", state="ended"
        )


def _three_cycle(parts: dict[str, Any]) -> None:
    # Parent of root is second child, of second child is child, of child (as before) root.
    parts["records"]["root"]["parent_id"] = uid("second child")
    parts["records"]["second child"]["parent_id"] = uid("child")
    for name in ("root", "child", "second child"):
        parts["records"][name].update(started_at="2026-04-01T08:00:00Z", ended_at="2026-04-01T10:00:00Z")


def _hide(where: str) -> Tweak:
    def tweak(parts: dict[str, Any]) -> None:
        parts[where]["root"] = {uid("second child")}

    return tweak


def _duplicate(parts: dict[str, Any]) -> None:
    parts["events"]["solo"].append(dict(parts["events"]["solo"][0]))


def _bad_event_id(parts: dict[str, Any]) -> None:
    parts["events"]["solo"][1]["id"] = parts["events"]["solo"][1]["id"][:-2] + "zz"


def _event_without(field: str) -> Tweak:
    def tweak(parts: dict[str, Any]) -> None:
        del parts["events"]["solo"][1][field]

    return tweak


def _rename(parts: dict[str, Any]) -> None:
    record = parts["records"]["empty"]
    record["id"] = record["id"][:-1] + "g"


def _null_figures(parts: dict[str, Any]) -> None:
    parts["summaries"]["solo"] = {"total_events": None, "max_risk": None, "avg_risk": None}


def _still_running(parts: dict[str, Any]) -> None:
    """solo was running when fetched: two events arrived after its detail, one not scored yet."""
    parts["records"]["solo"].update(state="active", ended_at=None)
    parts["events"]["solo"] += [event("solo", 7, 80, minute=240), event("solo", 8, None, minute=241)]
    parts["summaries"]["solo"] = {"total_events": 3, "max_risk": 55, "avg_risk": 39}


def _edge_ids(parts: dict[str, Any]) -> None:
    """Ids of the edge form {rootPID}-{startUnixMs}, on a parent and its child."""
    parts["records"]["child"]["id"] = "59247-1775031000000"
    parts["records"]["grandchild"]["parent_id"] = "59247-1775031000000"
    for e in parts["events"]["child"]:
        e["session_id"] = "59247-1775031000000"


CASES = [
    pytest.param(_summary("solo", total_events=5), [("risk_summary.total_events_mismatch", "solo")], id="total"),
    pytest.param(_summary("solo", max_risk=65), [("risk_summary.max_risk_mismatch", "solo")], id="max"),
    pytest.param(_summary("solo", avg_risk=40), [("risk_summary.avg_risk_mismatch", "solo")], id="avg-off-by-1"),
    pytest.param(_summary("solo"), [("risk_summary.missing", "solo")], id="summary-null"),
    pytest.param(_orphan, [("hierarchy.orphan", "solo")], id="orphan"),
    pytest.param(_cycle, [("hierarchy.cycle", "empty"), ("hierarchy.cycle", "solo")], id="cycle-2"),
    pytest.param(_three_cycle, [("hierarchy.cycle", n) for n in ("child", "root", "second child")], id="cycle-3"),
    pytest.param(_set("solo", parent_id=uid("solo")), [("hierarchy.self_parent", "solo")], id="self-parent"),
    pytest.param(_hide("hide_in_detail"), [("hierarchy.children_mismatch", "root")], id="children-detail"),
    pytest.param(_hide("hide_in_endpoint"), [("hierarchy.children_mismatch", "root")], id="children-endpoint"),
    pytest.param(
        _set("grandchild", started_at="2026-04-01T08:05:00Z"),
        [("hierarchy.child_outside_parent_window", "grandchild")],
        id="child-starts-early",
    ),
    pytest.param(
        _set("grandchild", ended_at="2026-04-01T09:30:00Z"),
        [("hierarchy.child_outside_parent_window", "grandchild")],
        id="child-ends-late",
    ),
    pytest.param(_rename, [("data.invalid_id", "empty")], id="invalid-session-id"),
    pytest.param(_bad_event_id, [("data.invalid_id", "solo")], id="invalid-event-id"),
    pytest.param(_bad_score(150), [("data.risk_score_invalid", "solo")], id="score-150"),
    pytest.param(_bad_score(-5), [("data.risk_score_invalid", "solo")], id="score-negative"),
    pytest.param(_bad_score(None), [("data.risk_score_unscored", "solo")], id="score-null"),
    pytest.param(_null_figures, [("risk_summary.null_figures", "solo")], id="summary-null-figures"),
    pytest.param(_still_running, [], id="running-session-is-pending"),
    pytest.param(_edge_ids, [], id="edge-form-ids-are-valid"),
    pytest.param(_bad_score("high"), [("data.risk_score_invalid", "solo")], id="score-text"),
    pytest.param(_bad_score(42.5), [("data.risk_score_invalid", "solo")], id="score-fraction"),
    pytest.param(_duplicate, [("data.duplicate_event", "solo")], id="duplicate"),
    pytest.param(
        _set("solo", ended_at="2026-04-01T11:00:00Z", state="ended"),
        [("data.ended_before_started", "solo")],
        id="ended-before-started",
    ),
    pytest.param(_drop("solo", "model"), [("data.missing_field", "solo")], id="no-model"),
    pytest.param(_drop("solo", "session_name"), [("data.missing_field", "solo")], id="no-session-name"),
    pytest.param(_event_without("tool_name"), [("data.missing_field", "solo")], id="event-no-tool"),
]


@pytest.mark.parametrize(("tweak", "expected"), CASES)
def test_one_defect_gives_exactly_its_finding(tweak: Tweak, expected: list[tuple[str, str]]) -> None:
    names = {uid(n): n for n in ("root", "child", "grandchild", "second child", "solo", "empty")}
    names[uid("empty")[:-1] + "g"] = "empty"
    got = [(check_id, names.get(sid, sid)) for check_id, sid in findings_of(tweak)]
    assert sorted(got) == sorted(expected)


def test_every_check_id_has_a_case() -> None:
    covered = {check_id for case in CASES for check_id, _ in case.values[1]}
    # sync.incomplete_session is about a partial sync: test_hostile.py makes one against the simulator.
    assert covered | {"sync.incomplete_session"} == set(CHECK_IDS)


def test_summary_absent_is_missing_but_null_fields_are_not() -> None:
    def tweak(parts: dict[str, Any]) -> None:
        parts["summaries"]["empty"] = {"total_events": 0, "max_risk": None, "avg_risk": None}
        parts["summaries"]["solo"] = None

    assert findings_of(tweak) == [("risk_summary.missing", uid("solo"))]


def test_summary_matching_the_subtree_is_not_a_finding() -> None:
    # root's summary covers root + child + grandchild + second child: 12 events.
    def tweak(parts: dict[str, Any]) -> None:
        scores = [e["risk_score"] for n in ("root", "child", "grandchild", "second child") for e in parts["events"][n]]
        parts["summaries"]["root"] = {
            "total_events": len(scores),
            "max_risk": max(scores),
            "avg_risk": round(sum(scores) / len(scores)),
        }

    con = applied(clean_org(tweak))
    assert check(con).empty
    assert con.execute("select matches from session_risk where session_id = ?", [uid("root")]).fetchone() == (
        "subtree",
    )


def test_duplicate_counted_twice_by_the_api_is_only_a_duplicate() -> None:
    def tweak(parts: dict[str, Any]) -> None:
        parts["events"]["solo"].append(dict(parts["events"]["solo"][2]))
        parts["summaries"]["solo"] = {"total_events": 4, "max_risk": 55, "avg_risk": 43}

    assert findings_of(tweak) == [("data.duplicate_event", uid("solo"))]


def test_invalid_score_hides_max_and_avg_comparisons_but_not_the_count() -> None:
    def tweak(parts: dict[str, Any]) -> None:
        parts["events"]["solo"].append(event("solo", 99, "high", minute=230))
        parts["summaries"]["solo"] = {"total_events": 9, "max_risk": 99, "avg_risk": 99}

    assert findings_of(tweak) == [
        ("data.risk_score_invalid", uid("solo")),
        ("risk_summary.total_events_mismatch", uid("solo")),
    ]


def test_long_chain_and_cycles_terminate() -> None:
    def tweak(parts: dict[str, Any]) -> None:
        for i in range(130):
            parent = f"link {i - 1}" if i else "root"
            name = f"link {i}"
            parts["records"][name] = session(name, parent=parent, start_min=1, end_min=119)
            parts["events"][name] = []
            parts["summaries"][name] = "auto"

    con = applied(clean_org(tweak))
    assert check(con).empty
    depth = con.execute("select depth, root_id from sessions where session_id = ?", [uid("link 50")]).fetchone()
    assert depth == (51, uid("root"))
    # Beyond the walk's 100-step guard the root is unknown, not wrong.
    assert con.execute("select depth from sessions where session_id = ?", [uid("link 129")]).fetchone() == (None,)


def published(tmp_path: Path, tweak: Tweak | None = None) -> Path:
    path = tmp_path / "quint.duckdb"
    con = duckdb.connect(str(path))
    clean_org(tweak).write(con)
    apply_views(con)
    con.close()
    return path


def test_check_reads_a_published_file(tmp_path: Path) -> None:
    path = published(tmp_path, _orphan)
    frame = check(path)
    assert list(zip(frame["check"], frame["session_id"], strict=False)) == [("hierarchy.orphan", uid("solo"))]


@pytest.mark.parametrize(
    ("tweak", "fail_on", "code"),
    [
        pytest.param(None, "error", 0, id="clean"),
        pytest.param(_orphan, "error", 1, id="error-fails"),
        pytest.param(_orphan, "never", 0, id="never"),
        pytest.param(_hide("hide_in_detail"), "error", 0, id="warning-passes-on-error"),
        pytest.param(_hide("hide_in_detail"), "warning", 1, id="warning-fails-on-warning"),
    ],
)
def test_cli_exit_codes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], tweak: Tweak | None, fail_on: str, code: int
) -> None:
    path = published(tmp_path, tweak)
    assert main(["check", "--db", str(path), "--format", "json", "--fail-on", fail_on]) == code
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"summary", "new", "findings", "resolved"}
    assert sum(out["summary"].values()) == len(out["findings"])


def test_cli_json_and_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = published(tmp_path, _orphan)
    assert main(["check", "--db", str(path), "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["summary"] == {"hierarchy.orphan": 1}
    assert out["findings"][0]["session_id"] == uid("solo")
    assert set(out["findings"][0]) == set(FINDING_COLUMNS)
    assert main(["check", "--db", str(path)]) == 1
    table = capsys.readouterr().out
    assert "hierarchy.orphan" in table and uid("solo") in table


def test_rows_and_frames_render_alike(tmp_path: Path) -> None:
    path = published(tmp_path, _hide("hide_in_detail"))
    records, frame = check_records(path), check(path)
    assert [r["check"] for r in records] == list(frame["check"]) == ["hierarchy.children_mismatch"]
    assert records[0]["first_seen_at"] is None  # never recorded by a sync: missing, as the frame's NaT is
    assert to_json(records, resolved_records(path)) == to_json(frame, resolved(path))
    assert to_table(records) == to_table(frame)
    for fail_on in ("error", "warning", "never"):
        assert count_failing(records, fail_on) == count_failing(frame, fail_on)


def test_cli_check_loads_no_pandas(tmp_path: Path) -> None:
    """`quint-reports check` must start in under 0.5 s; importing pandas alone takes more."""
    path = published(tmp_path, _orphan)
    probe = (
        "import sys\nfrom quint_reports.cli import main\n"
        f"code = main(['check', '--db', {str(path)!r}])\n"
        "print(code, sorted(m for m in ('pandas', 'pyarrow', 'plotly') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert "hierarchy.orphan" in out
    assert out.strip().splitlines()[-1] == "1 []"


def test_cli_missing_database_is_a_database_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--db", str(tmp_path / "nope.duckdb")]) == 7
    assert "nope.duckdb" in capsys.readouterr().err


def test_helpers() -> None:
    frame = check(applied(clean_org(_hide("hide_in_detail"))))
    assert summarize(frame) == {"hierarchy.children_mismatch": 1}
    assert count_failing(frame, "error") == 0
    assert count_failing(frame, "warning") == 1
    assert count_failing(frame, "never") == 0
    with pytest.raises(ValueError):
        count_failing(frame, "sometimes")
    assert json.loads(to_json(frame))["summary"] == {"hierarchy.children_mismatch": 1}
    assert "1 findings" in to_table(frame)
    assert to_table(frame.iloc[0:0]) == "no findings: every check passed"


def test_a_repeated_malformed_event_id_is_one_finding() -> None:
    def tweak(parts: dict[str, Any]) -> None:
        _bad_event_id(parts)
        parts["events"]["solo"].append(dict(parts["events"]["solo"][1]))  # the malformed id served twice

    frame = check(applied(clean_org(tweak)))
    invalid = frame[frame["check"] == "data.invalid_id"]
    assert len(invalid) == 1 and invalid["item"].iloc[0].endswith("zz")
    assert sorted(frame["check"]) == ["data.duplicate_event", "data.invalid_id"]


def test_the_union_equals_each_check_run_alone() -> None:
    """The table the loader builds from the check files holds exactly what each file's select finds."""
    from quint_reports.warehouse.views import CHECK_RESULTS, checks

    def every_defect(parts: dict[str, Any]) -> None:
        for case in CASES:
            case.values[0](parts)

    con = applied(clean_org(every_defect))
    union = con.execute(
        f'select "check", session_id, item, detail, expected, actual from {CHECK_RESULTS} order by all'
    ).fetchall()
    alone = sorted(
        (c.id, *row)
        for c in checks()
        for row in con.execute(
            f"select session_id, coalesce(item, ''), detail, expected, actual from ({c.select()})"
        ).fetchall()
    )
    assert len({row[0] for row in union}) >= 10  # most checks have something to find here
    assert union == alone
