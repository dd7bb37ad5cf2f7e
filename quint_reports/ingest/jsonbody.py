"""What a response body means, decided once, in Python, for Python and SQL alike.

Every body goes through :func:`decode`. It returns the parsed value, the text
to land and, when the body cannot be taken at face value, the reason; the sync
lands such a body anyway (marked ``rejected``, so the SQL views never parse it)
and quarantines it with that reason. Nothing here raises.

Rules:

- the body must be UTF-8; otherwise the exact bytes are kept beside a readable
  text (invalid bytes replaced) and the body is rejected;
- it must be one strict JSON document (orjson: no NaN or Infinity, no number
  beyond a double, no lone surrogate, no trailing content);
- no object may repeat a key: parsers disagree on which value wins (Python took
  the last, DuckDB the first), so a repeated key is a rejection, never a guess;
- it may nest at most ``MAX_DEPTH`` levels;
- a body of ``null`` is rejected: no endpoint answers that;
- API tokens (``qt_sk_...`` and friends, and the run's own token) are replaced
  by ``[REDACTED]`` before anything else, so an API that echoes the bearer
  token never gets it landed or reported.

An accepted body is landed as the exact text received (UTF-8 JSON without
repeated keys means the same to every parser), so the bytes need no copy.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from typing import Any

import orjson

MAX_DEPTH = 254
"""Deepest nesting accepted: orjson re-serialises at most this many levels, and no record needs ten."""

log = logging.getLogger(__name__)

REDACTED = b"[REDACTED]"
"""What a token in a body is replaced with."""

_TOKEN_PATTERN = re.compile(rb"qt_(?:sk|pk|dk|deploy)_[A-Za-z0-9_\-]{6,}")
"""The documented Quint token kinds; a JWT is caught when it is the run's own token."""


@dataclass(frozen=True)
class Body:
    """One decoded body.

    Attributes:
        data: the parsed value; None when rejected.
        text: what to land as text: the body as received (tokens redacted), or with
            invalid UTF-8 replaced when it is not UTF-8.
        raw: the exact bytes (tokens redacted) when ``text`` is not them, else None.
        error: why the body is rejected (a fixed reason: ``body is not valid JSON``, ``body is
            not UTF-8``, ``body repeats a key``, ``body nests too deeply``, ``body is JSON null``),
            or None when it is accepted.
        retryable: the rejection may be a transfer accident (a syntax error), worth a retry.
    """

    data: Any
    text: str
    raw: bytes | None = None
    error: str | None = None
    retryable: bool = False


def redact(raw: bytes, secret: str | None = None) -> bytes:
    """``raw`` with API tokens (and ``secret``) replaced by ``[REDACTED]``."""
    if secret:
        needle = secret.encode("utf-8", "replace")
        if needle in raw:
            raw = raw.replace(needle, REDACTED)
    if b"qt_" in raw:
        raw = _TOKEN_PATTERN.sub(REDACTED, raw)
    return raw


def redact_text(text: str, secret: str | None = None) -> str:
    """``text`` with API tokens (and ``secret``) replaced by ``[REDACTED]``."""
    if "qt_" not in text and not (secret and secret in text):
        return text
    return redact(text.encode("utf-8", "surrogatepass"), secret).decode("utf-8", "replace")


def decode(raw: bytes, secret: str | None = None) -> Body:
    """Decide what ``raw`` means (see the module docstring); never raises."""
    raw = redact(raw, secret)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        log.debug("body is not UTF-8 at byte %d", exc.start)
        return Body(None, raw.decode("utf-8", "replace"), raw, "body is not UTF-8")
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        log.debug("body is not valid JSON: %s", str(exc).split(":", 1)[0])
        return Body(None, text, None, "body is not valid JSON", retryable=True)
    if data is None:
        return Body(None, text, None, "body is JSON null")
    if not isinstance(data, (dict, list)):
        return Body(data, text)
    try:
        canonical = orjson.dumps(data)
    except orjson.JSONEncodeError:
        return Body(None, text, None, "body nests too deeply")
    if _has_repeated_key(raw, canonical):
        return Body(None, text, None, "body repeats a key")
    return Body(data, text)


def _has_repeated_key(raw: bytes, canonical: bytes) -> bool:
    # Without escapes, every ':' is a key separator or a literal ':' inside a string, and
    # orjson writes strings back unescaped: the counts match unless keys were merged.
    # (A body without any backslash is told by one memchr, faster than a search for the pair.)
    if b"\\" not in raw or b"\\u" not in raw:
        return raw.count(b":") != canonical.count(b":")
    try:
        json.loads(raw, object_pairs_hook=_refuse_repeats)
    except _RepeatedKey:
        return True
    return False


class _RepeatedKey(ValueError):
    pass


def _refuse_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _RepeatedKey
    return result
