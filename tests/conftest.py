"""Shared fixtures. The simulator fixture lives in the package's pytest plugin.

Expensive fixtures are session-scoped even when one module uses them: pytest-xdist interleaves
modules on a worker, and a module-scoped fixture is torn down and rebuilt at every switch.
"""

from __future__ import annotations

import sys

import pytest

pytest_plugins = ["quint_reports.simulator.pytest_plugin"]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup``, refuse to run if xdist dropped the groups: each grouped fixture would
    then be built once per worker, silently doubling the suite's time (as pytest 9.2 did)."""
    if not config.getoption("loadgroup", False):
        return
    lost = [item.nodeid for item in items if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
    if lost:
        # raised in a worker, the error reaches the controller as an INTERNALERROR without its text: say it first
        message = f"pytest-xdist ignored xdist_group on {len(lost)} tests, e.g. {lost[0]}"
        print(message, file=sys.__stderr__, flush=True)
        raise pytest.UsageError(message)


@pytest.fixture(autouse=True)
def clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees a real token, API URL or DuckDB limit from the environment."""
    for name in ("QUINT_API_TOKEN", "QUINT_API_URL", "QUINT_DB", "QUINT_MEMORY_LIMIT", "QUINT_TEMP_DIR"):
        monkeypatch.delenv(name, raising=False)
