"""A live organisation (``Simulator(live=True)``): the data moves on while a client reads it.

The clock ticks after every ``Live.every`` API requests served, and on each
explicit ``Simulator.advance()``. A tick moves the simulated time by
``step_seconds`` and, drawn from the seed and the tick number:

- events waiting for a score get it (scoring is asynchronous at Quint: a fresh
  event carries ``risk_score: null`` first);
- a few running sessions gain events timestamped after their last one (some
  unscored), flip between ``active`` and ``idle``, or end, taking their running
  descendants with them; a session ends only once its events are scored.

Bodies are built from the state at the moment they are served, so a detail's
``risk_summary`` and the events list fetched a moment later can disagree, as
they do on the real API. Only sessions that have not ended change, and every
planted defect sits on an ended session, so the manifest stays exact.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from quint_reports.simulator.generate import Generator, new_uuid
from quint_reports.simulator.org import Org, Session
from quint_reports.simulator.vocab import iso


@dataclass(frozen=True)
class Live:
    """How fast a live organisation changes."""

    every: int = 4
    """A tick after this many API requests served."""
    step_seconds: int = 20
    """Simulated time per tick."""
    touched: int = 2
    """Running sessions changed per tick."""
    unscored_share: float = 0.35
    """Share of new events that arrive with ``risk_score: null``."""
    score_chance: float = 0.3
    """Chance per tick that an unscored event gets its score."""
    end_chance: float = 0.03
    """Chance that a touched session ends (with its running descendants)."""
    edge_id_share: float = 0.15
    """Share of generated session ids in the edge form ``{rootPID}-{startUnixMs}``."""
    open_share: float = 0.25
    """Share of session trees still running when the simulator starts (about one session in eight)."""

    def __post_init__(self) -> None:
        if self.every < 1 or self.step_seconds < 1 or self.touched < 0:
            raise ValueError("Live: every and step_seconds must be at least 1, touched at least 0")
        for name in ("unscored_share", "score_chance", "end_chance", "edge_id_share", "open_share"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"Live: {name} must lie in [0, 1]")


def descendants(org: Org, s: Session) -> list[Session]:
    """Every session below ``s`` (cycle-safe)."""
    out, todo, seen = [], [s], {s.id}
    while todo:
        for child in org.children_of.get(todo.pop().id, []):
            if child.id not in seen:
                seen.add(child.id)
                out.append(child)
                todo.append(child)
    return out


def end(org: Org, s: Session, ts: int, changed: set[str]) -> None:
    """End ``s`` and its running descendants at ``ts``; their pending scores arrive first."""
    for victim in [s, *descendants(org, s)]:
        if victim.ended_ts is None:
            org.score_pending(victim)
            victim.ended_ts = ts
            victim.record["state"] = "ended"
            victim.record["ended_at"] = iso(ts)
            changed.add(victim.id)


def _add_events(
    gen: Generator, rng: random.Random, live: Live, s: Session, t0: int, t1: int, unscored_share: float | None = None
) -> None:
    org = gen.org
    _, _, agent, _, _ = gen.platforms.get(s.record.get("platform", ""), ("", "", "claude-code", 1.0, 1.0))
    stamps = sorted(t0 + int(rng.random() * (t1 - t0 + 1)) for _ in range(1 + int(rng.random() * 3)))
    for ts in stamps:
        action, _ = gen.action_table[int(rng.random() * len(gen.action_table))]
        tool, _ = (names := gen.tools_coded[action])[int(rng.random() * len(names))]
        options = gen.args[tool]
        score = min(100, int(rng.expovariate(0.08)))
        decision = "block" if score > 80 and rng.random() < 0.7 else "allow"
        unscored = rng.random() < (live.unscored_share if unscored_share is None else unscored_share)
        org.add_event(
            s,
            new_uuid(rng),
            ts,
            action,
            tool,
            options[int(rng.random() * len(options))],
            None if unscored else score,
            decision,
            agent,
        )
        if unscored:
            org.defer_score(s, score)


def start(gen: Generator, live: Live, seed: int) -> None:
    """Give every running session a last event or two still waiting for its score, as at any moment."""
    org = gen.org
    rng = random.Random(f"{seed}:live:start")
    for s in org.sessions:
        if s.ended_ts is None:
            t0 = min(max(s.last_ts, org.now_ts - 60) + 1, org.now_ts)
            _add_events(gen, rng, live, s, t0, org.now_ts, unscored_share=1.0)
    org.finalize()


def tick(gen: Generator, live: Live, seed: int, number: int) -> list[str]:
    """Advance a live organisation by one tick; return the ids whose served resources changed."""
    org = gen.org
    rng = random.Random(f"{seed}:live:{number}")
    old, now = org.now_ts, org.now_ts + live.step_seconds
    changed: set[str] = set()
    for sid in sorted(org.pending):
        s = org.by_id[sid]
        if rng.random() < live.score_chance and org.score_pending(s, rng.random()):
            changed.add(sid)
    running = [s for s in org.sessions if s.ended_ts is None]
    for s in rng.sample(running, min(live.touched, len(running))):
        if s.ended_ts is not None:
            continue  # ended with an ancestor in this tick
        u = rng.random()
        if u < live.end_chance:
            end(org, s, now, changed)
        elif u < live.end_chance + 0.25:
            s.record["state"] = "idle" if s.record.get("state") == "active" else "active"
        else:
            _add_events(gen, rng, live, s, max(s.last_ts, old) + 1, now)
            s.record["state"] = "active"
        changed.add(s.id)
    org.now_ts = now
    return org.invalidate(changed)


def end_all(gen: Generator) -> list[str]:
    """End every running session now (scores first); return the changed ids."""
    org = gen.org
    changed: set[str] = set()
    for s in org.sessions:
        if s.ended_ts is None:
            end(org, s, org.now_ts, changed)
    return org.invalidate(changed)
