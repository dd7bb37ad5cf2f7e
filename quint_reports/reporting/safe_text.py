"""Make untrusted text safe for HTML, file names and spreadsheets.

Session names, model and platform names and tool arguments come from the
API, which passes on whatever an agent or its operator typed. Three places
turn such text into something that acts:

- HTML: :func:`escape_html`; plotly titles, legends, axis labels and hover
  text, which render an HTML subset: :func:`escape_plotly`.
- File names (report pages are named after models and platforms):
  :func:`slugify` and :func:`unique_slugs`.
- CSV cells opened in a spreadsheet (``=HYPERLINK(...)`` runs as a formula):
  :func:`neutralise_cell` and :func:`neutralise_frame`.
"""

from __future__ import annotations

import hashlib
import html
import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
"""Cell starts that spreadsheets read as a formula (OWASP CSV injection, CWE-1236)."""

SLUG_MAX_BASE = 60
"""Longest readable part of a slug; the hash suffix comes on top."""

_UNSAFE = re.compile(r"[^a-z0-9._]+")


def escape_html(value: object) -> str:
    """Return ``value`` as text with ``& < > " '`` escaped; ``None`` becomes ``""``.

    Args:
        value: Anything; non-strings are formatted with ``str`` first.

    Returns:
        Text that renders literally inside HTML elements and attributes.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=True)


def escape_plotly(value: object) -> str:
    """Return ``value`` as text for plotly titles, legends, axis labels and hover text.

    Plotly renders a small HTML subset (``<b>``, ``<a href>``, ``<br>``...) and
    decodes only a few entities (``&lt; &gt; &amp;`` and numeric ones, not
    ``&quot;``), so only ``& < >`` are escaped: without ``<`` no tag can form.

    Args:
        value: Anything; ``None`` and NaN become ``""``.

    Returns:
        Text that plotly shows literally.
    """
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return html.escape(str(value), quote=False)


def _base_slug(name: str) -> str:
    # NFKD splits accents off letters so "modèle" keeps its "e"; anything
    # outside [a-z0-9._] (slashes, dots runs, spaces, emoji) becomes a dash.
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    slug = _UNSAFE.sub("-", folded)
    # No leading or trailing dots or dashes: that rules out ".", ".." and
    # hidden files, and no run of dots survives to form a parent reference.
    slug = re.sub(r"\.{2,}", ".", slug).strip(".-")[:SLUG_MAX_BASE].strip(".-")
    return slug


def _digest(name: str, length: int) -> str:
    return hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:length]


def slugify(name: object) -> str:
    """Return a file-name-safe slug for ``name``, stable across runs.

    A name that is already a plain lower-case slug keeps its spelling
    (``gpt-4o`` -> ``gpt-4o``); any other name gets a short hash of its exact
    text appended (``openai/gpt-4o`` -> ``openai-gpt-4o-1a2b3c4d``), so two
    names that fold to the same letters (``GPT`` and ``gpt``, ``a/b`` and
    ``a b``) still get different slugs. The result matches
    ``[a-z0-9][a-z0-9._-]*``: no path separators, no leading dot, never empty.

    Args:
        name: The untrusted name; ``None`` is treated as the empty string.

    Returns:
        The slug, at most ``SLUG_MAX_BASE + 9`` characters long.
    """
    text = "" if name is None else str(name)
    base = _base_slug(text)
    if base and base == text:
        return base
    return f"{base or 'unnamed'}-{_digest(text, 8)}"


def unique_slugs(names: Iterable[object]) -> dict[str, str]:
    """Map each distinct name to a slug, guaranteeing no two names share one.

    Slugs are compared case-insensitively, as macOS and Windows file systems
    do. On the (astronomically rare) hash collision the hash is lengthened.

    Args:
        names: Untrusted names; duplicates are fine.

    Returns:
        ``{str(name): slug}`` for every distinct name.
    """
    result: dict[str, str] = {}
    taken: set[str] = set()
    for raw in names:
        name = "" if raw is None else str(raw)
        if name in result:
            continue
        slug = slugify(name)
        length = 12
        while slug.lower() in taken:
            slug = f"{_base_slug(name) or 'unnamed'}-{_digest(name, length)}"
            length += 4
        result[name] = slug
        taken.add(slug.lower())
    return result


def neutralise_cell(value: object) -> object:
    """Prefix a text cell that a spreadsheet would run as a formula with ``'``.

    Args:
        value: One cell; only ``str`` values are changed.

    Returns:
        The value, with ``'`` prepended when it starts with ``= + - @``, tab or CR.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``frame`` whose text cells cannot start a formula.

    Numeric, boolean and timestamp columns are left exactly as they are, so a
    negative number stays a number; only object and string columns change.

    Args:
        frame: The table about to be written as CSV.

    Returns:
        A new DataFrame; the input is not modified.
    """
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            out[column] = series.map(neutralise_cell, na_action="ignore")
    return out
