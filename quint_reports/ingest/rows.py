"""The plain rows a sync hands from fetching to landing; neither HTTP nor DuckDB lives here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class BodyRow:
    """One response about one session; ``kind`` is its endpoint's (``detail``, ``events``, ``children``)."""

    kind: str
    session_id: str
    fetched_at: datetime
    endpoint: str
    http_status: int
    body: str
    raw: bytes | None = None
    """The exact bytes, when ``body`` is not them (a body that is not UTF-8)."""
    rejected: str | None = None
    """Why the body cannot be taken at face value; the SQL views never parse a rejected body."""


@dataclass(frozen=True)
class ListRow:
    """One element of a list response, as JSON text."""

    record_key: str
    session_id: str | None
    fetched_at: datetime
    endpoint: str
    record: str


@dataclass(frozen=True)
class QuarantineRow:
    """A record that failed validation, with the reason; it stays in the raw tables too."""

    endpoint: str
    record_key: str
    reason: str
    fetched_at: datetime
    raw: str
    raw_bytes: bytes | None = None
    """The exact bytes, when ``raw`` is not them."""


@dataclass
class Batch:
    """Rows to land together, in one transaction."""

    bodies: list[BodyRow] = field(default_factory=list)
    listed: list[ListRow] = field(default_factory=list)
    quarantine: list[QuarantineRow] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.bodies) + len(self.listed) + len(self.quarantine)
