"""Shared fixtures. The simulator fixture lives in the package's pytest plugin."""

from __future__ import annotations

import pytest

pytest_plugins = ["quint_reports.simulator.pytest_plugin"]


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees a real token, API URL or DuckDB limit from the environment."""
    for name in ("QUINT_API_TOKEN", "QUINT_API_URL", "QUINT_DB", "QUINT_MEMORY_LIMIT", "QUINT_TEMP_DIR"):
        monkeypatch.delenv(name, raising=False)
