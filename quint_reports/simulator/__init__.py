"""A deterministic stand-in for the Quint read API, served over real HTTP.

Modules: ``vocab`` (fixed vocabularies, time format), ``generate`` (clean
sessions and events), ``docs_examples`` (the documentation's examples),
``defects`` (planted defects and hostile strings), ``mutate`` (changes for
incremental runs), ``live`` (an organisation that changes while it is read), ``org`` (data and cached bodies), ``queries`` (list
filters, pagination, stats), ``faults``, ``server`` (HTTP), ``core``
(``Simulator``), ``run`` (``simulate()``, the CLI's body) and ``pytest_plugin`` (the ``quint_simulator`` fixture).
"""

from quint_reports.simulator.core import Simulator, default_token
from quint_reports.simulator.faults import Faults
from quint_reports.simulator.live import Live
from quint_reports.simulator.run import simulate

__all__ = ["Faults", "Live", "Simulator", "default_token", "simulate"]
