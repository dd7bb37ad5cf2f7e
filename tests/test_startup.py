"""The CLI's help loads none of the heavy modules: pandas, plotly and the simulator load where used."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "plotly", "pyarrow", "duckdb", "quint_reports.simulator")

PROBE = """
import json, sys
from quint_reports.cli import main
for argv in {argvs!r}:
    try:
        main(argv)
    except SystemExit as exit:
        assert exit.code == 0, (argv, exit.code)
heavy = sorted({{m.split(".")[0] if not m.startswith("quint_reports.") else ".".join(m.split(".")[:2]) for m in sys.modules}})
print(json.dumps(heavy))
"""


def test_help_imports_no_heavy_module() -> None:
    argvs = [
        ["--help"],
        *([name, "--help"] for name in ("sync", "state", "check", "report", "nightly", "simulate", "demo")),
    ]
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(argvs=argvs)], capture_output=True, text=True, check=True
    ).stdout
    *helps, last = out.strip().splitlines()
    loaded = set(json.loads(last))
    assert "usage: quint-reports" in "\n".join(helps)
    assert "quint_reports.cli" in loaded  # the probe did import the CLI
    assert not loaded & set(HEAVY), sorted(loaded & set(HEAVY))
