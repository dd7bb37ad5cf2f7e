"""Errors raised by quint_reports, and the exit code each maps to.

    QuintError                  base; exit_code 1 unless a subclass says otherwise
     +-- ConfigError            bad or missing configuration or input              exit 2
     +-- AuthError              the API answered 401/403                           exit 3
     +-- ApiUnreachable         connection failed or retries ran out everywhere    exit 4
     +-- PartialFailure         the run finished but some requests failed for good exit 5
     +-- LockHeld               another sync or nightly run holds the lock         exit 6
     +-- DatabaseError          the database file cannot be opened or published    exit 7

Anything else escaping the CLI is a bug: exit 70, so cron never mistakes it
for exit 1 ("ran, findings above the threshold").

Messages say what was wrong and what to do. They never contain the API token.
"""

from __future__ import annotations


class QuintError(Exception):
    """Base class of every error quint_reports raises on purpose."""

    exit_code = 1


class ConfigError(QuintError):
    """Configuration is missing or invalid."""

    exit_code = 2


class AuthError(QuintError):
    """The API refused the token (401 or 403)."""

    exit_code = 3


class ApiUnreachable(QuintError):
    """The API could not be reached at all."""

    exit_code = 4


class PartialFailure(QuintError):
    """The run finished, but some resources could not be fetched."""

    exit_code = 5


class LockHeld(QuintError):
    """Another run holds the lock on this database."""

    exit_code = 6


class DatabaseError(QuintError):
    """The database file could not be opened, written or published."""

    exit_code = 7


INTERNAL_ERROR = 70
"""Exit code of an unexpected exception (a bug), as sysexits' EX_SOFTWARE."""

EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "findings at or above the --fail-on threshold (check, nightly)",
    2: "configuration, usage or input error (bad token, URL, option or window; --full refusing to prune)",
    3: "authentication refused (401/403): check QUINT_API_TOKEN",
    4: "API unreachable (rate limited, 5xx, refused, timed out: the message says which) or an unusable "
    "session list; nothing was published",
    5: "partial failure: some resources could not be fetched; the rest is published, run sync again to retry them",
    6: "another run holds the lock",
    7: "database error (not a DuckDB file, cannot publish, held read-write by another process, a failing sql/ file)",
    INTERNAL_ERROR: "internal error (a bug): the traceback is printed and logged",
}
"""Every exit code the CLI uses, for --help and the README."""
