"""Peer loaders that load the same simulator data as our sync, for comparison.

- ``naive``: a sequential httpx loop with one INSERT per row.
- ``dlt_rest``: dlt's ``rest_api`` source into DuckDB, parallelized as its docs recommend.
"""
