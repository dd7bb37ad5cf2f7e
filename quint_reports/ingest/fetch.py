"""Which requests a sync makes, and what each response becomes; knows nothing of DuckDB.

The endpoints are declared in :mod:`quint_reports.ingest.endpoints`. Per session:
its detail, its events and, when its detail lists children or another session
names it as parent, its children. Ids referenced as a
parent or child but absent from the list are fetched the same way; a 404 is
landed as such and reported as missing. Per-session events beat windowed
``/v1/events`` on requests and time at our sizes (see bench/events_strategy.py).

Every response is kept as text (and as its exact bytes when they are not
UTF-8); a body :func:`quint_reports.ingest.jsonbody.decode` rejects is landed marked
``rejected``. Such bodies, and records that fail validation, are also listed
in the quarantine with a reason; nothing is dropped.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from quint_reports.ingest.client import ApiClient, ApiResponse, RequestFailed
from quint_reports.ingest.endpoints import CHILDREN, DETAIL, FAN_OUT, LIST, Endpoint
from quint_reports.ingest.rows import BodyRow, ListRow, QuarantineRow
from quint_reports.timebounds import iso_z, parse_iso


def record_key(record: Any, text: str) -> str:
    """The record's id when it is a string, else ``md5:`` + md5 of its text."""
    sid = session_id_of(record)
    if sid is not None:
        return sid
    return "md5:" + hashlib.md5(text.encode("utf-8")).hexdigest()


def session_id_of(record: Any) -> str | None:
    """The record's id when it is a non-empty string, else None."""
    rid = record.get("id") if isinstance(record, dict) else None
    return rid if isinstance(rid, str) and rid else None


def _dump(record: Any) -> str:
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


@dataclass
class Listing:
    """The session list: landed rows, quarantined ones, and what the fan-out needs."""

    rows: list[ListRow] = field(default_factory=list)
    quarantine: list[QuarantineRow] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    parents: set[str] = field(default_factory=set)
    max_started_at: datetime | None = None


async def list_sessions(api: ApiClient, since: datetime | None) -> Listing:
    """List sessions (started on or after ``since`` when given), following any pagination.

    Raises:
        RequestFailed: the list could not be fetched.
    """
    params = {"since": iso_z(since)} if since else None
    assert LIST.array_key is not None
    items, pages = await api.get_list(LIST.path, LIST.array_key, params, kind=LIST.path)
    now = datetime.now(timezone.utc)
    listing = Listing()
    for number, page in enumerate(pages, 1):
        if not (page.status == 200 and isinstance(page.data, dict) and isinstance(page.data.get(LIST.array_key), list)):
            # A listing cut short must stop the run: taken as complete, it would move the
            # watermark past sessions never seen, and a --full run would prune them.
            reason = (
                f"a rejected body ({page.json_error})"
                if page.json_error
                else f"HTTP {page.status} without a {LIST.array_key} array"
            )
            raise RequestFailed(f"GET {page.path} answered {reason} (page {number})", page.status)
    seen: set[str] = set()
    for record in items:
        text = _dump(record)
        key = record_key(record, text)
        sid = session_id_of(record)
        listing.rows.append(ListRow(key, sid, now, LIST.path, text))
        for reason in LIST.check(record):
            listing.quarantine.append(QuarantineRow(LIST.path, key, reason, now, text))
        if sid is None:
            continue
        if sid not in seen:
            seen.add(sid)
            listing.ids.append(sid)
        parent = record.get("parent_id")
        if isinstance(parent, str) and parent:
            listing.parents.add(parent)
        started = parse_iso(record.get("started_at"))
        if started is not None and (listing.max_started_at is None or started > listing.max_started_at):
            listing.max_started_at = started
    return listing


@dataclass
class SessionResult:
    """Everything one job fetched about one session; landed together or not at all."""

    session_id: str
    job: str
    bodies: list[BodyRow] = field(default_factory=list)
    quarantine: list[QuarantineRow] = field(default_factory=list)
    events: int = 0
    missing: bool = False
    failure: str | None = None


@dataclass
class FetchOutcome:
    """What the fan-out did, for the summary."""

    sessions: int = 0
    missing: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    failed_kind: str | None = None
    """The ``RequestFailed.kind`` of the last failure (rate_limited, refused ...)."""


class Fetcher:
    """Fetches sessions with a bounded number of workers, discovering referenced ids as it goes."""

    def __init__(
        self,
        api: ApiClient,
        *,
        parents: set[str],
        known: set[str],
        on_result: Callable[[SessionResult], Awaitable[None]],
        on_discover: Callable[[int], None] = lambda n: None,
    ) -> None:
        self.api = api
        self.parents = set(parents)
        self.known = known
        self.on_result = on_result
        self.on_discover = on_discover
        self.outcome = FetchOutcome()
        self._queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
        self._scheduled: set[str] = set()
        self._children_done: set[str] = set()
        self._without_children: set[str] = set()
        """Session jobs that decided not to fetch /children (no child was known then)."""
        self._hierarchy_refreshed: set[str] = set()

    async def run(self, ids: Iterable[str]) -> FetchOutcome:
        """Fetch ``ids`` and every session they reference that is neither scheduled nor known."""
        for sid in ids:
            self._schedule("session", sid)
        self._broken = asyncio.get_running_loop().create_future()
        workers = [asyncio.create_task(self._work()) for _ in range(self.api.settings.concurrency)]
        joined = asyncio.create_task(self._queue.join())
        try:
            await asyncio.wait({joined, self._broken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (*workers, joined):
                task.cancel()
            await asyncio.gather(*workers, joined, return_exceptions=True)
        if self._broken.done():
            raise self._broken.exception()  # type: ignore[misc]
        return self.outcome

    def _schedule(self, job: str, sid: str) -> None:
        if job == "session":
            if sid in self._scheduled:
                return
            self._scheduled.add(sid)
        self._queue.put_nowait((job, sid))

    async def _work(self) -> None:
        while True:
            job, sid = await self._queue.get()
            try:
                result = await self._fetch(job, sid)
                if result.failure:
                    self.outcome.failed[sid] = result.failure
                elif result.missing:
                    self.outcome.missing.append(sid)
                if job == "session":
                    self.outcome.sessions += 1
                await self.on_result(result)
            except Exception as exc:  # AuthError, a database error: stop the whole run
                if not self._broken.done():
                    self._broken.set_exception(exc)
                return
            finally:
                self._queue.task_done()

    async def _fetch(self, job: str, sid: str) -> SessionResult:
        result = SessionResult(sid, job)
        try:
            detail = None
            if job != "children":
                detail = await self._get(result, DETAIL, sid)
                if detail.status == 404:
                    result.missing = True
                    return result
            children_ids = self._read_detail(result, detail) if detail is not None else []
            wants_children = job != "session" or bool(children_ids) or sid in self.parents
            # A null score in a session still running is one being computed, not a defect.
            body = detail.data if detail is not None else None
            running = not (isinstance(body, dict) and body.get("state") == "ended")
            with_children = wants_children and (job != "session" or sid not in self._children_done)
            if with_children:
                self._children_done.add(sid)
            elif job == "session":
                self._without_children.add(sid)
            due = {"always": job == "session", "with_children": with_children}
            calls = [self._array(result, e, running) for e in FAN_OUT if due[e.fetched]]
            await asyncio.gather(*calls)
        except RequestFailed as exc:
            self.outcome.failed_kind = exc.kind
            return SessionResult(sid, job, failure=str(exc))
        return result

    async def _get(self, result: SessionResult, endpoint: Endpoint, sid: str) -> ApiResponse:
        template = endpoint.path
        response = await self.api.get(endpoint.url(sid), kind=template)
        rejected = response.json_error if response.status == 200 else None
        result.bodies.append(
            BodyRow(
                endpoint.kind,
                sid,
                datetime.now(timezone.utc),
                template,
                response.status,
                response.text,
                raw=response.raw,
                rejected=rejected,
            )
        )
        if rejected:
            self._quarantine(result, template, sid, rejected, response.text, response.raw)
        elif response.status not in (200, 404):
            self._quarantine(result, template, sid, f"HTTP {response.status}", response.text, response.raw)
        return response

    def _read_detail(self, result: SessionResult, detail: ApiResponse) -> list[str]:
        body = detail.data
        if detail.status != 200 or body is None:
            return []
        if not isinstance(body, dict):
            self._quarantine(result, DETAIL.path, result.session_id, "record is not an object", detail.text)
            return []
        if body.get("id") != result.session_id:
            self._quarantine(result, DETAIL.path, result.session_id, "id differs from the requested id", detail.text)
        for reason in DETAIL.check(body, detail=True):
            self._quarantine(result, DETAIL.path, result.session_id, reason, detail.text)
        parent = body.get("parent_id")
        if isinstance(parent, str) and parent:
            self._note_parent(parent, result.session_id)
        children = body.get("children")
        if children is not None and not isinstance(children, list):
            self._quarantine(result, DETAIL.path, result.session_id, "children is not an array", detail.text)
        if not isinstance(children, list):
            return []
        self._check_records(result, DETAIL.path, children, CHILDREN.check)
        ids = [c["id"] for c in children if isinstance(c, dict) and isinstance(c.get("id"), str)]
        for child in ids:
            self._reference(child)
        return ids

    async def _array(self, result: SessionResult, endpoint: Endpoint, running: bool) -> None:
        """Fetch one array endpoint; count its events, follow the sessions it names."""
        sid = result.session_id
        response = await self._get(result, endpoint, sid)
        records = self._records(result, endpoint, response, lambda record: endpoint.problems(record, sid, running))
        if endpoint.record == "event":
            result.events += len(records)
            return
        for record in records:
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                self._reference(record["id"])

    def _records(
        self, result: SessionResult, endpoint: Endpoint, response: ApiResponse, check: Callable[[Any], list[str]]
    ) -> list[Any]:
        """The endpoint's array of records; the body or each bad element is quarantined with its reason."""
        if response.status != 200 or response.data is None:
            return []
        body, key = response.data, endpoint.array_key
        if not isinstance(body, dict) or not isinstance(body.get(key), list):
            self._quarantine(result, endpoint.path, result.session_id, f"no {key} array", response.text)
            return []
        records: list[Any] = body[key]
        self._check_records(result, endpoint.path, records, check)
        return records

    def _check_records(
        self, result: SessionResult, template: str, records: list[Any], check: Callable[[Any], list[str]]
    ) -> None:
        """Quarantine each failing element of a per-session array, keyed ``<session_id>/<record_key>``."""
        for record in records:
            problems = check(record)
            if problems:
                text = _dump(record)
                rkey = f"{result.session_id}/{record_key(record, text)}"
                for reason in problems:
                    self._quarantine(result, template, rkey, reason, text)

    def _note_parent(self, parent: str, child: str) -> None:
        self.parents.add(parent)
        if parent in self._without_children and parent not in self._children_done:
            # Already fetched without /children before this child named it.
            self._children_done.add(parent)
            self._schedule("children", parent)
        elif parent in self.known and parent not in self._scheduled and child not in self.known:
            # A new child of a session landed in an earlier run: its detail and /children changed.
            if parent not in self._hierarchy_refreshed:
                self._hierarchy_refreshed.add(parent)
                self._schedule("hierarchy", parent)
        elif parent not in self._scheduled:
            self._reference(parent)

    def _reference(self, sid: str) -> None:
        if sid not in self._scheduled and sid not in self.known:
            self._schedule("session", sid)
            self.on_discover(1)

    @staticmethod
    def _quarantine(
        result: SessionResult, endpoint: str, key: str, reason: str, raw: str, raw_bytes: bytes | None = None
    ) -> None:
        result.quarantine.append(QuarantineRow(endpoint, key, reason, datetime.now(timezone.utc), raw, raw_bytes))
