"""The benchmark's smoke run: every stage at tiny sizes, so ``make bench`` never rots.

Not a timing test: it checks that each stage produces its figures and that the
peers landed exactly the data our sync landed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.xdist_group("bench-smoke")  # one worker runs the smoke benchmark once for all of them


@pytest.fixture(scope="session")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    out = tmp_path_factory.mktemp("bench-smoke")
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return results, (out / "RESULTS.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_every_loader_lands_the_same_data(smoke: tuple[dict[str, Any], str]) -> None:
    runs = smoke[0]["sync"]["runs"]
    by_loader = {row["loader"]: row for row in runs}
    assert set(by_loader) == {"ours", "naive", "dlt"}
    for row in runs:
        assert row["ok"] and not row["capped"], row
        assert row["seconds"] > 0 and row["requests"] > 0 and row["peak_rss_mb"] > 0
    ours = by_loader["ours"]
    assert ours["sessions"] == ours["sessions_total"]
    assert ours["events"] == ours["events_total"]
    for peer in ("naive", "dlt"):
        assert (by_loader[peer]["sessions"], by_loader[peer]["events"]) == (ours["sessions"], ours["events"])


@pytest.mark.slow
def test_incremental_fetches_less_than_full(smoke: tuple[dict[str, Any], str]) -> None:
    inc = smoke[0]["incremental"]
    assert inc["added"] >= 1
    assert inc["incremental"]["ok"] and inc["full_after"]["ok"]
    assert inc["incremental"]["requests"] < inc["full_after"]["requests"]
    assert inc["incremental"]["sessions"] == inc["full_after"]["sessions"]
    assert inc["incremental"]["events"] == inc["full_after"]["events"]


@pytest.mark.slow
def test_large_stage_times_every_step(smoke: tuple[dict[str, Any], str]) -> None:
    large = smoke[0]["large"]
    stage = large["stage"]
    for key in ("apply_views_s", "checks_s", "marts_s", "report_s", "total_s"):
        assert stage[key] > 0, key
    assert stage["findings"] == 0  # the generated organisation is clean
    assert all(rows > 0 for rows in stage["mart_rows"].values())
    assert stage["db_bytes"] > 0 and large["peak_rss_mb"] > 0


@pytest.mark.slow
def test_startup_stage_times_the_cli_beside_the_interpreter(smoke: tuple[dict[str, Any], str]) -> None:
    rows = {r["command"]: r for r in smoke[0]["startup"]["rows"]}
    assert {"python -c pass", "quint-reports --help", "quint-reports check --help"} <= set(rows)
    assert any(name.startswith("quint-reports check (") for name in rows)  # a check run on a real database
    for name in ("python -c pass", "quint-reports --help", "quint-reports check --help"):
        assert rows[name]["returncode"] == 0 and 0 < rows[name]["best_s"] <= rows[name]["median_s"], rows[name]


@pytest.mark.slow
def test_results_md_has_every_section(smoke: tuple[dict[str, Any], str]) -> None:
    text = smoke[1]
    for heading in (
        "## Machine",
        "## Targets",
        "## 1. Full sync",
        "## 2. Incremental sync",
        "## 3. SQL and reports at scale",
        "## 5. Start-up of the CLI",
        "ours / dlt",
        "ours / naive",
        "latency bound",
    ):
        assert heading in text, heading
    # no machine paths: neither this checkout's location nor a temporary folder
    assert str(Path(__file__).resolve().parent.parent) not in text and "/tmp/" not in text
