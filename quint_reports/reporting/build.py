"""The HTML risk report and the CSV/Parquet exports.

Layout of a report folder::

    index.html                 fleet overview
    model/<slug>.html          one page per model
    platform/<slug>.html       one page per platform
    session/<slug>.html        one page per session the report mentions (capped, see gather.MAX_SESSION_PAGES)
    data/<mart>.csv|.parquet   every mart and the check findings
    assets/plotly.min.js       plotly.js, once, referenced relatively (works from file://)
    .quint-report-pages        each session page's key, so that the next report keeps the unchanged ones (PAGES)

The folder is built beside the target under a temporary name and swapped in
at the end, so a reader never finds half a report; every path is resolved
and checked to lie inside it before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from datetime import date, datetime, timezone
from pathlib import Path

import pandas as pd
from plotly.offline import get_plotlyjs

from quint_reports.exceptions import ConfigError
from quint_reports.reporting.data import MARTS, ReportData
from quint_reports.reporting.pages import page_body, render_group, render_index, render_session, session_key
from quint_reports.reporting.safe_text import neutralise_frame, unique_slugs
from quint_reports.timebounds import resolve_window

log = logging.getLogger(__name__)

MARKER = ".quint-report"
"""File in every report folder: its first line says when it was built, each further line names a
file the report wrote (the manifest). A non-empty folder without it is never replaced, and files
it does not name are carried over into the next report, never deleted."""


PAGES = ".quint-report-pages"
"""File in every report folder: for each session page, the key of what it was rendered from
(:func:`~quint_reports.reporting.pages.session_key`), its SHA-256 and where its body lies. The next
report keeps the body of a page whose key it computes again (checked against the SHA-256), and renders
only the provenance around it; the page is byte for byte the one a render would give."""


def safe_path(root: Path, *parts: str) -> Path:
    """Return ``root/parts...`` resolved, refusing anything that leaves ``root``.

    Raises:
        ValueError: The path resolves outside ``root`` (``..``, absolute parts, symlinks).
    """
    base = root.resolve()
    target = base.joinpath(*parts).resolve()
    if not target.is_relative_to(base) or target == base:
        raise ValueError(f"refusing to write outside the report folder: {parts!r}")
    return target


def _write_text(root: Path, relative: str, text: str) -> None:
    path = safe_path(root, *relative.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def write_exports(root: Path, frames: dict[str, pd.DataFrame]) -> list[str]:
    """Write each frame as ``data/<name>.csv`` (formula-neutralised) and ``.parquet``.

    Returns:
        The export names, in the order written.
    """
    for name, frame in frames.items():
        csv_path = safe_path(root, "data", f"{name}.csv")
        csv_path.parent.mkdir(parents=True, exist_ok=True)
        neutralise_frame(frame).to_csv(csv_path, index=False)
        frame.to_parquet(safe_path(root, "data", f"{name}.parquet"), index=False)
    return list(frames)


PAGE_KINDS = ("model", "platform", "session")
"""The page folders: one page per model, per platform, and per session the report mentions."""


def page_links(data: ReportData) -> dict[str, dict[str, str]]:
    """``{"model": {name: "model/<slug>.html"}, "platform": {...}, "session": {id: ...}}``, unique, safe slugs.

    A session id comes from an agent like any name: it is slugged, never used as a path.
    """
    names = {kind: [str(n) for n in data.marts[f"risk_by_{kind}"][kind]] for kind in ("model", "platform")}
    names["session"] = list(data.session_details)
    return {
        kind: {name: f"{kind}/{slug}.html" for name, slug in unique_slugs(names[kind]).items()} for kind in PAGE_KINDS
    }


def write_report(data: ReportData, out: Path) -> Path:
    """Render ``data`` into the folder ``out``, replacing an earlier report there.

    Args:
        data: Everything the report shows.
        out: The report folder. It must be missing, empty, or an earlier report.

    Returns:
        The path of ``out/index.html``.

    Raises:
        ConfigError: ``out`` is a file, or a non-empty folder that is not a report.
    """
    out = Path(out).absolute()
    if out.is_symlink():
        # Swapping folders would replace the link itself with a folder, silently.
        raise ConfigError(f"{out} is a symbolic link: give --out the folder it points to ({out.resolve()})")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).exists())):
        raise ConfigError(f"{out} exists and is not a quint report folder: choose an empty or new --out")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    except OSError as exc:
        raise ConfigError(f"cannot create the report folder beside {out}: {exc.strerror}") from None
    try:
        links = page_links(data)
        frames = {name: data.marts[name] for name in MARTS}
        frames["check_findings"] = data.findings
        data.exports = write_exports(tmp, frames)
        _write_text(tmp, "assets/plotly.min.js", get_plotlyjs())
        # Pages one folder down reach every other page through "../".
        nested = {k: {n: f"../{h}" for n, h in v.items()} for k, v in links.items()}
        for kind in ("model", "platform"):
            for name, href in links[kind].items():
                _write_text(tmp, href, render_group(data, kind, name, nested))
        _write_session_pages(data, tmp, out, links["session"], nested)
        _write_text(tmp, "index.html", render_index(data, links))
        written = sorted(p.relative_to(tmp).as_posix() for p in tmp.rglob("*") if p.is_file())
        _carry_over(out, tmp, set(written))
        manifest = "".join(f"{w}\n" for w in written)
        _write_text(tmp, MARKER, f"quint report built {data.built_at.isoformat()}\n{manifest}")
        os.chmod(tmp, 0o755)  # mkdtemp makes it private; a report is meant to be shared
        _swap(tmp, out)
    except OSError as exc:  # disk full, permissions: the operator must fix the destination
        shutil.rmtree(tmp, ignore_errors=True)
        raise ConfigError(f"cannot write the report to {out}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out / "index.html"


def _write_session_pages(
    data: ReportData, tmp: Path, out: Path, hrefs: dict[str, str], nested: dict[str, dict[str, str]]
) -> None:
    """Write the session pages into ``tmp``, keeping the body of each page of the report in ``out`` whose
    inputs did not change, and record them in :data:`PAGES` for the next report."""
    earlier = _earlier_pages(out)
    pages: dict[str, dict[str, object]] = {}
    kept = 0
    for sid, href in hrefs.items():
        detail = data.session_details[sid]
        key = session_key(detail, nested)
        body = _earlier_body(out, earlier.get(key))
        page = render_session(data, detail, nested, body)
        kept += body is not None
        _write_text(tmp, href, page)
        start, end = page_body(page)
        pages[key] = {"href": href, "sha256": _sha256(page), "start": start, "end": end}
    _write_text(tmp, PAGES, json.dumps({"pages": pages}))
    log.info("session pages: %d kept from the earlier report, %d rendered", kept, len(hrefs) - kept)


def _sha256(page: str) -> str:
    return hashlib.sha256(page.encode("utf-8")).hexdigest()


def _earlier_pages(out: Path) -> dict[str, dict[str, object]]:
    """The session pages recorded by the report in ``out``, by key; none when there is no such record."""
    try:
        if not (out / MARKER).is_file():
            return {}
        pages = json.loads(safe_path(out, PAGES).read_text(encoding="utf-8"))["pages"]
        return pages if isinstance(pages, dict) else {}
    except (OSError, ValueError, KeyError, TypeError):  # missing, unreadable or not ours: render every page
        return {}


def _earlier_body(out: Path, entry: object) -> str | None:
    """The body of an earlier page, when its file is still the one recorded (same SHA-256), else None."""
    if not isinstance(entry, dict):
        return None
    try:
        # Bytes, not read_text: universal newlines would turn a "\r" of the data into "\n".
        page = safe_path(out, *str(entry["href"]).split("/")).read_bytes().decode("utf-8")
        start, end = entry["start"], entry["end"]
    except (OSError, ValueError, KeyError):
        return None
    if not isinstance(start, int) or not isinstance(end, int) or _sha256(page) != entry["sha256"]:
        return None
    return page[start:end]


def _carry_over(out: Path, tmp: Path, written: set[str]) -> None:
    """Move files an earlier report did not write (its manifest does not name them) into the new one."""
    marker = out / MARKER
    if not marker.is_file():
        return
    ours = set(marker.read_text(encoding="utf-8", errors="replace").splitlines()[1:]) | {MARKER}
    legacy = len(ours) == 1  # a report from before the manifest: its layout says what it wrote
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out).as_posix()
        if path.is_dir() or relative in ours or (legacy and _in_layout(relative)):
            continue
        if relative in written:
            raise ConfigError(
                f"{path} was not written by the report, and the new report writes that name: move it away"
            )
        target = safe_path(tmp, *relative.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target, follow_symlinks=False)
        log.warning("kept %s in the report folder: the report did not write it", relative)


def _in_layout(relative: str) -> bool:
    top, _, rest = relative.partition("/")
    if not rest:
        return relative == "index.html"
    return (top, rest.rsplit(".", 1)[-1]) in {
        ("model", "html"),
        ("platform", "html"),
        ("session", "html"),
        ("data", "csv"),
        ("data", "parquet"),
        ("assets", "js"),
    }


def _swap(new: Path, out: Path) -> None:
    # Two renames: the old report moves aside, the new one takes its name.
    # Readers see the old or the new folder, never a partial one.
    old = None
    if out.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old-", dir=out.parent))
        os.replace(out, old / "report")
    os.replace(new, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def report(
    db: str | os.PathLike[str] | None = None,
    out: str | os.PathLike[str] = "report",
    days: int | None = None,
    since: datetime | date | str | None = None,
    until: datetime | date | str | None = None,
) -> Path:
    """Write the HTML risk report and the exports for one database snapshot.

    Args:
        db: The published database; ``None`` uses the configured default.
        out: The report folder (created, or replaced when it holds an earlier report).
        days: Only events of the last N days; excludes ``since``/``until``.
        since: Only events at or after this time (ISO 8601 text or datetime, UTC when naive).
        until: Only events before this time.

    Returns:
        The path of ``index.html``.

    Raises:
        ConfigError: Conflicting or unreadable window options, or an unusable ``out``.
        DatabaseError: The database cannot be opened.

    Example:
        >>> report("quint.duckdb", "out/report", days=30)  # doctest: +SKIP
        PosixPath('out/report/index.html')
    """
    from quint_reports.reporting.gather import gather
    from quint_reports.warehouse.publish import connect

    window = resolve_window(days, since, until)
    con = connect(db)
    try:
        data = gather(con, window, built_at=datetime.now(timezone.utc))
    finally:
        con.close()
    index = write_report(data, Path(out))
    log.info("report written: %s", index)
    return index
