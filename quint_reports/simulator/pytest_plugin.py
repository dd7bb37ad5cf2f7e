"""Pytest fixtures: ``quint_simulator`` (a factory) and ``quint_simulator_default``.

Load with ``pytest_plugins = ["quint_reports.simulator.pytest_plugin"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from quint_reports.simulator.core import Simulator
from quint_reports.simulator.faults import Faults


@pytest.fixture
def quint_simulator() -> Iterator[Callable[..., Simulator]]:
    """Factory: ``quint_simulator(seed=1, sessions=200, defects=False, faults=Faults(), **options)``.

    Each call returns a started simulator on a free port; all of them stop at teardown.
    """
    started: list[Simulator] = []

    def factory(
        seed: int = 1, sessions: int = 200, defects: bool = False, faults: Faults | None = None, **options: Any
    ) -> Simulator:
        sim = Simulator(seed=seed, sessions=sessions, defects=defects, faults=faults, **options).start()
        started.append(sim)
        return sim

    yield factory
    for sim in started:
        sim.stop()


@pytest.fixture(scope="session")
def quint_simulator_default() -> Iterator[Simulator]:
    """One clean, fault-free simulator (seed 1, 200 sessions) shared by the whole test session.

    Do not mutate it or change its faults; take ``quint_simulator`` for that.
    """
    with Simulator(seed=1, sessions=200) as sim:
        yield sim
