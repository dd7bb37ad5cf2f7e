"""Sync settings: where the API is, how to authenticate, where the database lives, how hard to push.

The token is read from the ``QUINT_API_TOKEN`` environment variable or from a
file, never from a command-line value (which ``ps`` would show). It is wrapped
in :class:`Token` so that no repr, log line or exception text can show it.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from quint_reports.exceptions import ConfigError
from quint_reports.ingest.jsonbody import redact_text

if TYPE_CHECKING:  # duckdb is imported where a connection is opened, not by `--help`
    import duckdb

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.quintai.dev"
"""The real Quint API."""

DEFAULT_DB = "quint.duckdb"
"""The published database, relative to the working directory, unless ``QUINT_DB`` or ``--db`` says otherwise."""

DEFAULT_CONCURRENCY = 32
"""Requests in flight at once. Measured by ``make bench`` (2,000 sessions, 25 ms latency, 2 cores,
pools of 4 connections): 8 -> 20.4 s, 32 -> 10.6 s, 64 -> 10.4 s. Past 32 the client's CPU, not
the API, is the limit, so more would only load the API."""

DEFAULT_MAX_RESPONSE_MB = 64
"""Largest response body read, in MiB: a large session's events are a few MB."""

TOKEN_ENV = "QUINT_API_TOKEN"
URL_ENV = "QUINT_API_URL"
DB_ENV = "QUINT_DB"
MEMORY_LIMIT_ENV = "QUINT_MEMORY_LIMIT"
TEMP_DIR_ENV = "QUINT_TEMP_DIR"

DEFAULT_MEMORY_LIMIT = "512MB"
"""DuckDB's memory limit per connection. Measured by ``make bench`` (100,000 sessions, 5,000,000
events, 2 cores): see bench/RESULTS.md, section 3; DuckDB's own default is 80% of the RAM."""

_MEMORY_LIMIT = re.compile(r"\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)", re.IGNORECASE)

_LOOPBACK_HOSTS = {"localhost"}


class Token:
    """An API token that never shows itself in a repr, str or f-string."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret, for the Authorization header only."""
        return self._value

    def __repr__(self) -> str:
        return "Token('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Token) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


@dataclass(frozen=True)
class Resources:
    """What DuckDB may use: a memory limit, and where it spills what does not fit.

    Every connection the package opens (the writer's work file, every reader) applies them.
    Each spills into its own folder inside ``temp_dir``: ``<db>.work.tmp`` for the writer,
    ``<db>.read-<pid>.tmp`` for a reader; DuckDB deletes them when the connection closes.
    """

    memory_limit: str = DEFAULT_MEMORY_LIMIT
    """A DuckDB size, e.g. ``512MB`` or ``2GiB``."""
    temp_dir: Path | None = None
    """The folder the spill folders go in; None: beside the database."""

    @classmethod
    def resolve(cls, memory_limit: str | None = None, temp_dir: str | os.PathLike[str] | None = None) -> Resources:
        """From the arguments, else ``QUINT_MEMORY_LIMIT`` / ``QUINT_TEMP_DIR``, else the defaults.

        Raises:
            ConfigError: the memory limit is not a size such as 512MB.
        """
        limit = (memory_limit or os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT).strip()
        if not _MEMORY_LIMIT.fullmatch(limit):
            raise ConfigError(
                f"memory limit must be a size such as 512MB or 2GB, got {redact_text(limit)!r}: "
                f"fix --memory-limit / {MEMORY_LIMIT_ENV}"
            )
        folder = temp_dir or os.environ.get(TEMP_DIR_ENV) or None
        return cls(limit, Path(folder).expanduser().absolute() if folder else None)

    def spill_dir(self, db: Path, role: str) -> Path:
        """The folder a connection to ``db`` spills into; ``role`` is ``work`` or ``read-<pid>``."""
        return (self.temp_dir or db.parent) / f"{db.name}.{role}.tmp"

    def apply(self, con: duckdb.DuckDBPyConnection, db: Path, role: str) -> None:
        """Set the memory limit and the spill folder on ``con``."""
        con.execute(f"set memory_limit = '{self.memory_limit}'")  # checked by resolve() against _MEMORY_LIMIT
        con.execute("set temp_directory = '" + str(self.spill_dir(db, role)).replace("'", "''") + "'")


@dataclass(frozen=True)
class Settings:
    """Everything a sync needs; build it with :meth:`Settings.resolve`."""

    api_url: str = DEFAULT_API_URL
    token: Token = field(default_factory=lambda: Token(""), repr=False)
    db: Path = Path(DEFAULT_DB)
    concurrency: int = DEFAULT_CONCURRENCY
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 6
    """Attempts per request, the first included."""
    max_retry_seconds: float = 180.0
    """Give up on a request once its retries have taken this long in total."""
    backoff_base: float = 0.25
    backoff_max: float = 15.0
    retry_after_max: float = 60.0
    """A larger Retry-After is clamped to this."""
    batch_size: int = 200
    """Sessions per database write: bounds memory, whatever the size of the organisation."""
    overlap: timedelta = timedelta(days=1)
    """Incremental runs re-list sessions started this long before the watermark."""
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_MB * 1024 * 1024
    """A larger response fails its request, with its size, instead of filling the memory."""
    resources: Resources = field(default_factory=Resources.resolve)
    """DuckDB's memory limit and spill folder for the work file."""

    @classmethod
    def resolve(
        cls,
        *,
        api_url: str | None = None,
        token_file: str | os.PathLike[str] | None = None,
        db: str | os.PathLike[str] | None = None,
        concurrency: int | None = None,
        **overrides: object,
    ) -> Settings:
        """Build settings from arguments, then environment variables, then defaults.

        Args:
            api_url: base URL; else ``QUINT_API_URL``; else the real API.
            token_file: file holding the token; else ``QUINT_API_TOKEN``.
            db: published database path; else ``QUINT_DB``; else ``quint.duckdb``.
            concurrency: requests in flight at once.
            **overrides: any other :class:`Settings` field (timeouts, retries, batch size).

        Raises:
            ConfigError: no token, an unreadable token file, an insecure or malformed URL,
                or a non-positive concurrency.
        """
        if api_url is not None and not api_url.strip():
            raise ConfigError(
                "--api-url is empty: give the API's base URL, e.g. https://api.quintai.dev, or leave it out"
            )
        url = check_api_url(api_url if api_url is not None else os.environ.get(URL_ENV) or DEFAULT_API_URL)
        token = read_token(token_file)
        settings = cls(api_url=url, token=token, db=resolve_db(db), **overrides)  # type: ignore[arg-type]
        if concurrency is not None:
            settings = replace(settings, concurrency=concurrency)
        if settings.concurrency < 1:
            raise ConfigError(f"concurrency must be at least 1, got {settings.concurrency}")
        if settings.batch_size < 1:
            raise ConfigError(f"batch size must be at least 1, got {settings.batch_size}")
        if settings.max_response_bytes < 1:
            raise ConfigError(f"the maximum response size must be positive, got {settings.max_response_bytes}")
        return settings


def resolve_db(db: str | os.PathLike[str] | None = None) -> Path:
    """The published database path: ``db``, else ``QUINT_DB``, else ``quint.duckdb`` (absolute)."""
    return Path(db or os.environ.get(DB_ENV) or DEFAULT_DB).expanduser().absolute()


def read_token(token_file: str | os.PathLike[str] | None) -> Token:
    """Read the token from ``token_file`` or ``QUINT_API_TOKEN``, and check that it can be one.

    A token file that others may read gets a warning. Messages name the file's
    path only when it cannot be a token itself (``--token-file qt_sk_...`` is a
    token given by mistake), and never show the token.

    Raises:
        ConfigError: the file cannot be read, is not UTF-8 or is empty, neither source
            gives a token, or the token is not one line of printable ASCII.
    """
    if token_file is not None:
        shown = _shown_path(token_file)
        path = Path(token_file)
        try:
            data = path.read_bytes()
            mode = path.stat().st_mode
        except OSError as exc:
            raise ConfigError(f"cannot read the token file {shown}: {exc.strerror}") from None
        try:
            value = data.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise ConfigError(f"the token file {shown} is not UTF-8 text: put the API token in it, alone") from None
        if not value:
            raise ConfigError(f"the token file {shown} is empty: put the API token in it")
        if mode & 0o077:
            log.warning("the token file %s can be read by other users: chmod 600 it", shown)
        return Token(_checked_token(value, f"the token in {shown}"))
    value = os.environ.get(TOKEN_ENV, "").strip()
    if not value:
        raise ConfigError(
            f"no API token: set {TOKEN_ENV} or pass --token-file with a file holding a "
            "service token (qt_sk_...) with read scope"
        )
    return Token(_checked_token(value, TOKEN_ENV))


def _checked_token(value: str, where: str) -> str:
    # A header can carry printable ASCII only; httpx would fail on the first request instead.
    if not value.isascii() or not value.isprintable() or any(c.isspace() for c in value):
        raise ConfigError(
            f"{where} is not a valid token: it must be one line of printable ASCII without spaces "
            "(e.g. qt_sk_...); check for a pasted line break or a stray character"
        )
    return value


def _shown_path(token_file: str | os.PathLike[str]) -> str:
    text = os.fspath(token_file)
    looks_like_token = redact_text(text) != text or text.startswith("eyJ")
    return "(a value that looks like a token, not a path)" if looks_like_token else text


def check_api_url(url: str) -> str:
    """Return ``url`` without a trailing slash if it is a safe API base URL.

    Plain http is refused except for loopback hosts, since the token travels in
    every request. Credentials in the URL are refused too, and never echoed.

    Raises:
        ConfigError: the URL is malformed, carries credentials, or is plain http to a remote host.
    """
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a port out of range or not a number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"API URL must look like https://host[:port] (port 1-65535), got {redact_text(url)!r}: "
            "fix --api-url / QUINT_API_URL"
        )
    if parts.port == 0:
        raise ConfigError("API URL port must be 1-65535, got 0: fix --api-url / QUINT_API_URL")
    if parts.username or parts.password:
        raise ConfigError("API URL must not contain credentials: put the token in QUINT_API_TOKEN instead")
    if parts.query or parts.fragment:
        raise ConfigError("API URL must not have a query string or fragment")
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise ConfigError(
            f"refusing plain http to {parts.hostname}: the token would travel unencrypted; "
            "use https (plain http is allowed for localhost only)"
        )
    return url.strip().rstrip("/")


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_HOSTS:
        return True
    try:
        addr = ipaddress.ip_address(host)
    except ValueError:
        return False
    return addr in (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))
