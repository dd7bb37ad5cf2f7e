"""Benchmarks of quint_reports: sync against the latency bound and two peer
loaders, incremental sync, and SQL plus reports at scale.

``python -m bench.run`` runs everything and writes ``bench/RESULTS.md``;
``python -m bench.run --smoke`` is the tiny version that ``make test`` runs.
"""
