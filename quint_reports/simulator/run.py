"""``simulate()``: run the simulator in the foreground until interrupted (the CLI's body)."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import TextIO

from quint_reports.simulator.core import Simulator
from quint_reports.simulator.faults import Faults
from quint_reports.timebounds import TimeBound


def simulate(
    *,
    seed: int = 1,
    sessions: int = 2000,
    defects: bool = False,
    faults: Faults | None = None,
    page_size: int | None = None,
    host: str = "127.0.0.1",
    port: int = 8765,
    doc_examples: bool = True,
    live: bool = False,
    open_share: float | None = None,
    end: TimeBound = None,
    manifest: str | os.PathLike[str] | None = None,
    token_file: str | os.PathLike[str] | None = None,
    out: TextIO | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Serve a simulated Quint API until Ctrl-C (or until ``stop`` is set); return the exit code.

    Prints the base URL and the token to use, once, on ``out`` (stdout by default).

    Args:
        seed, sessions, defects, faults, page_size, host, port, doc_examples, live, open_share, end: see
            ``Simulator``.
        manifest: write the manifest (JSON) to this path before serving.
        token_file: write the accepted token to this file (mode 0600), for ``sync --token-file``.
        out: where to print.
        stop: an event that ends serving when set (tests); None waits for KeyboardInterrupt.

    Returns:
        0.

    Example:
        >>> simulate(seed=1, sessions=2000, faults=Faults(latency_ms=20))  # doctest: +SKIP
    """
    out = out or sys.stdout
    sim = Simulator(
        seed=seed,
        sessions=sessions,
        defects=defects,
        faults=faults,
        page_size=page_size,
        doc_examples=doc_examples,
        host=host,
        port=port,
        live=live,
        open_share=open_share,
        end=end,
    )
    if manifest is not None:
        sim.write_manifest(manifest)
    if token_file is not None:
        path = Path(token_file)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(sim.token + "\n")
    info = sim.manifest
    with sim:
        print(
            f"Quint API simulator: {info['sessions']} sessions, {info['events']} events, seed {seed}, "
            f"{'with planted defects' if defects else 'clean'}{', live' if live else ''}, faults: {_describe(sim.faults)}",
            file=out,
        )
        print(f"QUINT_API_URL={sim.base_url}", file=out)
        print(f"QUINT_API_TOKEN={sim.token}", file=out)
        if manifest is not None:
            print(f"manifest: {manifest}", file=out)
        print("Press Ctrl-C to stop.", file=out, flush=True)
        try:
            (stop or threading.Event()).wait()
        except KeyboardInterrupt:
            pass
    return 0


def _describe(faults: Faults) -> str:
    """One line naming the switches that are on."""
    parts = [f"{name}={value}" for name, value in vars(faults).items() if value and value != getattr(Faults(), name)]
    return ", ".join(parts) or "none"
