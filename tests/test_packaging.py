"""The wheel: a non-editable install finds every sql/ layer, away from the checkout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, sys
from quint_reports.warehouse.sqlfiles import read_sql, sql_dir
root = sql_dir()
layers = {d.name: sorted(f.name for f in d.glob("*.sql")) for d in root.iterdir() if d.is_dir()}
print(json.dumps({"root": str(root), "prefix": sys.prefix, "layers": layers,
                  "schema": read_sql("migrations/0001_landing_tables.sql")[:200]}))
"""


def run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], check=False, cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.mark.slow
def test_an_installed_wheel_finds_every_sql_layer(tmp_path: Path) -> None:
    # Build from a copy, so that the build leaves no build/ or egg-info behind in the checkout.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("quint_reports", "sql"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    wheels = tmp_path / "wheels"
    run(
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "-q",
        "-w",
        wheels,
        source,
        cwd=tmp_path,
    )
    (wheel,) = wheels.glob("quint_reports-*.whl")

    # A fresh environment holding only the wheel; the dependencies come from this one's site-packages
    # through a plain path entry (not its .pth files, which would bring the editable checkout back).
    env_dir = tmp_path / "env"
    run(sys.executable, "-m", "venv", "--without-pip", env_dir, cwd=tmp_path)
    python = env_dir / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    run(
        sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index", "-q", wheel, cwd=tmp_path
    )
    purelib = "import sysconfig; print(sysconfig.get_path('purelib'))"
    target_site = Path(run(python, "-c", purelib, cwd=tmp_path).strip())
    (target_site / "dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("QUINT_SQL_DIR", "PYTHONPATH")}
    found = json.loads(run(python, "-c", PROBE, cwd=outside, env=env))

    expected = {d.name: sorted(f.name for f in d.glob("*.sql")) for d in (ROOT / "sql").iterdir() if d.is_dir()}
    assert found["root"] == str(Path(found["prefix"]) / "share" / "quint_reports" / "sql")
    assert not found["root"].startswith(str(ROOT))
    assert found["layers"] == expected and all(expected.values())
    assert (
        found["schema"] == (ROOT / "sql" / "migrations" / "0001_landing_tables.sql").read_text(encoding="utf-8")[:200]
    )


def test_the_regular_install_brings_the_duckdb_shell_on_the_library_line() -> None:
    """The README tells people to run ``duckdb -readonly``: a plain ``pip install`` must bring it."""
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = {dep.split(">", 1)[0].split("=", 1)[0]: dep[len(dep.split(">", 1)[0]) :] for dep in project["dependencies"]}
    assert "duckdb-cli" in pins, "the duckdb shell is a regular dependency, not an extra"
    assert pins["duckdb-cli"] == pins["duckdb"], "shell and library stay on one release line (one storage version)"
    assert not any(dep.startswith("duckdb-cli") for dep in project["optional-dependencies"]["dev"])
    shell = Path(sys.executable).parent / "duckdb"
    version = subprocess.run([str(shell), "--version"], capture_output=True, text=True, check=True, timeout=30)
    import duckdb

    assert version.stdout.startswith("v" + ".".join(duckdb.__version__.split(".")[:2]) + ".")
