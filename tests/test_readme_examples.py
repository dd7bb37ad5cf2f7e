"""Every example of the README runs as written on the demo database and returns rows.

The demo database is built once (``quint_reports.demo``, a small organisation whose history ends
now, as ``make demo`` builds it); a simulator of the same organisation stands in for the API, its
URL and token in the environment, as the quick start's ``export QUINT_API_TOKEN=...`` sets them.
Shell and console lines run from a folder holding ``quint.duckdb`` and the checkout's
``notebooks/``; ``quint-reports``, ``papermill`` and ``duckdb`` are this environment's.

The Team setup section's examples need a PostgreSQL server: ``tests/test_lake.py`` runs them against
its own. Not run, each for a stated reason (``SKIPPED``): the install lines (this suite runs in that
install), ``make`` (it is what runs this suite), ``export`` (the test sets the environment),
``quint-reports simulate`` (a foreground server until Ctrl-C; the simulator's own tests cover it).
The cron line runs with its paths made the test's own folder.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from readme import blocks

from quint_reports import demo
from quint_reports.simulator import Simulator

ROOT = Path(__file__).resolve().parent.parent
BLOCKS = blocks(team_setup=False)
"""(language, text) of every fenced block outside the Team setup section, in order."""
BIN = Path(sys.executable).parent
SESSIONS = 300  # the smallest demo whose last 30 days hold a model trending riskier (the second SQL example)
END = datetime.now(timezone.utc).replace(microsecond=0)

SKIPPED = {
    "python3": "creates the environment this suite runs in",
    "pip": "installs into the environment this suite runs in",
    "make": "the two commands are what run this suite",
    "export": "the test sets QUINT_API_URL and QUINT_API_TOKEN itself",
    "simulate": "a foreground server until Ctrl-C; tests/test_simulator_*.py cover it",
}


def shell_lines() -> list[str]:
    """Every command of the sh, console and cron blocks (console output lines and comments dropped)."""
    lines = []
    for language, text in BLOCKS:
        if language not in ("sh", "console", "cron"):
            continue
        for line in text.splitlines():
            if language == "console":
                if not line.startswith("$ "):
                    continue
                line = line[2:]
            elif language == "cron":
                line = line.split(None, 5)[5]  # the five time fields
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append(line)
    return lines


def python_blocks() -> list[str]:
    return [text for language, text in BLOCKS if language == "python"]


def sql_statements() -> list[str]:
    return [s.strip() for language, text in BLOCKS if language == "sql" for s in text.split(";") if s.strip()]


def skip_reason(words: list[str]) -> str | None:
    first = Path(words[0]).name
    if first in SKIPPED:
        return SKIPPED[first]
    if first == "quint-reports" and words[1] in SKIPPED:
        return SKIPPED[words[1]]
    return None


def argv(words: list[str]) -> list[str]:
    """The command as this environment runs it."""
    first = Path(words[0]).name
    if first == "quint-reports":
        return [sys.executable, "-m", "quint_reports", *words[1:]]
    if first == "papermill":
        return [sys.executable, "-m", "papermill", *words[1:]]
    if first == "duckdb":
        return [str(BIN / "duckdb"), *words[1:]]
    raise AssertionError(f"the README runs {first!r}: teach this test what it is")


@pytest.fixture(scope="session")
def api() -> Iterator[Simulator]:
    with Simulator(seed=1, sessions=SESSIONS, defects=True, live=True, end=END) as sim:
        yield sim


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's folder: ``quint.duckdb`` and its report, as ``make demo`` leaves them."""
    folder = tmp_path_factory.mktemp("demo")
    result = demo(folder, sessions=SESSIONS, end=END)
    assert result.exit_code == 1  # planted findings, as the demo says
    return folder


@pytest.fixture
def work(demo_folder: Path, tmp_path: Path, api: Simulator) -> Iterator[tuple[Path, dict[str, str]]]:
    """A copy of the demo database with the checkout's notebooks beside it, and the environment."""
    shutil.copy(demo_folder / "quint.duckdb", tmp_path / "quint.duckdb")
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    (tmp_path / "out").mkdir()
    env = {
        **os.environ,
        "QUINT_API_URL": api.base_url,
        "QUINT_API_TOKEN": api.token,
        "PLOTLY_RENDERER": "json",  # .show() prints the figure instead of opening a browser
    }
    env.pop("QUINT_DB", None)
    yield tmp_path, env


def test_the_readme_has_examples_of_every_kind() -> None:
    languages = {language for language, _ in BLOCKS}
    assert {"sh", "console", "python", "sql", "cron"} <= languages
    assert len(shell_lines()) >= 8 and len(python_blocks()) >= 4 and len(sql_statements()) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("line", shell_lines())
def test_shell_example_runs(line: str, work: tuple[Path, dict[str, str]]) -> None:
    folder, env = work
    line = line.replace("/srv/quint", str(folder))
    if "--token-file" in line:
        (folder / "token").write_text(env["QUINT_API_TOKEN"], encoding="utf-8")
        (folder / "token").chmod(0o600)
    for part in re.split(r"\s*&&\s*", line.split(">>", 1)[0]):
        words = shlex.split(part, comments=True)
        if words[0] == "cd":
            assert Path(words[1]) == folder
            continue
        reason = skip_reason(words)
        if reason:
            assert reason  # not run, and why: see SKIPPED
            continue
        interactive = Path(words[0]).name == "duckdb" and "-c" not in words
        done = subprocess.run(
            argv(words),
            cwd=folder,
            env=env,
            input="show tables;\n" if interactive else None,
            capture_output=True,
            text=True,
            timeout=300,
        )
        # 1 is "ran, with findings at or above --fail-on": the demo organisation has planted ones.
        assert done.returncode in (0, 1), done.stderr
        if words[1:2] in (["nightly"], ["check"]):
            assert done.returncode == 1, "the planted findings are reported"
        else:
            assert done.returncode == 0, done.stderr
        written = [Path(w) for w in words if w.endswith(".ipynb") and w.startswith("out/")]
        assert done.stdout.strip() or written, f"{part!r} printed nothing"
        for path in written:
            assert (folder / path).stat().st_size > 0
        if "report" in words:
            assert (folder / "report" / "index.html").is_file()


@pytest.mark.slow
@pytest.mark.parametrize("code", python_blocks(), ids=[f"block{i}" for i in range(len(python_blocks()))])
def test_python_example_runs(code: str, work: tuple[Path, dict[str, str]]) -> None:
    folder, env = work
    # Each expression statement's value is printed, as a notebook would show it, so that "returns rows" can be seen.
    script = (
        "import ast, sys\n"
        "tree = ast.parse(sys.stdin.read())\n"
        "for node in tree.body:\n"
        "    if isinstance(node, ast.Expr):\n"
        "        value = eval(compile(ast.Expression(node.value), '<readme>', 'eval'), globals())\n"
        "        if value is not None and not isinstance(value, tuple):\n"
        "            print(type(value).__name__, len(value) if hasattr(value, '__len__') else '', flush=True)\n"
        "    else:\n"
        "        exec(compile(ast.Module([node], []), '<readme>', 'exec'), globals())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], input=code, cwd=folder, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    shown = [line.split() for line in done.stdout.splitlines() if line.startswith(("DataFrame", "PosixPath"))]
    if "DataFrame" in {kind for kind, *_ in shown}:
        assert all(int(rest[0]) > 0 for kind, *rest in shown if kind == "DataFrame"), done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("sql", sql_statements(), ids=[f"statement{i}" for i in range(len(sql_statements()))])
def test_sql_example_returns_rows(sql: str, demo_folder: Path) -> None:
    done = subprocess.run(
        [str(BIN / "duckdb"), "-readonly", "-csv", str(demo_folder / "quint.duckdb"), "-c", sql + ";"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and not done.stderr, done.stderr
    assert len(done.stdout.splitlines()) >= 2, f"no rows on the demo database:\n{sql}"


@pytest.mark.slow
def test_a_failing_or_empty_statement_is_caught(demo_folder: Path) -> None:
    """Controls: an unknown view and a write fail the shell, and a query with no row prints its header only."""
    db = str(demo_folder / "quint.duckdb")
    for bad in ("select * from no_such_view;", "create table scratch (a integer);"):
        done = subprocess.run([str(BIN / "duckdb"), "-readonly", db, "-c", bad], capture_output=True, text=True)
        assert done.returncode != 0
    empty = subprocess.run(
        [str(BIN / "duckdb"), "-readonly", "-csv", db, "-c", "select * from sessions where false;"],
        capture_output=True,
        text=True,
    )
    assert len(empty.stdout.splitlines()) == 1
