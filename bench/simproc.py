"""Start and drive ``bench.simhost`` (the simulator in its own process) from the orchestrator."""

from __future__ import annotations

import json
import select
import subprocess
import sys
import time
from typing import Any, Self

from bench.procs import REPO_ROOT, cpu_seconds

START_TIMEOUT_S = 600.0
"""Generating a large organisation takes a while; give up after this."""


class SimHost:
    """A simulator process; ``with SimHost(...) as sim:`` gives ``base_url``, ``token`` and commands."""

    def __init__(
        self,
        *,
        seed: int,
        sessions: int,
        latency_ms: int,
        page_size: int | None = None,
        open_share: float | None = None,
    ) -> None:
        self.args = ["--seed", str(seed), "--sessions", str(sessions), "--latency-ms", str(latency_ms)]
        if page_size is not None:
            self.args += ["--page-size", str(page_size)]
        if open_share is not None:
            self.args += ["--open-share", str(open_share)]
        self.latency_ms = latency_ms
        self.proc: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}
        self.start_seconds = 0.0

    def __repr__(self) -> str:
        # No token: reprs end up in tracebacks.
        return f"<SimHost {' '.join(self.args)} at {self.info.get('base_url', 'not started')}>"

    @property
    def base_url(self) -> str:
        """The simulator's base URL."""
        return str(self.info["base_url"])

    @property
    def token(self) -> str:
        """The bearer token the simulator accepts."""
        return str(self.info["token"])

    def __enter__(self) -> Self:
        started = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.simhost", *self.args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            # A loader stopped at its cap resets its connections; the server's tracebacks about that are noise.
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
            cwd=REPO_ROOT,
        )
        self.info = self._read(START_TIMEOUT_S)
        self.start_seconds = time.perf_counter() - started
        return self

    def _read(self, timeout_s: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
        if not ready:
            raise TimeoutError(f"{self!r} did not answer within {timeout_s:.0f} s")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self!r} exited with {self.proc.wait()}")
        value = json.loads(line)
        if not isinstance(value, dict):
            raise TypeError(f"{self!r} answered {line!r}")
        return value

    def cpu_seconds(self) -> float | None:
        """CPU seconds the simulator process has used so far."""
        return cpu_seconds(self.proc.pid) if self.proc is not None else None

    def command(self, cmd: str, **params: Any) -> dict[str, Any]:
        """Send one command (``add_sessions``, ``advance``, ``stats``, ...) and return its answer."""
        assert self.proc is not None and self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **params}) + "\n")
        self.proc.stdin.flush()
        return self._read(START_TIMEOUT_S)

    def __exit__(self, *exc: object) -> None:
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                self.command("stop")
            self.proc.wait(timeout=30)
        except (OSError, TimeoutError, RuntimeError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        finally:
            self.proc = None
