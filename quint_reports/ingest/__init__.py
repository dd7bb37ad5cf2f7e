"""Ingest stage: HTTP client, endpoint declarations, fetch plan, validation, landing and ``sync()``."""
