"""Summaries of cProfile output, with file names made relative (no machine paths in RESULTS.md)."""

from __future__ import annotations

import pstats
from pathlib import Path
from typing import Any

TOP = 15
"""Functions listed per ordering."""


def _where(filename: str, line: int, function: str) -> str:
    """``package/module.py:line(function)``, relative to site-packages or the checkout."""
    root = str(Path(__file__).resolve().parent.parent) + "/"
    if "site-packages/" in filename:
        filename = filename.split("site-packages/", 1)[1]
    elif filename.startswith(root):
        filename = filename[len(root) :]
    elif filename.startswith("/"):
        # The standard library or another absolute path: its last two parts say enough.
        filename = "/".join(filename.split("/")[-2:])
    if filename == "~":
        return function  # a built-in
    return f"{filename}:{line}({function})"


def summarize(path: Path, top: int = TOP) -> dict[str, Any]:
    """Total time and the top functions by own time and by cumulative time."""
    stats = pstats.Stats(str(path))
    entries = stats.stats  # type: ignore[attr-defined]
    rows = [
        {"function": _where(*key), "calls": nc, "own_s": tt, "cumulative_s": ct}
        for key, (cc, nc, tt, ct, callers) in entries.items()
    ]
    return {
        "total_s": stats.total_tt,  # type: ignore[attr-defined]
        "by_own": sorted(rows, key=lambda r: r["own_s"], reverse=True)[:top],
        "by_cumulative": sorted(rows, key=lambda r: r["cumulative_s"], reverse=True)[:top],
    }
