"""Run one benchmark step in its own process and measure it.

Each loader runs in a child process so that its peak RSS is its own
(``os.wait4`` returns the rusage of exactly that child) and so that it never
shares a GIL with the simulator or with the orchestrator.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

KILL_GRACE_S = 5.0
"""How long a child gets after SIGTERM before SIGKILL."""

REPO_ROOT = Path(__file__).resolve().parent.parent
"""Children run from the checkout's root, so ``python -m bench.<module>`` finds the package."""


@dataclass
class Measured:
    """The outcome of one child process."""

    returncode: int
    wall_s: float
    peak_rss_mb: float
    cpu_s: float
    timed_out: bool
    result: dict[str, Any] = field(default_factory=dict)
    progress: dict[str, Any] = field(default_factory=dict)
    stderr_tail: str = ""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def run_child(
    module: str,
    args: list[str],
    *,
    env: dict[str, str] | None = None,
    timeout_s: float | None = None,
) -> Measured:
    """Run ``python -m <module> <args> --result F --progress P`` and measure it.

    The child writes its result JSON to ``F`` and, while it runs, its progress
    JSON to ``P`` (so a run stopped at ``timeout_s`` still tells how far it got).
    Secrets travel in ``env`` only, never in ``args``.
    """
    with tempfile.TemporaryDirectory(prefix="qbench-child-") as tmp:
        result_path = Path(tmp) / "result.json"
        progress_path = Path(tmp) / "progress.json"
        stderr_path = Path(tmp) / "stderr.txt"
        argv = [sys.executable, "-m", module, *args, "--result", str(result_path), "--progress", str(progress_path)]
        child_env = dict(os.environ if env is None else env)
        started = time.perf_counter()
        with open(stderr_path, "wb") as stderr:
            proc = subprocess.Popen(argv, env=child_env, cwd=REPO_ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
            status, rusage, timed_out = _wait(proc, timeout_s)
        wall = time.perf_counter() - started
        # ru_maxrss is in KiB on Linux.
        peak_mb = rusage.ru_maxrss / 1024 if rusage is not None else 0.0
        cpu = rusage.ru_utime + rusage.ru_stime if rusage is not None else 0.0
        tail = stderr_path.read_text(encoding="utf-8", errors="replace")[-3000:]
        return Measured(
            returncode=status,
            wall_s=wall,
            peak_rss_mb=peak_mb,
            cpu_s=cpu,
            timed_out=timed_out,
            result=_read_json(result_path),
            progress=_read_json(progress_path),
            stderr_tail=tail,
        )


def _wait(proc: subprocess.Popen[bytes], timeout_s: float | None) -> tuple[int, Any, bool]:
    """Wait for ``proc`` with ``os.wait4`` (its own rusage); stop it at the timeout."""
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    timed_out = False
    while True:
        pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, rusage, timed_out
        if deadline is not None and not timed_out and time.monotonic() >= deadline:
            timed_out = True
            proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + KILL_GRACE_S
        elif timed_out and deadline is not None and time.monotonic() >= deadline:
            proc.kill()
            deadline = None
        time.sleep(0.02)


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU seconds a running process has used so far (Linux), else None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
