"""The benchmark's smoke run: every stage at tiny sizes, so ``make bench`` never rots.

Not a timing test: it checks that each stage produces its figures and that the
peers landed exactly the data our sync landed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fixtures.procs import run_module

pytestmark = pytest.mark.xdist_group("bench-smoke")  # one worker runs the smoke benchmark once for all of them


@pytest.fixture(scope="session")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str, Path]:
    out = tmp_path_factory.mktemp("bench-smoke")
    done = run_module("bench.run", "--smoke", "--out", str(out))
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return results, (out / "RESULTS.md").read_text(encoding="utf-8"), out


@pytest.mark.slow
def test_every_loader_lands_the_same_data(smoke: tuple[dict[str, Any], str, Path]) -> None:
    runs = smoke[0]["sync"]["runs"]
    by_loader = {row["loader"]: row for row in runs}
    assert set(by_loader) == {"ours", "naive", "dlt"}
    for row in runs:
        assert row["ok"] and not row["capped"], row
        assert row["seconds"] > 0 and row["requests"] > 0 and row["peak_rss_mb"] > 0
        # the load's own peak, taken before the count that verifies it, never above the whole child's
        assert 0 < row["peak_rss_mb"] <= row["process_peak_rss_mb"], row
    ours = by_loader["ours"]
    assert ours["sessions"] == ours["sessions_total"]
    assert ours["events"] == ours["events_total"]
    for peer in ("naive", "dlt"):
        assert (by_loader[peer]["sessions"], by_loader[peer]["events"]) == (ours["sessions"], ours["events"])


@pytest.mark.slow
def test_incremental_fetches_less_than_full(smoke: tuple[dict[str, Any], str, Path]) -> None:
    inc = smoke[0]["incremental"]
    assert inc["added"] >= 1
    assert inc["incremental"]["ok"] and inc["full_after"]["ok"]
    assert inc["incremental"]["requests"] < inc["full_after"]["requests"]
    assert inc["incremental"]["sessions"] == inc["full_after"]["sessions"]
    assert inc["incremental"]["events"] == inc["full_after"]["events"]


@pytest.mark.slow
def test_end_to_end_stage_runs_the_nightly_job_full_then_incremental(smoke: tuple[dict[str, Any], str, Path]) -> None:
    stage = smoke[0]["end_to_end"]
    full, inc = stage["full"], stage["incremental"]
    assert full["ok"] and inc["ok"] and full["loader"] == inc["loader"] == "nightly"
    assert stage["added"] >= 1
    assert inc["requests"] < full["requests"]
    # every session the simulator serves after the change landed once
    assert inc["sessions"] == stage["org_sessions"] > full["sessions"]
    # the organisation keeps the plan's share of trees running, not the simulator's default 14%
    assert stage["open_share"] is not None and stage["running"] < 0.05 * stage["org_sessions"]
    assert "### The whole nightly job, sync included" in smoke[1]
    assert "sessions were still running" in smoke[1]


@pytest.mark.slow
def test_large_stage_times_every_step(smoke: tuple[dict[str, Any], str, Path]) -> None:
    large = smoke[0]["large"]
    stage = large["stage"]
    for key in ("apply_views_s", "checks_s", "marts_s", "report_s", "total_s"):
        assert stage[key] > 0, key
    assert stage["findings"] == 0  # the generated organisation is clean
    assert all(rows > 0 for rows in stage["mart_rows"].values())
    assert stage["db_bytes"] > 0 and large["peak_rss_mb"] > 0
    profile = stage["slowest_sql_profile"]  # one of the slowest files, the first with a plan to profile
    assert profile["file"] in [timed["file"] for timed in stage["sql_files"][:5]]
    assert profile["operators"]


@pytest.mark.slow
def test_large_stage_rebuilds_after_a_change(smoke: tuple[dict[str, Any], str, Path]) -> None:
    again = smoke[0]["large"]["stage"]["incremental"]
    assert again["changed_sessions"] > 0
    for key in ("apply_views_s", "checks_s", "marts_s", "report_s"):
        assert again[key] > 0, key
    assert set(again["peak_rss_mb_step"]) == {"apply_views", "checks", "marts", "report"}


@pytest.mark.slow
def test_growth_stage_times_every_step_at_every_size(smoke: tuple[dict[str, Any], str, Path]) -> None:
    growth = smoke[0]["growth"]
    sizes = growth["sizes"]
    assert [size["sessions"] for size in sizes] == [200, 2_000]
    for size in sizes:
        assert size["events"] == round(size["sessions"] * growth["events_per_session"])
        stage = size["stage"]
        for step in ("apply_views", "checks", "marts", "report"):
            assert stage[f"{step}_s"] > 0, step
            assert stage["peak_rss_mb_step"][step] > 0, step
        assert stage["findings"] == 0
    plot = (smoke[2] / "growth.svg").read_text(encoding="utf-8")
    assert plot.startswith("<svg") and plot.count("<polyline") == 10  # five lines in each of two panels
    assert "](growth.svg)" in smoke[1]


@pytest.mark.slow
def test_startup_stage_times_the_cli_beside_the_interpreter(smoke: tuple[dict[str, Any], str, Path]) -> None:
    rows = {r["command"]: r for r in smoke[0]["startup"]["rows"]}
    assert {"python -c pass", "quint-reports --help", "quint-reports check --help"} <= set(rows)
    assert any(name.startswith("quint-reports check (") for name in rows)  # a check run on a real database
    for name in ("python -c pass", "quint-reports --help", "quint-reports check --help"):
        assert rows[name]["returncode"] == 0 and 0 < rows[name]["best_s"] <= rows[name]["median_s"], rows[name]


@pytest.mark.slow
def test_results_md_has_every_section(smoke: tuple[dict[str, Any], str, Path]) -> None:
    text = smoke[1]
    for heading in (
        "## Machine",
        "## Targets",
        "## 1. Full sync",
        "## 2. Incremental sync",
        "## 3. SQL and reports at scale",
        "## 4. Where the time goes",
        "## 5. Start-up of the CLI",
        "## 6. Nightly at scale",
        "## 7. Publishing to a DuckLake",
        "## 8. Growth: cost against data",
        "ours / dlt",
        "ours / naive",
        "latency bound",
    ):
        assert heading in text, heading
    assert "Not measured in this run" not in text
    # every section with a target has its verdict in the targets table
    rows = [line.split(" | ") for line in text.split("## Targets", 1)[1].split("\n## ", 1)[0].splitlines()]
    verdicts = {row[0].lstrip("| ").split(".")[0]: row[4] for row in rows if len(row) > 5 and row[0][2:3].isdigit()}
    assert set(verdicts) == {"1", "2", "3", "5", "6", "7", "8"}, verdicts
    assert all(v.strip("*") in {"met", "missed", "not shown"} for v in verdicts.values()), verdicts
    # no machine paths: neither this checkout's location nor a temporary folder
    assert str(Path(__file__).resolve().parent.parent) not in text and "/tmp/" not in text
