"""``python -m bench.writer_replay``: the writer's batches captured from a real sync and landed again.

Not a timing test: it checks that the replay lands what the sync landed, and that a second landing of the same
bodies is judged unchanged by the stored md5 (migration 5), which is what the tool is for comparing.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.fixtures.procs import run_module


def _run(*args: str) -> str:
    done = run_module("bench.writer_replay", *args, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_a_replay_lands_the_captured_batches_and_a_second_landing_changes_nothing(tmp_path: Path) -> None:
    batches = tmp_path / "batches.pkl"
    captured = re.search(
        r"(\d+) batches of (\d+) sessions", _run("capture", "--sessions", "450", "--batches", str(batches))
    )
    assert captured is not None
    count, sessions = int(captured[1]), int(captured[2])
    assert count >= 3 and sessions >= 450  # several batches of 200, and the sessions the list named

    out = _run("replay", "--batches", str(batches), "--db", str(tmp_path / "replayed.duckdb"), "--twice")
    tallies = dict(re.findall(r"^(replay(?:-again)?): sessions new, updated, unchanged (\[[\d, ]+\])$", out, re.M))
    assert tallies == {"replay": f"[{sessions}, 0, 0]", "replay-again": f"[0, 0, {sessions}]"}
    assert "publish: checkpoint" in out
