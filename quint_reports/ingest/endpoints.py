"""Every API endpoint a sync reads, declared once; fetching, landing and fetch status follow from these.

Two shapes. The session list (``LIST``) lands one row per element in
``raw.raw_session_list``. Each per-session endpoint (``PER_SESSION``) lands one
body per session in ``raw.raw_session_bodies`` under its ``kind``: the one
upsert, the change comparison and the prune of ``sql/landing/`` read that
table whatever the kind, and the loader builds ``staging.stg_fetch_status``
(``<kind>_status``, ``<kind>_rejected`` per kind) from this list.

Adding a per-session endpoint: its ``Endpoint`` here (``fetch.py`` fetches every
array endpoint of ``FAN_OUT`` by its ``fetched`` rule), its staging view reading
``kind = '<kind>'``, its route in the simulator, its tests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from quint_reports.ingest.validate import event_problems, session_problems

RECORD_CHECKS: dict[str, Callable[..., list[str]]] = {"session": session_problems, "event": event_problems}
"""Record kind -> the validator whose reasons the quarantine lists (rules in ``ingest/rules.py``)."""


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: where it is, what its body holds, where it lands and what reads it."""

    kind: str
    """The landing kind (``raw_session_bodies.kind``), also the prefix of its fetch-status columns."""
    path: str
    """The path template, e.g. ``/v1/sessions/{id}/events``; also the ``endpoint`` column of every raw row."""
    array_key: str | None
    """The key of the body's array of records; None for a body that is one record (the detail)."""
    record: str
    """The kind of record it serves: ``session`` or ``event`` (picks the validator)."""
    staging: str
    """The staging object that parses what it lands."""
    landing: str = "raw.raw_session_bodies"
    """The raw table it lands in."""
    fetched: str = "always"
    """Which session jobs fetch it after the detail: ``always`` (every session) or ``with_children`` (a session
    whose detail lists children, that another session names as parent, or whose hierarchy is refreshed)."""

    @property
    def check(self) -> Callable[..., list[str]]:
        """The validator of its records."""
        return RECORD_CHECKS[self.record]

    def problems(self, record: Any, session_id: str, running: bool) -> list[str]:
        """The quarantine reasons of one element of its array, served for ``session_id``.

        ``running``: the session had not ended, so a null score is one still being computed.
        """
        if self.record == "event":
            return self.check(record, session_id, running=running)
        return self.check(record)

    def url(self, session_id: str) -> str:
        """The path for one session, the id percent-quoted."""
        return self.path.format(id=quote(session_id, safe=""))


LIST = Endpoint("list", "/v1/sessions", "sessions", "session", "stg_session_list", landing="raw.raw_session_list")
DETAIL = Endpoint("detail", "/v1/sessions/{id}", None, "session", "stg_session_details")
EVENTS = Endpoint("events", "/v1/sessions/{id}/events", "events", "event", "stg_events")
CHILDREN = Endpoint(
    "children", "/v1/sessions/{id}/children", "children", "session", "stg_session_children", fetched="with_children"
)

PER_SESSION: tuple[Endpoint, ...] = (DETAIL, EVENTS, CHILDREN)
"""The per-session endpoints, in fetch-status column order."""

FAN_OUT: tuple[Endpoint, ...] = tuple(e for e in PER_SESSION if e.array_key is not None)
"""What a session job fetches once its detail is in: the per-session endpoints that serve an array."""

BODY_KINDS: tuple[str, ...] = tuple(e.kind for e in PER_SESSION)
"""The kinds ``raw.raw_session_bodies`` holds."""

ENDPOINTS: tuple[Endpoint, ...] = (LIST, *PER_SESSION)


def by_path(path: str) -> Endpoint:
    """The endpoint whose path template is ``path``."""
    return next(e for e in ENDPOINTS if e.path == path)


def fetch_status_sql() -> str:
    """The ``create view stg_fetch_status`` statement: one row per session asked about, two columns per kind."""
    columns = ",\n".join(
        [f"    max(http_status) filter (where kind = '{e.kind}') as {e.kind}_status" for e in PER_SESSION]
        + [f"    max(rejected) filter (where kind = '{e.kind}') as {e.kind}_rejected" for e in PER_SESSION]
    )
    kinds = ", ".join(f"'{e.kind}'" for e in PER_SESSION)
    return (
        "-- stg_fetch_status: which per-session resources were fetched, and with which HTTP status.\n"
        "-- Grain: one row per session id that any per-session endpoint was asked about.\n"
        "-- Built by the loader from quint_reports.ingest.endpoints.PER_SESSION; *_rejected is the\n"
        "-- sync's reason for not taking a 200 body at face value (NULL when taken).\n"
        "create or replace view stg_fetch_status as\n"
        f"select\n    session_id,\n{columns}\n"
        f"from raw.raw_session_bodies\nwhere kind in ({kinds})\ngroup by session_id;"
    )
