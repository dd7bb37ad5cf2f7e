"""``sync()`` / ``sync_async()``: list, fetch, land, apply views, publish; one run at a time per database.

    WorkDatabase (lock, private copy) -> list_sessions -> Fetcher -> Store.write every batch
        -> views.apply_views -> CHECKPOINT + os.replace -> SyncResult

Incremental by default: sessions started since the watermark minus an overlap
(less those landed settled and listed unchanged), plus every landed session not yet
settled. ``full=True`` refetches everything
and drops landed rows the run did not see.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import duckdb

from quint_reports.exceptions import ApiUnreachable, ConfigError, DatabaseError, PartialFailure
from quint_reports.ingest.client import ApiClient, RequestFailed
from quint_reports.ingest.fetch import Fetcher, Listing, SessionResult, list_sessions
from quint_reports.ingest.progress import SyncProgress
from quint_reports.ingest.rows import Batch, BodyRow
from quint_reports.ingest.store import WATERMARK_KEY, ChangeTally, Store
from quint_reports.settings import Settings
from quint_reports.timebounds import iso_z, to_utc
from quint_reports.warehouse.publish import WorkDatabase
from quint_reports.warehouse.sqlfiles import read_sql
from quint_reports.warehouse.views import apply_views

log = logging.getLogger("quint_reports.ingest.sync")

UNREACHABLE_HINT = (
    "check --api-url / QUINT_API_URL and the network (or whether the API is down), then run sync again; "
    "nothing was published, the previous snapshot is intact"
)
"""What to do when the API cannot be reached (exit 4)."""

WRONG_URL_HINT = (
    "check --api-url / QUINT_API_URL: it must be the API's base URL, e.g. https://api.quintai.dev; "
    "nothing was published, the previous snapshot is intact"
)
"""What to do when the API answers the session list with a 4xx (exit 2)."""


TYPE_SESSIONS = 1000
"""The writer types the landed events once this many sessions' bodies wait, and after the last batch (10,000
sessions typed 200 at a time cost 6.2 s of CPU, about 12 us an event, against 2.3 s 2,000 at a time; fewer
typings overlap less of the fetch)."""

SHRINK_LIMIT = 0.5
"""A --full run prunes only when the listing holds at least this share of the sessions landed before."""

HINTS = {
    "rate_limited": "the API kept answering 429 (rate limited) for the whole retry budget: run sync again later, "
    "or with a lower --concurrency",
    "server_error": "the API kept answering 5xx (a server-side failure): run sync again later",
    "refused": "nothing accepts connections there: check --api-url / QUINT_API_URL (host and port)",
    "timeout": "the API did not answer in time: check the network, or whether the API is down",
}
"""What to do when the API cannot be reached (exit 4), by what actually happened."""


def unreachable_hint(kind: str) -> str:
    """The advice of an exit-4 message for a failure of this kind."""
    return f"{HINTS.get(kind, 'check --api-url / QUINT_API_URL and the network')}; {UNREACHABLE_HINT}"


@dataclass(frozen=True)
class SyncResult:
    """The outcome of one sync run; ``str()`` gives the one-line summary."""

    run_id: str
    db: Path
    mode: str
    status: str
    sessions: int
    sessions_new: int
    sessions_updated: int
    sessions_unchanged: int
    events: int
    quarantined: int
    missing: int
    failed: int
    requests: int
    retries: int
    seconds: float
    requests_by_endpoint: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    compared: int = 0
    """Sessions whose risk_summary was compared with their events (settled when fetched)."""
    pending: int = 0
    """Sessions not settled when fetched (still running, ...): compared by a later sync."""
    pending_reasons: dict[str, int] = field(default_factory=dict)
    """Why they are pending (session_risk.pending_reason) -> sessions."""

    @property
    def requests_per_session(self) -> float:
        """Requests made per session fetched (the list request included)."""
        return self.requests / self.sessions if self.sessions else float(self.requests)

    def summary(self) -> str:
        """The one-line summary printed at the end of a run."""
        return (
            f"sync {self.status} ({self.mode}): sessions {self.sessions_new} new, {self.sessions_updated} updated, "
            f"{self.sessions_unchanged} unchanged; {self.events} events; {self.quarantined} quarantined; "
            f"{self.missing} missing; {self.failed} failed; {self.requests} requests "
            f"({self.requests_per_session:.2f}/session); {self.retries} retries; {self.seconds:.1f} s; "
            f"summaries {self.compared} compared, {self.pending} pending{self._reasons()}"
        )

    def _reasons(self) -> str:
        if not self.pending_reasons:
            return ""
        return " (" + ", ".join(f"{n} {reason}" for reason, n in self.pending_reasons.items()) + ")"

    __str__ = summary


class _BatchWriter:
    """Collects fetched sessions and lands them every ``batch_size`` sessions, off the event loop."""

    def __init__(self, store: Store, run_id: str, batch_size: int) -> None:
        self.store = store
        self.run_id = run_id
        self.batch_size = batch_size
        self.batch = Batch()
        self.pending = 0
        self.tally = ChangeTally()
        self.events = 0
        self.quarantined = 0
        self._lock = asyncio.Lock()
        self._failed: BaseException | None = None
        self._typing = True
        """Whether events are typed as they land (off after a failure: the apply types them)."""
        self._untyped: dict[str, BodyRow] = {}
        """The latest events body of each session landed but not typed yet."""

    def add_listing(self, listing: Listing) -> None:
        self.batch.listed.extend(listing.rows)
        self.batch.quarantine.extend(listing.quarantine)
        self.quarantined += len(listing.quarantine)

    async def add(self, result: SessionResult) -> None:
        if result.failure:
            return  # nothing of a failed session lands: its earlier rows stay whole
        self.batch.bodies.extend(result.bodies)
        self.batch.quarantine.extend(result.quarantine)
        self.events += result.events
        self.quarantined += len(result.quarantine)
        self.pending += 1
        if self.pending >= self.batch_size:
            await self.flush(only_full=True)

    async def flush(
        self,
        state: dict[str, str] | None = None,
        prune_keep: set[str] | None = None,
        *,
        only_full: bool = False,
        last: bool = False,
    ) -> None:
        """Land the batch; ``only_full``: only if it still holds ``batch_size`` sessions once the lock is ours;
        ``last``: the run's last batch, after which every landed events body is typed."""
        async with self._lock:
            if self._failed is not None:
                # A flush that queued behind the failed one: the run is stopping, write nothing more.
                raise self._failed
            if only_full and self.pending < self.batch_size:
                # Queued behind the flush that took the batch: landing the few sessions since would make
                # many small writes whenever landing is slower than fetching (each one scans the landed keys).
                return
            batch, self.batch, self.pending = self.batch, Batch(), 0
            if not batch and state is None and prune_keep is None and not (last and self._untyped):
                return
            try:
                await asyncio.to_thread(self._land, batch, state, prune_keep, last)
            except BaseException as exc:
                self._failed = exc
                raise

    def _land(self, batch: Batch, state: dict[str, str] | None, prune_keep: set[str] | None, last: bool) -> None:
        self.store.write(self.run_id, batch, state, prune_keep, self.tally)
        self._type_landed(batch, last)

    def _type_landed(self, batch: Batch, last: bool) -> None:
        """Type the events bodies landed so far once ``TYPE_SESSIONS`` sessions' wait, or after the last batch."""
        if not self._typing:
            return
        # Here, the parse of the events overlaps the fetch; after it, it would wait for the last batch. A typing
        # costs some 30 ms whatever its size, so it waits for TYPE_SESSIONS sessions, or the last batch.
        self._untyped.update((body.session_id, body) for body in batch.bodies if body.kind == "events")
        if len(self._untyped) >= TYPE_SESSIONS or (last and self._untyped):
            bodies, self._untyped = list(self._untyped.values()), {}
            self._typing = self.store.type_events(self.run_id, bodies)


def _apply_views(con: Any, *, full: bool) -> str | None:
    """Apply the sql/ view layers into the work file in one transaction; return the error, if any.

    A failing SQL file must not cost the night's data: the views roll back to the
    previous run's, the landed rows are still published, and the caller reports it.
    """
    con.begin()
    try:
        apply_views(con, full=full)
    except duckdb.Error as exc:
        con.rollback()
        log.error("applying the views failed, kept the previous ones: %s", exc)
        return str(exc)
    con.commit()
    return None


async def sync_async(
    db: str | os.PathLike[str] | None = None,
    *,
    api_url: str | None = None,
    token_file: str | os.PathLike[str] | None = None,
    since: date | datetime | str | None = None,
    full: bool = False,
    concurrency: int | None = None,
    batch_size: int | None = None,
    progress: bool | None = None,
    settings: Settings | None = None,
    allow_shrink: bool = False,
    max_response_mb: int | None = None,
) -> SyncResult:
    """Sync the Quint API into the DuckDB file ``db`` and publish a new snapshot; awaitable in Jupyter.

    Args:
        db: published database path; else ``QUINT_DB``; else ``quint.duckdb``.
        api_url: API base URL; else ``QUINT_API_URL``; else https://api.quintai.dev.
        token_file: file holding the token; else ``QUINT_API_TOKEN``.
        since: list only sessions started on or after this date (plus open ones already landed).
        full: refetch everything and drop landed rows this run did not see.
        concurrency: requests in flight at once (default 16).
        batch_size: sessions per database write (default 200); bounds memory.
        progress: force the progress bar on or off (default: on when stderr is a terminal).
        settings: complete settings, instead of the arguments above.
        allow_shrink: let a ``full`` run prune even when the listing holds fewer than half
            the sessions landed before (an empty listing included); otherwise it is refused.
        max_response_mb: largest response body read, in MiB (default 64).

    Returns:
        The run's counters; ``str(result)`` is the one-line summary.

    Raises:
        ConfigError: bad token, URL or --since; ``full`` with ``since``; a ``full`` listing that
            would prune too much (see ``allow_shrink``). AuthError: the API refused the token.
        ApiUnreachable: the list, or every session, could not be fetched (nothing published).
        PartialFailure: published, but some sessions failed for good (``exc.result`` has the counters).
        LockHeld: another sync holds the database. DatabaseError: the file cannot be written or published.

    Example:
        >>> result = await quint_reports.sync_async("quint.duckdb")
    """
    if settings is None:
        extra: dict[str, Any] = {} if batch_size is None else {"batch_size": batch_size}
        if max_response_mb is not None:
            extra["max_response_bytes"] = max_response_mb * 1024 * 1024
        settings = Settings.resolve(api_url=api_url, token_file=token_file, db=db, concurrency=concurrency, **extra)
    since_at = to_utc(since, "--since")
    if full and since_at is not None:
        # A windowed listing says nothing about sessions outside the window: pruning them would be a guess.
        raise ConfigError(
            "--full with --since is refused: --full deletes what the listing does not name, and a listing "
            "since a date names nothing older. Use --full alone to rebuild, or --since alone to refetch a window"
        )
    started = time.monotonic()
    started_at = datetime.now(timezone.utc)
    run_id = f"{started_at:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
    with WorkDatabase(settings.db, settings.resources) as work:
        assert work.con is not None
        store = Store(work.con)
        store.ensure_schema()
        watermark = None if full else store.watermark()
        # A first sync (nothing landed, no watermark) fetches everything: say so.
        mode = "full" if full or (watermark is None and not store.listed_session_count()) else "incremental"
        list_since = since_at or (watermark - settings.overlap if watermark else None)
        open_ids = [] if full else store.open_session_ids()
        known = set() if full else store.known_session_ids()
        parents = set() if full else store.known_parent_ids()
        store.start_run(run_id, mode, settings.api_url, started_at)
        writer = _BatchWriter(store, run_id, settings.batch_size)
        async with ApiClient(settings) as api:
            with SyncProgress(api.stats, enabled=progress) as shown:
                try:
                    listing = await list_sessions(api, list_since)
                except RequestFailed as exc:
                    failed = f"could not list sessions from {settings.api_url}: {exc}"
                    if exc.status is not None and 400 <= exc.status < 500:
                        # The server answered, so the network is fine: the URL (or its path) is wrong.
                        raise ConfigError(f"{failed}; {WRONG_URL_HINT}") from None
                    raise ApiUnreachable(f"{failed}; {unreachable_hint(exc.kind)}") from None
                if full:
                    _refuse_shrinking(len(listing.ids), store.listed_session_count(), allow_shrink)
                listed = set(listing.ids)
                settled = set() if full else _settled_and_unchanged(store, listing, open_ids)
                if since_at is not None:
                    settled = set()  # --since asks for that window to be refetched
                reopened = [sid for sid in open_ids if sid not in listed]
                ids = [sid for sid in listing.ids if sid not in settled] + reopened
                log.info(
                    "run %s (%s): %d listed, %d of them settled and unchanged (not refetched), "
                    "%d open sessions to refetch",
                    run_id,
                    mode,
                    len(listed),
                    len(settled),
                    len(reopened),
                )
                writer.add_listing(listing)
                shown.add_total(len(ids))

                async def landed(result: SessionResult) -> None:
                    await writer.add(result)
                    if result.job == "session":
                        shown.advance()

                fetcher = Fetcher(
                    api, parents=parents | listing.parents, known=known, on_result=landed, on_discover=shown.add_total
                )
                outcome = await fetcher.run(ids)
                if outcome.sessions and len(outcome.failed) == outcome.sessions:
                    first = next(iter(outcome.failed.values()))
                    raise ApiUnreachable(
                        f"every session request failed against {settings.api_url} (e.g. {first}); "
                        f"{unreachable_hint(outcome.failed_kind or 'network')}"
                    )
                marks = [m for m in (watermark, listing.max_started_at) if m is not None]
                state = {WATERMARK_KEY: iso_z(max(marks))} if marks else None
                await writer.flush(state=state, prune_keep=set(outcome.failed) if full else None, last=True)
        status = "partial" if outcome.failed else "success"
        result = SyncResult(
            run_id=run_id,
            db=work.db,
            mode=mode,
            status=status,
            sessions=outcome.sessions,
            sessions_new=writer.tally.count("new"),
            sessions_updated=writer.tally.count("updated"),
            sessions_unchanged=writer.tally.count("unchanged"),
            events=writer.events,
            quarantined=writer.quarantined,
            missing=len(outcome.missing),
            failed=len(outcome.failed),
            requests=api.stats.requests,
            retries=api.stats.retries,
            seconds=round(time.monotonic() - started, 3),
            requests_by_endpoint=dict(api.stats.by_kind),
            failures=dict(outcome.failed),
        )
        store.finish_run(run_id, status, datetime.now(timezone.utc), _counters(result))
        # The rows landed since the work file's last checkpoint (it checkpoints only past WORK_CHECKPOINT_THRESHOLD)
        # are written before the apply: after 10,063 sessions landed into a 100,000-session file, the apply ran out
        # of the 512MB limit without it (twice of twice, in int_event_duplicates.sql) and fitted with it.
        work.con.execute("checkpoint")
        views_error = _apply_views(work.con, full=full)
        if views_error is None:
            store.record_findings(run_id, datetime.now(timezone.utc))
            result = replace(result, **_comparisons(work.con))
        work.publish()
    # The summary itself is the caller's to show (the CLI prints it, nightly logs it): logged here
    # too, a terminal would show it twice.
    log.info("requests by endpoint: %s", ", ".join(f"{k} {v}" for k, v in sorted(result.requests_by_endpoint.items())))
    if views_error:
        raise DatabaseError(
            f"the data is synced and published, but applying the views failed ({views_error}); "
            "the previous views are kept: fix that SQL file, then run sync again"
        )
    if result.failed:
        error = PartialFailure(
            f"{result.failed} of {result.sessions} sessions could not be fetched (e.g. "
            f"{next(iter(result.failures.values()))}); the rest is published and those keep their earlier rows: "
            "run sync again, the next run retries them; if they keep failing, check the network and "
            "--api-url / QUINT_API_URL"
        )
        error.result = result  # type: ignore[attr-defined]
        raise error
    return result


def _settled_and_unchanged(store: Store, listing: Listing, open_ids: list[str]) -> set[str]:
    """The listed sessions an incremental run need not refetch; drops their unchanged records from ``listing``.

    A session is left as landed when every record the listing holds for it is the landed text, its detail landed
    whole, and it is not open (``open_sessions.sql``: not settled when fetched, or a score still null): the
    listing's one-day overlap re-lists a day of sessions on every run, and refetching them all made an
    incremental nightly at 100,000 sessions fetch 15,083 sessions for 1,000 new ones. A record identical to
    the landed one is not landed again either, so that the views see no change for it.
    """
    same_keys, whole = store.unchanged_list_records(listing.rows)
    changed = {row.session_id for row in listing.rows if row.record_key not in same_keys}
    listing.rows = [row for row in listing.rows if row.record_key not in same_keys]
    return whole - changed - set(open_ids)


def _comparisons(con: Any) -> dict[str, Any]:
    """How many summaries the views compared, and why the others are pending (from session_risk)."""
    rows = con.execute(read_sql("queries/summary_comparisons.sql")).fetchall()
    reasons = {reason: n for status, reason, n in rows if status == "pending"}
    compared = sum(n for status, _, n in rows if status == "compared")
    return {"compared": compared, "pending": sum(reasons.values()), "pending_reasons": reasons}


def _refuse_shrinking(listed: int, landed: int, allow_shrink: bool) -> None:
    """Refuse a --full run whose listing would prune most of what is landed, unless told to."""
    if allow_shrink or landed == 0 or listed >= landed * SHRINK_LIMIT:
        return
    raise ConfigError(
        f"--full refused: the API listed {listed} sessions where {landed} are landed, so the rebuild would "
        f"delete {landed - listed} of them. Nothing was changed or published. If the API really lost them, "
        "run again with --allow-shrink; otherwise run sync without --full"
    )


def _counters(result: SyncResult) -> dict[str, Any]:
    names = (
        "sessions_new",
        "sessions_updated",
        "sessions_unchanged",
        "events",
        "quarantined",
        "requests",
        "retries",
        "seconds",
    )
    return {name: getattr(result, name) for name in names}


def sync(
    db: str | os.PathLike[str] | None = None,
    *,
    api_url: str | None = None,
    token_file: str | os.PathLike[str] | None = None,
    since: date | datetime | str | None = None,
    full: bool = False,
    concurrency: int | None = None,
    batch_size: int | None = None,
    progress: bool | None = None,
    settings: Settings | None = None,
    allow_shrink: bool = False,
    max_response_mb: int | None = None,
) -> SyncResult:
    """Run :func:`sync_async` to completion; works inside Jupyter too (see ``sync_async`` for arguments).

    Inside a running event loop (a notebook) the run happens on a worker thread with its
    own loop, so no nest_asyncio is needed; elsewhere it uses ``asyncio.run``.

    Example:
        >>> print(quint_reports.sync("quint.duckdb"))
    """
    kwargs: dict[str, Any] = dict(
        api_url=api_url,
        token_file=token_file,
        since=since,
        full=full,
        concurrency=concurrency,
        batch_size=batch_size,
        progress=progress,
        settings=settings,
        allow_shrink=allow_shrink,
        max_response_mb=max_response_mb,
    )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(sync_async(db, **kwargs))
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="quint-sync") as pool:
        return pool.submit(lambda: asyncio.run(sync_async(db, **kwargs))).result()
