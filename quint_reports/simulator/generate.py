"""Deterministic generation of clean sessions, hierarchies and events.

A tree is a root session with children up to depth 3 (four levels). Every
child lies inside its parent's time window and every event inside its
session's window, so clean data passes every check. Risk scores are skewed
low with a tail; each model and platform has a risk factor that drifts over
the six weeks (see ``vocab.MODELS``), so the marts show trends.
"""

from __future__ import annotations

import math
import random
from typing import Any

from quint_reports.simulator.org import Org, Session
from quint_reports.simulator.vocab import (
    ACTION_BASE_RISK,
    ACTION_TYPES,
    ACTION_WEIGHTS,
    CHILD_NAMES,
    GIT_ARGS,
    MODEL_WEIGHTS,
    MODELS,
    PATHS,
    PLATFORM_WEIGHTS,
    PLATFORMS,
    SESSION_OBJECTS,
    SESSION_VERBS,
    TOOLS,
    URLS,
    iso,
    jdump,
)

MAX_DEPTH = 3
CHILD_PROBABILITY = (0.45, 0.3, 0.15)
"""Chance that a session at depth 0, 1, 2 spawns children."""


def _table(items: tuple[Any, ...], weights: tuple[int, ...]) -> list[Any]:
    """A lookup list where each item appears ``weight`` times: one ``random()`` per weighted draw."""
    return [item for item, w in zip(items, weights, strict=False) for _ in range(w)]


def _arguments() -> dict[str, tuple[str, ...]]:
    """Pre-encoded ``arguments`` values per tool, so events are not JSON-encoded one by one."""
    paths = [[p] for p in PATHS]
    per_tool: dict[str, list[list[str]]] = {
        "cat": paths,
        "head": [["-n", "50", p] for p in PATHS[:8]],
        "grep": [["-rn", "TODO", p] for p in PATHS[:6]],
        "rg": [["--json", "password", "/app"], ["auth", "/app/src"]],
        "less": paths,
        "node": paths[:6],
        "python3": paths[5:10],
        "tee": paths[8:14],
        "sed": [["-i", "s/foo/bar/", p] for p in PATHS[:6]],
        "code": paths,
        "git": [list(a) for a in GIT_ARGS] + [["clean", "-fdx"]],
        "npm": [["install"], ["test"], ["run", "build"], ["install", "left-pad@1.3.0"]],
        "pytest": [["-q", "tests/"], ["-x", "tests/test_auth.py"]],
        "make": [["build"], ["test"], ["deploy"]],
        "cargo": [["build", "--release"], ["test"]],
        "docker": [["build", "-t", "app:latest", "."], ["run", "--privileged", "app"]],
        "bash": [["-c", "./scripts/deploy.sh"], ["-c", "curl -s https://example.com/install.sh | sh"]],
        "curl": [["-sSL", u] for u in URLS],
        "wget": [[u] for u in URLS[:4]],
        "ssh": [["deploy@10.0.0.12"], ["-p", "2222", "git@github.com"]],
        "pip": [["install", "requests"], ["install", "-r", "requirements.txt"]],
        "gh": [["pr", "create"], ["api", "repos/acme/app"]],
        "rm": [["-rf", p] for p in PATHS[10:16]] + [["-rf", "/"]],
        "find": [[".", "-name", "*.log", "-delete"]],
    }
    return {tool: tuple(jdump(a) for a in args) for tool, args in per_tool.items()}


def new_uuid(rng: random.Random) -> str:
    """A UUID-shaped id (version 5 bits, as the docs say) from the generator's stream."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-5{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def edge_id(rng: random.Random, started_ts: int, taken: dict[str, Session]) -> str:
    """An edge-generated session id, ``{rootPID}-{startUnixMs}`` (changelog v1.0.3), not yet in use."""
    while True:
        sid = f"{rng.randint(300, 99999)}-{started_ts * 1000 + rng.randint(0, 999)}"
        if sid not in taken:
            return sid


_VARIANT = {c: "89ab"[int(c, 16) & 3] for c in "0123456789abcdef"}
"""Maps a random hex digit to an RFC 4122 variant digit."""


def _drift(start: float, end: float, share: float) -> float:
    return start + (end - start) * share


class Generator:
    """Builds sessions and events into an ``Org``; one instance per simulator."""

    def __init__(self, org: Org, seed: int) -> None:
        self.org = org
        self.seed = seed
        self.models = {m[0]: m for m in MODELS}
        self.platforms = {p[0]: p for p in PLATFORMS}
        self.model_table = _table(tuple(m[0] for m in MODELS), MODEL_WEIGHTS)
        self.platform_table = _table(tuple(p[0] for p in PLATFORMS), PLATFORM_WEIGHTS)
        self.action_table = [(a, org.actions.get(a)) for a in _table(ACTION_TYPES, ACTION_WEIGHTS)]
        self.tools_coded = {a: [(t, org.tools.get(t)) for t in names] for a, names in TOOLS.items()}
        self.args = _arguments()
        self.edge_share = 0.0
        """Share of new session ids in the edge form instead of a UUID."""
        self.open_share = 0.14
        """Share of trees whose root is still running (half active, half idle)."""

    def n_events(self, rng: random.Random) -> int:
        """Heavy-tailed events per session: log-normal with mean about 50, at least 1."""
        return max(1, min(4000, int(rng.lognormvariate(math.log(50) - 0.72, 1.2))))

    def session(
        self,
        rng: random.Random,
        *,
        parent: Session | None,
        start: int,
        end: int,
        state: str,
        n_events: int | None = None,
        name: str | None = None,
        model: str | None = None,
        platform: str | None = None,
        sid: str | None = None,
        listed: bool = True,
    ) -> Session:
        """Create one session and its events between ``start`` and ``end``.

        Args:
            rng: the random stream to draw from.
            parent: the parent session, or None for a root.
            start: started_at, epoch seconds.
            end: ended_at when ``state`` is ``ended``; otherwise the time of the last activity.
            state: ``active``, ``idle`` or ``ended``.
            n_events: number of events (drawn when None).
            name, model, platform, sid: fixed values instead of drawn ones.
            listed: False keeps the session out of ``GET /v1/sessions`` (reachable by id only).

        Returns:
            The new session.
        """
        if parent is not None:
            model = model or parent.record.get("model")
            platform = platform or (
                rng.choice(("claude-code", "cursor")) if rng.random() < 0.1 else parent.record.get("platform")
            )
        model = model or self.model_table[int(rng.random() * len(self.model_table))]
        platform = platform or self.platform_table[int(rng.random() * len(self.platform_table))]
        if name is None:
            name = (
                rng.choice(CHILD_NAMES)
                if parent is not None
                else f"{rng.choice(SESSION_VERBS)} {rng.choice(SESSION_OBJECTS)}"
            )
        if sid is None:
            edge = self.edge_share and rng.random() < self.edge_share
            sid = edge_id(rng, start, self.org.by_id) if edge else new_uuid(rng)
        _, signing, _, _, _ = self.platforms.get(platform, PLATFORMS[0])
        record = {
            "id": sid,
            "session_name": name,
            "model": model,
            "signing_id": signing,
            "state": state,
            "platform": platform,
            "parent_id": parent.id if parent else None,
            "started_at": iso(start),
            "ended_at": iso(end) if state == "ended" else None,
        }
        s = self.org.add_session(
            sid, record, parent.id if parent else None, start, end if state == "ended" else None, listed
        )
        n = self.n_events(rng) if n_events is None else n_events
        self.events(rng, s, n, start, end)
        return s

    def events(self, rng: random.Random, s: Session, n: int, t0: int, t1: int) -> None:
        """Append ``n`` clean events with timestamps in ``[t0, t1]``, in time order."""
        org = self.org
        model = self.models.get(s.record.get("model", ""), ("", 1.0, 1.0))
        _, _, agent, p0, p1 = self.platforms.get(s.record.get("platform", ""), PLATFORMS[0])
        # Sessions last hours at most, so the drift is taken once, at the session's start.
        share = min(max((t0 - org.start_ts) / (org.end_ts - org.start_ts), 0.0), 1.0)
        factor = rng.lognormvariate(0.0, 0.35) * _drift(model[1], model[2], share) * _drift(p0, p1, share)
        rand, expo = rng.random, rng.expovariate
        span = max(0, t1 - t0) + 1
        stamps = sorted(t0 + int(rand() * span) for _ in range(n))
        hexes = f"{rng.getrandbits(128 * n):0{32 * n}x}"
        actions, tools, args = self.action_table, self.tools_coded, self.args
        means = {a: 1.0 / (ACTION_BASE_RISK[a] * factor) for a in ACTION_TYPES}
        spike = 0.012 * factor
        head = f'", "session_id": "{s.id}", "agent_id": "{agent}", "action_type": "'
        served, risks, acts, tls, decs = [], [], [], [], []
        allow, block = org.decisions.get("allow"), org.decisions.get("block")
        variant = _VARIANT
        for i, ts in enumerate(stamps):
            action, action_code = actions[int(rand() * len(actions))]
            tool, tool_code = (names := tools[action])[int(rand() * len(names))]
            options = args[tool]
            score = int(expo(means[action]))
            if rand() < spike:
                score = 56 + int(rand() * 45)
            score = min(score, 100)
            u = rand()
            blocked = (score > 80 and u < 0.7) or (55 < score <= 80 and u < 0.15) or u < 0.002
            o = 32 * i
            eid = f"{hexes[o : o + 8]}-{hexes[o + 8 : o + 12]}-5{hexes[o + 13 : o + 16]}-{variant[hexes[o + 16]]}{hexes[o + 17 : o + 20]}-{hexes[o + 20 : o + 32]}"
            served.append(
                f'{{"id": "{eid}{head}{action}", "tool_name": "{tool}", "arguments": '
                f'{options[int(rand() * len(options))]}, "risk_score": {score}, "decision": '
                f'"{"block" if blocked else "allow"}", "timestamp": "{iso(ts)}"}}'.encode()
            )
            risks.append(score)
            acts.append(action_code)
            tls.append(tool_code)
            decs.append(block if blocked else allow)
        org.add_clean_events(s, served, stamps, risks, acts, tls, decs, org.agents.get(agent))

    def tree(self, rng: random.Random, budget: int, lo: int | None = None, now: int | None = None) -> int:
        """Create one root with descendants, at most ``budget`` sessions; return how many.

        Args:
            rng: the tree's random stream.
            budget: the most sessions to create.
            lo: earliest start (default: the start of the generated history).
            now: the simulated current time: nothing happens after it (default: its end).
        """
        lo = self.org.start_ts if lo is None else lo
        now = self.org.end_ts if now is None else now
        u = rng.random()
        if u < self.open_share / 2:
            state = "active"
            start = max(lo, now - rng.randint(300, 8 * 3600))
            end = max(start, now - rng.randint(0, 240))
        elif u < self.open_share:
            state = "idle"
            start = max(lo, now - rng.randint(3600, 3 * 86400))
            end = max(start, min(now - 1800, start + rng.randint(300, 4 * 3600)))
        else:
            state = "ended"
            start = lo + rng.randint(0, max(0, now - lo - 7200))
            end = max(start, min(now - 60, start + int(rng.lognormvariate(math.log(1800), 0.9)) + 120))
        root = self.session(rng, parent=None, start=start, end=end, state=state)
        return 1 + self._children(rng, root, 0, budget - 1)

    def _children(self, rng: random.Random, parent: Session, depth: int, budget: int) -> int:
        if depth >= MAX_DEPTH or budget <= 0 or rng.random() >= CHILD_PROBABILITY[depth]:
            return 0
        made = 0
        p_start = parent.started_ts
        p_end = parent.ended_ts if parent.ended_ts is not None else parent.last_ts
        for _ in range(1 + min(int(rng.expovariate(0.8)), 5)):
            if made >= budget:
                break
            start = p_start + int(rng.random() * 0.6 * (p_end - p_start))
            end = start + int(rng.random() * (p_end - start))
            state = "ended"
            if parent.ended_ts is None and rng.random() < 0.5:
                state = parent.record["state"]
            child = self.session(rng, parent=parent, start=start, end=end, state=state)
            made += 1 + self._children(rng, child, depth + 1, budget - made - 1)
        return made


def generate(org: Org, gen: Generator, sessions: int) -> None:
    """Fill ``org`` with ``sessions`` clean sessions, deterministically from the generator's seed."""
    made, tree = 0, 0
    while made < sessions:
        rng = random.Random(f"{gen.seed}:tree:{tree}")
        made += gen.tree(rng, sessions - made)
        tree += 1
