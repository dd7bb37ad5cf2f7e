"""A report built from a simulated organisation: its pages and exports equal the marts."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pandas as pd
import pytest
from report_db import simulated_db

from quint_reports import analysis
from quint_reports.analysis.checks import check
from quint_reports.cli import main
from quint_reports.reporting.build import report
from quint_reports.warehouse.publish import connect


class Page(HTMLParser):
    """Collects ``data-kpi`` values, ``data-table`` rows (by ``data-col``), links, the title and provenance."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.kpis: dict[str, str] = {}
        self.tables: dict[str, list[dict[str, str]]] = {}
        self.links: list[str] = []
        self.scripts: list[str] = []
        self.h1 = ""
        self.spans: dict[str, str] = {}
        self._field: tuple[str, str] | None = None
        self._table: str | None = None
        self._body = False
        self._text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(str(a["href"]))
        if tag == "script" and a.get("src"):
            self.scripts.append(str(a["src"]))
        if tag == "table" and a.get("data-table"):
            self._table = str(a["data-table"])
            self.tables[self._table] = []
        if tag == "tbody" and self._table:
            self._body = True
        if tag == "tr" and self._table and self._body:
            self.tables[self._table].append({})
        for kind, key in (
            ("kpi", a.get("data-kpi")),
            ("col", a.get("data-col")),
            ("h1", "h1" if tag == "h1" else None),
            ("span", next((k for k in ("data-window", "data-snapshot") if k in a), None)),
        ):
            if key:
                self._field, self._text = (kind, key), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table, self._body = None, False
        if self._field and tag in ("dd", "td", "h1", "span"):
            kind, key = self._field
            text = "".join(self._text).strip()
            if kind == "kpi":
                self.kpis[key] = text
            elif kind == "col" and self._table:
                self.tables[self._table][-1][key] = text
            elif kind == "h1":
                self.h1 = text
            else:
                self.spans[key] = text
            self._field = None

    def handle_data(self, data: str) -> None:
        if self._field:
            self._text.append(data)


def number(text: str) -> float:
    """Parse a rendered cell: ``12``, ``12.34``, ``12.34%`` (as a share) or ``–`` (NaN)."""
    text = text.split()[0] if text else text
    if text in ("–", ""):
        return math.nan
    return float(text[:-1]) / 100 if text.endswith("%") else float(text)


def close(shown: str, value: float) -> bool:
    parsed = number(shown)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return math.isnan(parsed)
    tolerance = 0.00005 if shown.strip().split()[0].endswith("%") else 0.005
    return abs(parsed - float(value)) <= tolerance + 1e-9


def trend_of(shown: str) -> str:
    """The trend label of a ``trend`` KPI, without its slope note (``riskier +0.52 points / day``)."""
    return re.sub(r" [+-]?[\d.]+ points / day$", "", shown)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    db = simulated_db(tmp_path_factory.getbasetemp())
    out = tmp_path_factory.mktemp("report") / "report"
    return db, report(db, out)


@pytest.fixture(scope="session")
def marts(built: tuple[Path, Path]) -> dict[str, pd.DataFrame]:
    con = connect(built[0])
    try:
        return {
            name: getattr(analysis, name)(con)
            for name in (
                "risk_by_model",
                "risk_by_platform",
                "risk_by_model_day",
                "risk_by_platform_day",
                "risk_by_model_platform",
                "risk_fleet",
                "risk_fleet_day",
            )
        }
    finally:
        con.close()


def test_one_page_per_model_and_platform_linked_from_the_index(built: tuple[Path, Path], marts: dict) -> None:
    index = built[1]
    root = index.parent
    page = Page(index.read_text())
    for kind in ("model", "platform"):
        names = set(marts[f"risk_by_{kind}"][kind])
        files = sorted((root / kind).glob("*.html"))
        assert len(files) == len(names) >= 4
        hrefs = [unquote(h) for h in page.links if h.startswith(f"{kind}/")]
        assert sorted(root / h for h in set(hrefs)) == files
        titles = {Page(f.read_text()).h1.removeprefix(f"{kind.capitalize()}: ") for f in files}
        assert titles == names  # every name, hostile ones included, shown as text
    assert {"openai/gpt-4o", "<script>window.__pwned=1</script>", "../../models/evil"} <= set(
        marts["risk_by_model"]["model"]
    )


def test_index_numbers_equal_the_marts(built: tuple[Path, Path], marts: dict) -> None:
    page = Page(built[1].read_text())
    for kind in ("model", "platform"):
        mart = marts[f"risk_by_{kind}"].set_index(kind)
        rows = page.tables[f"risk_by_{kind}"]
        assert len(rows) == len(mart)
        for row in rows:
            expected = mart.loc[row["name"]]
            for col in (
                "sessions",
                "events",
                "mean_risk",
                "p90_risk",
                "max_risk",
                "high_critical_rate",
                "blocked_share",
                "ewma_daily_max",
            ):
                assert close(row[col], expected[col]), (kind, row["name"], col, row[col], expected[col])
            low, high = row["high_critical_ci"].split(" – ")
            assert close(low, expected["high_critical_ci_low"]) and close(high, expected["high_critical_ci_high"])
            assert row["trend"] == expected["trend"]
    fleet = marts["risk_fleet"].iloc[0]
    assert int(page.kpis["sessions"]) == fleet["sessions"] == marts["risk_by_platform"]["sessions"].sum()
    assert int(page.kpis["events"]) == fleet["events"] == marts["risk_by_platform"]["events"].sum()
    for key in (
        "root_sessions",
        "events_per_session",
        "mean_risk",
        "median_risk",
        "p90_risk",
        "p99_risk",
        "max_risk",
        "high_critical_rate",
        "blocked_share",
        "ewma_daily_max",
    ):
        assert close(page.kpis[key], fleet[key]), (key, page.kpis[key], fleet[key])
    low, high = re.findall(r"CI ([\d.]+%) – ([\d.]+%)", page.kpis["high_critical_rate"])[0]
    assert close(low, fleet["high_critical_ci_low"]) and close(high, fleet["high_critical_ci_high"])
    assert trend_of(page.kpis["trend"]) == fleet["trend"]


def test_group_pages_numbers_equal_the_marts(built: tuple[Path, Path], marts: dict) -> None:
    root = built[1].parent
    for kind in ("model", "platform"):
        mart = marts[f"risk_by_{kind}"].set_index(kind)
        for path in (root / kind).glob("*.html"):
            page = Page(path.read_text())
            expected = mart.loc[page.h1.removeprefix(f"{kind.capitalize()}: ")]
            for key in (
                "sessions",
                "root_sessions",
                "events",
                "events_per_session",
                "mean_risk",
                "median_risk",
                "p90_risk",
                "p99_risk",
                "max_risk",
                "high_critical_rate",
                "blocked_share",
                "ewma_daily_max",
            ):
                assert close(page.kpis[key], expected[key]), (path.name, key)
            low, high = re.findall(r"CI ([\d.]+%) – ([\d.]+%)", page.kpis["high_critical_rate"])[0]
            assert close(low, expected["high_critical_ci_low"]) and close(high, expected["high_critical_ci_high"])
            assert trend_of(page.kpis["trend"]) == expected["trend"]
            cross = marts["risk_by_model_platform"]
            cross = cross[cross[kind] == expected.name]
            assert len(page.tables["risk_by_model_platform"]) == len(cross)
            assert page.scripts == ["../assets/plotly.min.js"]
            fleet = marts["risk_fleet"].iloc[0]
            for row in page.tables["fleet_comparison"]:
                key = {
                    "events per session": "events_per_session",
                    "mean risk": "mean_risk",
                    "max risk": "max_risk",
                    "critical share": "share_critical",
                    "high + critical rate": "high_critical_rate",
                    "blocked share": "blocked_share",
                }[row["metric"]]
                assert close(row["this"], expected[key]) and close(row["fleet"], fleet[key]), (path.name, key)


def test_findings_summary_equals_the_checks(built: tuple[Path, Path]) -> None:
    con = connect(built[0])
    try:
        findings = check(con)
    finally:
        con.close()
    page = Page(built[1].read_text())
    shown = {(r["check"], r["severity"]): int(r["count"]) for r in page.tables["finding_summary"]}
    assert shown == findings.groupby(["check", "severity"]).size().to_dict()
    assert len(page.tables["check_findings"]) == min(len(findings), 50)
    assert len(pd.read_csv(built[1].parent / "data" / "check_findings.csv")) == len(findings) > 10


def test_csv_exports_equal_the_marts_with_formulas_neutralised(built: tuple[Path, Path], marts: dict) -> None:
    data = built[1].parent / "data"
    for name, mart in marts.items():
        csv = pd.read_csv(data / f"{name}.csv", keep_default_na=False, na_values=[""])
        assert list(csv.columns) == list(mart.columns) and len(csv) == len(mart)
        for col in mart.columns:
            if pd.api.types.is_numeric_dtype(mart[col]):
                assert csv[col].to_numpy() == pytest.approx(mart[col].to_numpy(dtype=float), nan_ok=True), (name, col)
            else:
                shown = csv[col].astype(str).tolist()
                assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in shown), (name, col)
                # Neutralising only prepends a quote: strip it and the exact text returns.
                original = [str(v) if v is not None and v == v else "nan" for v in mart[col]]
                restored = [
                    v[1:] if v.startswith("'") and not o.startswith("'") else v
                    for v, o in zip(shown, original, strict=False)
                ]
                assert restored == original or col in ("first_day", "last_day", "day"), (name, col)
        assert len(pd.read_parquet(data / f"{name}.parquet")) == len(mart)
    assert "'=1+1" in pd.read_csv(data / "risk_by_model.csv")["model"].tolist()


def test_provenance_on_every_page(built: tuple[Path, Path]) -> None:
    for path in built[1].parent.rglob("*.html"):
        page = Page(path.read_text())
        assert page.spans["data-window"] == "all data"
        assert re.match(
            r"sync run \S+ \(\w+, \w+\) finished \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", page.spans["data-snapshot"]
        )


def test_offline_no_external_urls(built: tuple[Path, Path]) -> None:
    for path in built[1].parent.rglob("*.html"):
        text = path.read_text()
        # Attributes that load or link something may only point inside the report.
        for url in re.findall(r"""(?:src|href|action)\s*=\s*["']?([^"'\s>]+)""", text):
            assert not re.match(r"^(https?:|//|ftp:|data:text/html)", url), (path.name, url)
        assert "cdn.plot.ly" not in text and "mathjax" not in text.lower()


def test_window_and_size(built: tuple[Path, Path], tmp_path: Path) -> None:
    db = built[0]
    index = report(db, tmp_path / "w", since="2026-04-20", until="2026-04-25")
    page = Page(index.read_text())
    assert page.spans["data-window"] == "2026-04-20 00:00 UTC to 2026-04-25 00:00 UTC"
    con = connect(db)
    try:
        windowed = analysis.risk_by_model(con, since="2026-04-20", until="2026-04-25")
    finally:
        con.close()
    assert int(page.kpis["events"]) == windowed["events"].sum() < int(Page(built[1].read_text()).kpis["events"])
    files = [p for p in built[1].parent.rglob("*") if p.is_file()]
    total = sum(p.stat().st_size for p in files if p.parent.name != "session")
    assert total < 8_000_000, f"report is {total} bytes without its session pages"
    # A session page lists at most EVENTS_PER_PAGE events, so each stays small.
    assert max(p.stat().st_size for p in files if p.parent.name == "session") < 400_000


def test_cli_writes_nothing_outside_out(
    built: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = set(tmp_path.rglob("*"))
    assert main(["report", "--db", str(built[0]), "--out", str(tmp_path / "cli"), "--days", "36500"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "cli" / "index.html")
    after = set(tmp_path.rglob("*")) - before
    assert after and all(p == tmp_path / "cli" or p.is_relative_to(tmp_path / "cli") for p in after)
    with pytest.raises(SystemExit) as exc:  # argparse refuses --days with --since
        main(["report", "--db", str(built[0]), "--out", str(tmp_path / "x"), "--days", "3", "--since", "2026-01-01"])
    assert exc.value.code == 2
    assert (
        main(["report", "--db", str(built[0]), "--out", str(tmp_path / "x"), "--days", "3", "--until", "2026-01-01"])
        == 2
    )
    assert not (tmp_path / "x").exists()


def test_findings_say_all_data_and_an_empty_window_says_so(built: tuple[Path, Path], tmp_path: Path) -> None:
    whole = built[1].read_text()
    windowed = report(built[0], tmp_path / "week", since="2026-04-20", until="2026-04-27").read_text()
    empty = report(built[0], tmp_path / "empty", since="2030-01-01").read_text()
    for text in (whole, windowed, empty):
        # Findings ignore the window: the section says so whatever the window is.
        scope = re.search(r'<section id="findings"><h2>Check findings <small data-findings-scope>([^<]+)</small>', text)
        assert scope and scope.group(1) == "all data"
    assert Page(windowed).spans["data-window"] != "all data"
    assert 'data-notice="empty-window"' not in whole and 'data-notice="empty-window"' not in windowed
    notice = re.search(r'<p class="notice" data-notice="empty-window">([^<]+)', empty)
    assert notice and notice.group(1).startswith("No events in this window (2030-01-01 00:00 UTC to now)")
    assert Page(empty).kpis["events"] == "–" and "<h3>First" in empty  # the findings are still listed


def test_riskiest_sessions_follow_the_stated_tie_rule(built: tuple[Path, Path]) -> None:
    from quint_reports.reporting.gather import riskiest_sessions
    from quint_reports.reporting.pages import TIE_RULE

    con = connect(built[0])
    try:
        _, top = riskiest_sessions(con, fleet_top=40, group_top=0)
        stats = con.execute(
            "select session_id, max(risk_score) as mx, count(*) filter (where risk_level = 'Critical') as crit,"
            " count(*) filter (where risk_level in ('High', 'Critical')) as hc, avg(risk_score) as mean"
            " from int_window_events_between(null, null) group by session_id"
        ).fetchall()
    finally:
        con.close()
    key = {sid: (-(mx or -1), -crit, -hc, -(mean or -1), sid) for sid, mx, crit, hc, mean in stats}
    expected = sorted(key, key=key.__getitem__)[:40]
    assert top["fleet"] == expected
    # The rule matters on this data: sessions tie on their maximum, and the page says how they are ordered.
    maxima = [key[s][0] for s in expected]
    assert len(set(maxima)) < len(maxima)
    assert TIE_RULE in built[1].read_text()


def test_tools_and_action_types_are_ranked_by_risk_with_their_volume(
    built: tuple[Path, Path], marts: dict[str, pd.DataFrame]
) -> None:
    page = Page(built[1].read_text())
    con = connect(built[0])
    try:
        tools, actions = analysis.risk_by_tool(con), analysis.risk_by_action_type(con)
    finally:
        con.close()
    for name, column, mart in (("risk_by_tool", "tool_name", tools), ("risk_by_action_type", "action_type", actions)):
        shown = page.tables[name]
        assert [r[column] for r in shown] == mart[column].astype(str).head(len(shown)).tolist()
        rates = [number(r["high_critical_rate"]) for r in shown]
        assert rates == sorted(rates, reverse=True) and len(shown) >= 3
        first = mart.iloc[0]
        assert int(shown[0]["events"]) == first["events"]
        assert int(shown[0]["critical_allowed_events"]) == first["critical_allowed_events"]
    # What is used most is not what is riskiest: the busiest action type does not lead the table.
    busiest = actions.sort_values("events", ascending=False).iloc[0]["action_type"]
    assert page.tables["risk_by_action_type"][0]["action_type"] != busiest


def test_every_session_id_of_the_index_links_to_its_page(built: tuple[Path, Path]) -> None:
    index = built[1]
    text = index.read_text()
    page = Page(text)
    cells = re.findall(r'<td data-col="session_id" class="name"><a href="(session/[^"]+)">([^<]+)</a>', text)
    shown = [r["session_id"] for t in ("sessions", "check_findings") for r in page.tables[t]]
    assert sorted(sid for _, sid in cells) == sorted(shown) and len(shown) > 50
    for href, sid in cells:
        target = Page((index.parent / href).read_text())
        assert (index.parent / href).read_text().count(f"data-session-id>{sid}</code>") == 1, href
        assert target.tables["events"], href


def argument_pattern(arguments: object) -> str:
    """The report's argument pattern, computed here from the JSON text, independently of its SQL."""
    import json

    if arguments is None:
        return "(none)"
    value = json.loads(str(arguments))
    if isinstance(value, list):
        text = " ".join(v if isinstance(v, str) else json.dumps(v, separators=(",", ":")) for v in value)
    elif isinstance(value, str):
        text = value
    else:
        text = str(arguments)
    return re.sub(r"[0-9]+", "N", text)[:80]


def test_needs_attention_lists_what_got_through_by_pattern_with_its_sessions(built: tuple[Path, Path]) -> None:
    from quint_reports.reporting.gather import ATTENTION_GROUPS, ATTENTION_SESSIONS

    db, index = built
    html = index.read_text()
    assert html.index('id="attention"') < html.index('id="totals"')  # first on the index
    con = connect(db)
    try:
        events = con.execute("select * from events").to_arrow_table().to_pandas()
    finally:
        con.close()
    allowed = events[(events["decision"] == "allow") & events["risk_level"].isin(["High", "Critical"])].copy()
    assert len(allowed) > 20  # the simulated organisation lets some through
    allowed["pattern"] = allowed["arguments"].map(argument_pattern)
    allowed["tool"] = allowed["tool_name"].fillna("(unknown)")
    allowed["action"] = allowed["action_type"].fillna("(unknown)")
    expected = {}
    for (tool, action, pattern), g in allowed.groupby(["tool", "action", "pattern"]):
        per_session = g.groupby("session_id").size().reset_index(name="n")
        top = per_session.sort_values(["n", "session_id"], ascending=[False, True])["session_id"].head(
            ATTENTION_SESSIONS
        )
        expected[(tool, action, pattern)] = {
            "critical": int((g["risk_level"] == "Critical").sum()),
            "high": int((g["risk_level"] == "High").sum()),
            "sessions": g["session_id"].nunique(),
            "ids": list(top),
        }
    rows = Page(html).tables["needs_attention"]
    assert len(rows) == min(ATTENTION_GROUPS, len(expected))
    order = sorted(expected, key=lambda k: (-expected[k]["critical"], -(expected[k]["critical"] + expected[k]["high"])))
    assert [expected[(r["tool_name"], r["action_type"], r["argument_pattern"])]["critical"] for r in rows] == [
        expected[k]["critical"] for k in order[: len(rows)]
    ]
    for row in rows:
        want = expected[(row["tool_name"], row["action_type"], row["argument_pattern"])]
        assert (int(row["critical_events"]), int(row["high_events"]), int(row["sessions"])) == (
            want["critical"],
            want["high"],
            want["sessions"],
        )
        shown = row["session_ids"].split(" and ")[0].split(", ")
        assert shown == want["ids"]
    total = re.search(r"<strong>(\d+)</strong> high and critical events were allowed", html)
    assert total and int(total.group(1)) == len(allowed)
    # Every listed session has its page, and the link opens it.
    for href in re.findall(r'<td data-col="session_ids" class="name">(.*?)</td>', html):
        for link in re.findall(r'href="([^"]+)"', href):
            assert (index.parent / unquote(link)).is_file()
    assert re.search(r'<td data-col="session_ids" class="name"><a href="session/', html)


def test_a_trend_turned_names_both_verdicts_of_the_two_windows(built: tuple[Path, Path]) -> None:
    from datetime import timedelta

    from quint_reports.reporting.gather import turned_trends
    from quint_reports.timebounds import Window

    db, _ = built
    con = connect(db)
    try:
        now = con.execute("select max(event_at) from events").fetchone()[0] + timedelta(hours=1)  # type: ignore[index]
        window = Window(since=now - timedelta(days=30), until=now, days=30)
        marts = {
            k: getattr(analysis, k)(con, since=window.since, until=now) for k in ("risk_by_model", "risk_by_platform")
        }
        found = []
        for days in (3, 7, 14):  # at least one of them turns a verdict on this organisation
            turned = turned_trends(con, window, now, marts, lookback=timedelta(days=days))
            for kind in ("model", "platform"):
                before = getattr(analysis, f"risk_by_{kind}")(
                    con, since=window.since - timedelta(days=days), until=now - timedelta(days=days)
                )
                was = dict(zip(before[kind], before["trend"], strict=True))
                listed = {r["name"]: r for r in turned.to_dict("records") if r["kind"] == kind}
                for name, verdict in zip(
                    marts[f"risk_by_{kind}"][kind], marts[f"risk_by_{kind}"]["trend"], strict=True
                ):
                    turns = name in was and was[name] != verdict and "insufficient data" not in (was[name], verdict)
                    assert (name in listed) == turns, (kind, name, was.get(name), verdict)
                    if turns:
                        assert (listed[name]["before"], listed[name]["now"]) == (was[name], verdict)
                found += list(listed)
        assert found  # a turn was seen, so the listing itself was exercised
    finally:
        con.close()
