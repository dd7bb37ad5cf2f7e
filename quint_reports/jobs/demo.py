"""The demo: the nightly job end to end against the built-in simulator.

It starts a simulated organisation (with planted defects and hostile names,
so the checks and the escaping have something to show) on a free loopback
port, runs ``nightly`` into a local folder, and prints what an operator
would look at first: sessions per model and platform, the check summary and
the path of the report.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from quint_reports.analysis.checks import summarize
from quint_reports.analysis.marts import findings, risk_by_model, risk_by_platform
from quint_reports.jobs.nightly import nightly
from quint_reports.simulator import Simulator
from quint_reports.timebounds import TimeBound, to_utc
from quint_reports.warehouse.publish import connect


@dataclass(frozen=True)
class DemoResult:
    """Where the demo wrote its database and report, and how the nightly run ended."""

    db: Path
    index: Path
    exit_code: int
    text: str


def terminal_safe(value: object, width: int = 40) -> str:
    """Make an agent-supplied name safe to print: no control characters, bounded width."""
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else f"\\x{ord(ch):02x}" for ch in str(value))
    return text if len(text) <= width else text[: width - 1] + "…"


def _table(frame: pd.DataFrame, key: str) -> str:
    shown = frame[[key, "sessions", "events", "max_risk", "high_critical_rate", "trend"]].copy()
    shown[key] = shown[key].map(terminal_safe)
    shown["high_critical_rate"] = (shown["high_critical_rate"] * 100).round(1).astype(str) + "%"
    return shown.sort_values("sessions", ascending=False).to_string(index=False)


def demo(
    folder: str | os.PathLike[str] = "demo", *, sessions: int = 1500, seed: int = 1, end: TimeBound = None
) -> DemoResult:
    """Run the nightly job against a fresh simulator and summarise the outcome.

    Args:
        folder: Where the database (``quint.duckdb``) and the report (``report/``) go.
        sessions: Size of the simulated organisation.
        seed: Simulator seed (same seed and end, same data).
        end: Where the organisation's six weeks of history end; None is now (whole seconds), so
            that windows counted back from now (``--days 30``, ``now() - interval 7 day``) find data.

    Returns:
        Paths, the nightly exit code, and the printed summary.

    Example:
        >>> print(demo("demo").text)  # doctest: +SKIP
    """
    base = Path(folder)
    base.mkdir(parents=True, exist_ok=True)
    db = base / "quint.duckdb"
    # A live organisation, as at 02:15 on a working night: sessions still run while the job reads them.
    end_at = to_utc(end, "end") or datetime.now(timezone.utc).replace(microsecond=0)
    with Simulator(seed=seed, sessions=sessions, defects=True, live=True, end=end_at) as sim:
        token_file = base / "simulator.token"
        # The simulator's own throwaway token; the job reads it from a file as cron would.
        token_file.write_text(sim.token, encoding="utf-8")
        token_file.chmod(0o600)
        result = nightly(db, base / "report", api_url=sim.base_url, token_file=token_file, full=True, fail_on="error")
    con = connect(db)
    try:
        by_model = risk_by_model(con)
        by_platform = risk_by_platform(con)
        summary = summarize(findings(con))
    finally:
        con.close()
    lines = [
        f"simulated organisation: {sessions} sessions, seed {seed}, history ending {end_at:%Y-%m-%dT%H:%M:%SZ}, "
        "live (changing while read), served on 127.0.0.1",
        "",
        "sessions by model",
        _table(by_model, "model"),
        "",
        "sessions by platform",
        _table(by_platform, "platform"),
        "",
        "check findings: " + (", ".join(f"{k}={v}" for k, v in sorted(summary.items())) or "none"),
        f"nightly exit code: {result.exit_code} (1 = findings at or above 'error', as planted)",
        f"database: {db.resolve()}",
        f"log: {result.log_file.resolve()}",
        f"report: {result.index.resolve()}",
    ]
    return DemoResult(db=db, index=result.index, exit_code=result.exit_code, text="\n".join(lines))
