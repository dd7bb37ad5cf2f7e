"""Planted data defects (filled in below)."""

from __future__ import annotations

from typing import Any

from quint_reports.simulator.generate import Generator


def plant(gen: Generator, seed: int) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Plant defects; return manifest entries and extra manifest keys."""
    return [], {"hostile": [], "extra_fields": [], "unlisted": []}
