"""Changes for incremental runs, request counting, and the ``simulate`` command."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx

from quint_reports.cli import build_parser
from quint_reports.simulator import Simulator
from tests.test_simulator_manifest import find


def _get(sim: Simulator, path: str) -> httpx.Response:
    return httpx.get(sim.base_url + path, headers={"Authorization": f"Bearer {sim.token}"})


def test_add_sessions_start_after_everything(quint_simulator: Callable[..., Simulator]) -> None:
    sim = quint_simulator(seed=4, sessions=120)
    before = _get(sim, "/v1/sessions").json()["sessions"]
    latest = max(s["started_at"] for s in before)
    new = sim.add_sessions(15)
    assert len(new) == 15
    after = _get(sim, "/v1/sessions").json()["sessions"]
    assert len(after) == len(before) + 15
    assert {s["id"] for s in after} - {s["id"] for s in before} == set(new)
    assert all(s["started_at"] > latest for s in after if s["id"] in new)
    since = _get(sim, f"/v1/sessions?since={latest}").json()["sessions"]
    assert set(new) <= {s["id"] for s in since}
    assert sim.truth()["sessions"].keys() >= set(new)
    assert find(sim.truth()) == {(d["check"], d["session_id"]) for d in sim.manifest["defects"]}


def test_advance_changes_only_running_sessions(quint_simulator: Callable[..., Simulator]) -> None:
    sim = quint_simulator(seed=4, sessions=300)
    old = sim.truth()
    running = {sid for sid, s in old["sessions"].items() if s["state"] != "ended"}
    changed = set(sim.advance(0.5))
    new = sim.truth()
    differs = {
        sid
        for sid in old["sessions"]
        if old["sessions"][sid] != new["sessions"][sid]
        or old["events"][sid] != new["events"][sid]
        or old["children"][sid] != new["children"][sid]
    }
    assert differs and differs <= running, "ended sessions never change"
    assert differs == changed
    assert any(new["sessions"][sid]["state"] == "ended" for sid in differs)
    assert any(len(new["events"][sid]) > len(old["events"][sid]) for sid in differs)
    for sid in differs:
        assert new["events"][sid][: len(old["events"][sid])] == old["events"][sid], "events are only appended"
    assert find(new) == {(d["check"], d["session_id"]) for d in sim.manifest["defects"]}
    twin = quint_simulator(seed=4, sessions=300)
    twin.advance(0.5)
    assert twin.truth() == new


def test_stats_count_by_endpoint(quint_simulator: Callable[..., Simulator]) -> None:
    sim = quint_simulator(seed=1, sessions=30)
    sid = next(iter(sim.truth()["sessions"]))
    for path in (
        "/v1/sessions",
        f"/v1/sessions/{sid}",
        f"/v1/sessions/{sid}",
        f"/v1/sessions/{sid}/events",
        f"/v1/sessions/{sid}/children",
        "/v1/events",
        "/v1/events/stats",
        "/v1/events/nope",
    ):
        _get(sim, path)
    httpx.get(sim.base_url + "/v1/sessions")
    stats = sim.stats()
    assert stats["by_endpoint"] == {
        "sessions.list": 2,
        "sessions.detail": 2,
        "sessions.events": 1,
        "sessions.children": 1,
        "events.list": 1,
        "events.stats": 1,
        "events.detail": 1,
    }
    assert stats["requests"] == 9
    assert stats["by_status"] == {"200": 7, "404": 1, "401": 1}
    sim.reset_stats()
    assert sim.stats()["requests"] == 0


def test_open_share_sets_how_many_trees_are_still_running(quint_simulator: Callable[..., Simulator]) -> None:
    def running(sim: Simulator) -> set[str]:
        listed = _get(sim, "/v1/sessions?root_only=true").json()["sessions"]
        return {s["id"] for s in listed if s["state"] != "ended"}

    default, few, none = (quint_simulator(seed=5, sessions=2000, open_share=share) for share in (None, 0.01, 0.0))
    roots = len(_get(default, "/v1/sessions?root_only=true").json()["sessions"])
    assert 0.10 * roots < len(running(default)) < 0.18 * roots, "the default keeps about 14% of the trees running"
    assert 0 < len(running(few)) < 0.03 * roots
    assert not running(none)
    assert none.advance(0.5) == [], "nothing left running, nothing to move on"
    for share in (-0.1, 1.5):
        try:
            Simulator(sessions=10, open_share=share)
        except ValueError as exc:
            assert "open_share" in str(exc)
        else:
            raise AssertionError(f"open_share={share} was accepted")


def test_simulate_help_documents_every_switch() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    simulate = sub.choices["simulate"]
    text = simulate.format_help()
    switches = [a for a in simulate._actions if a.option_strings and a.dest != "help"]
    assert "--host" in {s for a in switches for s in a.option_strings}  # the list is the parser's, not ours
    for action in switches:
        assert action.help and action.help != argparse.SUPPRESS and action.help.strip(), action.option_strings
        for switch in action.option_strings:
            assert switch in text


def test_simulate_command_serves_until_interrupted(tmp_path: Path) -> None:
    token_file, manifest = tmp_path / "token", tmp_path / "manifest.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "quint_reports",
            "simulate",
            "--port",
            "0",
            "--sessions",
            "30",
            "--defects",
            "--manifest",
            str(manifest),
            "--token-file",
            str(token_file),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        url = lines[1].strip().removeprefix("QUINT_API_URL=")
        token = lines[2].strip().removeprefix("QUINT_API_TOKEN=")
        assert token_file.read_text().strip() == token
        assert oct(os.stat(token_file).st_mode & 0o777) == "0o600"
        r = httpx.get(url + "/v1/sessions", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200
        assert manifest.exists()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=10)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert token not in err and token not in out


_DIGEST = """
import hashlib, json
from quint_reports.simulator import Simulator
sim = Simulator(seed=9, sessions=120, defects=True)
sim.add_sessions(5)
sim.advance(0.3)
print(hashlib.sha256(json.dumps([sim.truth(), sim.manifest], sort_keys=True).encode()).hexdigest())
"""


def test_same_seed_same_data_across_processes() -> None:
    digests = {
        subprocess.run(
            [sys.executable, "-c", _DIGEST],
            env={**os.environ, "PYTHONHASHSEED": str(h)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for h in (1, 2)
    }
    assert len(digests) == 1
